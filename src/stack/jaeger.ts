// Jaeger (its v2 binary, built by scripts/jaeger.sh) as the local trace backend: an all-in-one with
// in-memory storage, started from our own config so every port it opens is one we chose.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../temporal/dev-server';
import { httpOk, incarnationOf, spawnCommand, StackProcess, waitUntil } from './processes';

const ROOT = join(__dirname, '../..');

export interface JaegerPorts {
  /** The UI and the query API (`/api/services`, `/api/traces`); 0 = a free port. */
  ui: number;
  /** OTLP over HTTP, where the processes export (OTEL_EXPORTER_OTLP_ENDPOINT); 0 = a free port. */
  otlpHttp: number;
}

export interface Jaeger {
  process: StackProcess;
  /** The UI, which also serves the query API under /api. */
  uiUrl: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT for the processes that export to it. */
  otlpEndpoint: string;
}

/** The binary: $JAEGER_PATH, the cache, or a build from the Go module proxy (once, ~3 min). */
export function jaegerPath(env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('bash', [join(ROOT, 'scripts/jaeger.sh')], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/**
 * Jaeger's all-in-one, cut to what we use: OTLP/HTTP in, memory storage, the query service. Its
 * own metrics are off and the query's gRPC port is a free one, so two stacks never collide.
 */
export function jaegerConfig(
  ports: { ui: number; otlpHttp: number; queryGrpc: number },
  uiAssets?: string,
): string {
  // A build from the Go module proxy has no UI inside (a placeholder page); a built jaeger-ui
  // directory (JAEGER_UI_ASSETS) gives it one. The query API works either way.
  const ui = uiAssets ? `\n    ui:\n      assets_path: ${JSON.stringify(uiAssets)}` : '';
  return `# Written by src/stack/jaeger.ts for this run; edits are overwritten.
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    # Jaeger's own spans would go to localhost:4317, another program's port.
    enable_tracing: false${ui}
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.ui}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** Jaeger as a stack process, not yet started (its ports chosen, its config written). */
export async function prepareJaeger(options: {
  dataDir: string;
  ports: JaegerPorts;
  env?: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
}): Promise<Jaeger> {
  const env = options.env ?? process.env;
  const binary = jaegerPath(env);
  const ui = options.ports.ui || (await freePort());
  const otlpHttp = options.ports.otlpHttp || (await freePort());
  const queryGrpc = await freePort();
  mkdirSync(options.dataDir, { recursive: true });
  const configPath = join(options.dataDir, 'jaeger.yaml');
  writeFileSync(configPath, jaegerConfig({ ui, otlpHttp, queryGrpc }, env.JAEGER_UI_ASSETS));
  const uiUrl = `http://127.0.0.1:${ui}`;
  const jaeger = new StackProcess('jaeger', {
    launch: () => {
      const { child, exited } = spawnCommand('jaeger', binary, ['--config', configPath], {
        env,
        ...(options.onLine ? { onLine: options.onLine } : {}),
      });
      return Promise.resolve(incarnationOf(child, exited));
    },
    ready: (incarnation) =>
      waitUntil('jaeger', () => httpOk(`${uiUrl}/api/services`), {
        timeoutMs: 30_000,
        process: incarnation,
      }),
    graceMs: 5_000,
  });
  return { process: jaeger, uiUrl, otlpEndpoint: `http://127.0.0.1:${otlpHttp}` };
}

/** Starts Jaeger and resolves once its query API answers. */
export async function startJaeger(options: Parameters<typeof prepareJaeger>[0]): Promise<Jaeger> {
  const jaeger = await prepareJaeger(options);
  await jaeger.process.start();
  return jaeger;
}
