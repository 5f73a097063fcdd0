// `npm run cluster`: seer-runs on a production-shaped Temporal (PostgreSQL, four services, mTLS)
// with two workers and two API replicas from the compiled build; Ctrl-C stops it all in order.
import { join } from 'node:path';
import { z } from 'zod';
import { DEV_TOKEN, loadConfigOrExit, orExit, parseEnv, Port } from '../config';
import { startCluster, type Cluster } from './cluster';
import { startJaeger, type Jaeger } from '../stack/jaeger';
import { onStopSignals } from '../stack/stop-signals';

const ROOT = join(__dirname, '../..');
/** The cluster's own knobs, beside the processes' configuration (src/config). */
const ClusterEnv = z.object({
  SEER_RUNS_DATA_DIR: z.string().default(join(ROOT, '.data')),
  TEMPORAL_PORT: Port.default(7233),
  API_2_PORT: Port.optional(),
  FAKE_SEER_PORT: Port.default(9090),
  CODEC_SERVER_PORT: Port.default(8089),
  /** `on` = `npm run cluster -- --tracing`: a Jaeger, and every seer-runs process exports to it. */
  SEER_RUNS_TRACING: z.enum(['on', 'off']).default('off'),
  JAEGER_UI_PORT: Port.default(16686),
});
const USAGE = 'usage: npm run cluster [-- --tracing]';

/** `--tracing` (or SEER_RUNS_TRACING=on) is the one argument `npm run cluster` takes. */
function tracingAsked(args: string[], fromEnv: boolean): boolean {
  const unknown = args.find((arg) => arg !== '--tracing');
  if (unknown !== undefined) {
    process.stderr.write(`unknown argument ${unknown}; ${USAGE}\n`);
    process.exit(2);
  }
  return fromEnv || args.includes('--tracing');
}

function addressTable(cluster: Cluster, jaeger: Jaeger | undefined): string {
  const { config } = cluster;
  const pids = (names: string[]) =>
    cluster
      .list()
      .filter((child) => names.includes(child.name))
      .map((child) => `${child.name}=${child.pid}`)
      .join(' ');
  const tls = cluster.tlsEnv;
  const db = cluster.database;
  const rows: Array<[string, string]> = [
    ['API', `${cluster.apiUrls[0]} (api-1), ${cluster.apiUrls[1]} (api-2)`],
    ['Temporal', `${cluster.temporalAddress} (mTLS, namespace ${cluster.namespace})`],
    ['TLS client', `${tls.TEMPORAL_TLS_CLIENT_CERT_PATH} (+ .key, CA ca.pem)`],
    ['PostgreSQL', `${db.host}:${db.port}${db.external ? ' (external)' : ''}`],
    ['Seer', `${cluster.seerUrl} (fake Seer)`],
    ['Codec server', cluster.codecUrl],
    ...(jaeger
      ? [
          [
            'Jaeger UI',
            `${jaeger.uiUrl} (${process.env.JAEGER_UI_ASSETS ? 'traces' : 'query API /api/traces; its UI needs JAEGER_UI_ASSETS'})`,
          ] as [string, string],
        ]
      : []),
    ['Worker metrics', `:${cluster.ports.workerMetrics1}, :${cluster.ports.workerMetrics2}`],
    ['Dev token', config.apiTokens.has(DEV_TOKEN) ? DEV_TOKEN : '(SEER_RUNS_API_TOKENS is set)'],
    ['Temporal pids', pids(['postgres', 'history', 'matching', 'frontend', 'temporal-worker'])],
    ['seer-runs pids', pids(['codec', 'fake-seer', 'worker-1', 'worker-2', 'api-1', 'api-2'])],
    ['Started in', `${(cluster.timings.total! / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const knobs = orExit(() => parseEnv(ClusterEnv, process.env));
  const tracing = tracingAsked(process.argv.slice(2), knobs.SEER_RUNS_TRACING === 'on');
  const dataDir = join(knobs.SEER_RUNS_DATA_DIR, 'cluster');
  // Before the cluster, so its processes start exporting at once; stopped after them.
  const jaeger = tracing
    ? await startJaeger({ dataDir, ports: { ui: knobs.JAEGER_UI_PORT, otlpHttp: 0 } }).catch(
        (err: unknown) => {
          process.stderr.write(`npm run cluster failed: Jaeger: ${(err as Error).message}\n`);
          process.exit(1);
        },
      )
    : undefined;
  const abort = new AbortController();
  const starting = startCluster({
    ...(jaeger
      ? { env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint } }
      : {}),
    dataDir,
    ports: {
      frontend: knobs.TEMPORAL_PORT,
      api1: config.port,
      api2: knobs.API_2_PORT ?? config.port + 1,
      fakeSeer: knobs.FAKE_SEER_PORT,
      codec: knobs.CODEC_SERVER_PORT,
    },
    signal: abort.signal,
  });
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping the cluster...\n');
    abort.abort();
    await starting.then(
      (cluster) => cluster.stop(),
      () => undefined,
    );
    await jaeger?.process.stop();
    process.stdout.write('stopped.\n');
    process.exit(code);
  };
  // As `npm start`: the first Ctrl-C stops the processes in order, a later one kills them.
  onStopSignals('cluster', {
    stopping: () => stopping,
    stop: stopAll,
    killNow: () =>
      starting.then(async (cluster) => {
        await Promise.all(cluster.list().map((child) => child.kill('SIGKILL')));
        process.exit(1);
      }),
  });

  try {
    const cluster = await starting;
    for (const child of cluster.list()) {
      void child.exited.then((code) => {
        if (!stopping) {
          process.stderr.write(
            `${child.name} exited unexpectedly (${code}); stopping the cluster\n`,
          );
          void stopAll(1);
        }
      });
    }
    process.stdout.write(
      `\nseer-runs is up on a Temporal cluster (Ctrl-C stops everything):\n${addressTable(cluster, jaeger)}\n\n`,
    );
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`npm run cluster failed: ${(err as Error).message}\n`);
    await stopAll(1);
  }
}

void main();
