// The cluster suite's one cluster: startCluster on a data directory of its own, both API replicas
// as HTTP clients with the dev token, the fake Seer's control API, and the `temporal` CLI over mTLS.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FakeSeerControl } from '../../drills/fake-seer-control';
import { startCluster, type Cluster } from '../../src/cluster/cluster';
import { apiCaller, type ApiResponse, type CallOptions } from './api';

const execFileAsync = promisify(execFile);

/** The token `npm run cluster` accepts when SEER_RUNS_API_TOKENS is unset (src/config). */
export const DEV_TOKEN = 'dev-token';
/** The codec server's bearer token: without one it would decode for anyone on loopback. */
export const CODEC_TOKEN = 'cluster-suite-codec-token';

export interface ReplicaClient {
  /** api-1 or api-2. */
  name: string;
  url: string;
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  /** POST /v1/organizations/{org}/seer-runs */
  post(org: number, body: unknown, options?: Omit<CallOptions, 'body'>): Promise<ApiResponse>;
}

export interface TestCluster {
  cluster: Cluster;
  apis: [ReplicaClient, ReplicaClient];
  seer: FakeSeerControl;
  /** Runs the pinned `temporal` CLI with the cluster's TEMPORAL_TLS_* env; resolves to stdout. */
  cli(...args: string[]): Promise<string>;
  /** The same CLI with `env` on top (e.g. a client certificate taken away). */
  cliWith(env: Record<string, string>, ...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function replicaClient(name: string, url: string): ReplicaClient {
  const call = apiCaller(url, DEV_TOKEN);
  return {
    name,
    url,
    call,
    post: (org, body, rest) =>
      call('POST', `/v1/organizations/${org}/seer-runs`, { ...rest, body }),
  };
}

/**
 * Starts the cluster with `env` on top of the defaults a test wants (its own PostgreSQL, the dev
 * token, a dev payload key, the fake Seer with its control API on). On a failed start it prints
 * the processes' last lines, which say why.
 */
export async function startTestCluster(env: Record<string, string> = {}): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'seer-runs-cluster-'));
  const lines: string[] = [];
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      dataDir,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        TEMPORAL_DB_HOST: '',
        SEER_URL: '',
        SEER_RUNS_API_TOKENS: '',
        PAYLOAD_ENCRYPTION_KEYS: '',
        FAKE_SEER_CONTROL: 'on',
        CODEC_SERVER_TOKEN: CODEC_TOKEN,
        ...env,
      },
      onLine: (name, line) => lines.push(`[${name}] ${line}`),
    });
  } catch (err) {
    process.stderr.write(`${lines.slice(-40).join('\n')}\n`);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  // Set by the global setup (scripts/temporal-cli.sh): the CLI the cluster provisions too.
  const cliPath = process.env.TEMPORAL_CLI_PATH!;
  const cliWith = async (extra: Record<string, string>, ...args: string[]) => {
    const { stdout } = await execFileAsync(cliPath, args, {
      encoding: 'utf8',
      env: { ...process.env, ...cluster.tlsEnv, ...extra },
    });
    return stdout;
  };
  const [api1, api2] = cluster.apiUrls;
  return {
    cluster,
    apis: [replicaClient('api-1', api1), replicaClient('api-2', api2)],
    seer: new FakeSeerControl(cluster.seerUrl),
    cli: (...args) => cliWith({}, ...args),
    cliWith,
    async stop() {
      await cluster.stop();
      // PostgreSQL's data directory is some 40 MB.
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
