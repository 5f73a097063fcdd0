// The cluster the drills break: `startCluster` (PostgreSQL, Temporal's four services behind mTLS,
// two workers, two APIs) with the drills' settings, a data directory of its own and one log file.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../src/cluster/cluster';
import { FakeSeerControl } from './fake-seer-control';
import { drillEnv, type DrillStackOptions, type DrillTarget } from './stack';

export interface DrillCluster extends DrillTarget {
  backend: 'cluster';
  /** api-1's and api-2's base URLs. */
  apiUrls: readonly [string, string];
  /** postgres, history, matching, frontend, temporal-worker, worker-1/2, api-1/2, ... */
  processes: Cluster['processes'] & { postgres: NonNullable<Cluster['processes']['postgres']> };
  /** worker-1's and worker-2's SDK metrics (Prometheus text). */
  workerMetricsUrls: Record<'worker-1' | 'worker-2', string>;
  /** Milliseconds each start-up step took, and the total. */
  timings: Record<string, number>;
}

export async function startDrillCluster(
  options: Omit<DrillStackOptions, 'workflowBundlePath'> = {},
): Promise<DrillCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'seer-runs-drill-cluster-'));
  const logFile = join(tmpdir(), `${dir.split('/').at(-1)}.log`);
  const log = createWriteStream(logFile);
  const closeLog = () => new Promise<void>((resolve) => log.end(resolve));
  const cleanUp = async () => {
    await closeLog();
    // PostgreSQL's data directory is some 40 MB.
    rmSync(dir, { recursive: true, force: true });
  };
  const cluster = await startCluster({
    dataDir: dir,
    env: {
      ...process.env,
      ...drillEnv(options),
      // The cluster's own PostgreSQL, fake Seer and development payload key, whatever the shell says.
      TEMPORAL_DB_HOST: '',
      SEER_URL: '',
      PAYLOAD_ENCRYPTION_KEYS: '',
    },
    onLine: (name, line) => log.write(`[${name}] ${line}\n`),
  }).catch(async (err: unknown) => {
    await cleanUp();
    throw err;
  });
  let closed: Promise<void> | undefined;
  const { postgres } = cluster.processes;
  if (!postgres) {
    await cluster.stop();
    await cleanUp();
    throw new Error('the drill cluster runs its own PostgreSQL, but startCluster started none');
  }
  return {
    backend: 'cluster',
    apiUrls: cluster.apiUrls,
    logFile,
    seer: new FakeSeerControl(cluster.seerUrl),
    processes: { ...cluster.processes, postgres },
    workerMetricsUrls: {
      'worker-1': `http://127.0.0.1:${cluster.ports.workerMetrics1}/metrics`,
      'worker-2': `http://127.0.0.1:${cluster.ports.workerMetrics2}/metrics`,
    },
    timings: cluster.timings,
    // Once: a suite may close the shared cluster early to start one with other settings.
    close() {
      closed ??= cluster.stop().then(cleanUp);
      return closed;
    },
  };
}
