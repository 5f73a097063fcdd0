// `npm start`: the whole local stack as child processes (Temporal dev server with Web UI, fake
// Seer, worker, API), each awaited until ready, all stopped cleanly on Ctrl-C.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEV_TOKEN, loadConfigOrExit, orExit, parseEnv, Port } from '../config';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import {
  httpOk,
  portAccepts,
  prefixer,
  spawnEntry,
  waitUntil,
  type ManagedProcess,
} from './processes';

const ROOT = join(__dirname, '../..');
/** The stack's own knobs, beside the processes' configuration (config.ts). */
const StackEnv = z.object({
  SEER_RUNS_DATA_DIR: z.string().default(join(ROOT, '.data')),
  TEMPORAL_PORT: Port.default(7233),
  TEMPORAL_UI_PORT: Port.default(8233),
  FAKE_SEER_PORT: Port.default(9090),
  CODEC_SERVER_PORT: Port.default(8089),
});
const stackEnv = orExit(() => parseEnv(StackEnv, process.env));
const DATA = stackEnv.SEER_RUNS_DATA_DIR;
const LOCK = join(DATA, 'stack.json');
const TEMPORAL_PORT = stackEnv.TEMPORAL_PORT;
const UI_PORT = stackEnv.TEMPORAL_UI_PORT;
const FAKE_SEER_PORT = stackEnv.FAKE_SEER_PORT;
const CODEC_PORT = stackEnv.CODEC_SERVER_PORT;

/**
 * PAYLOAD_ENCRYPTION_KEYS, or the stack's own development key: made once and kept under the data
 * directory, so runs stored by an earlier `npm start` stay readable.
 */
function payloadKeys(): string {
  if (process.env.PAYLOAD_ENCRYPTION_KEYS) return process.env.PAYLOAD_ENCRYPTION_KEYS;
  const file = join(DATA, 'payload-key');
  if (!existsSync(file)) {
    const id = `dev-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
    writeFileSync(file, `${id}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

interface StackInfo {
  pid: number;
  api: string;
  ui: string | null;
}

/** One stack per checkout: a second `npm start` says where the first one is. */
function takeLock(info: StackInfo): void {
  mkdirSync(DATA, { recursive: true });
  try {
    closeSync(openSync(LOCK, 'wx'));
  } catch {
    const held = JSON.parse(readFileSync(LOCK, 'utf8') || '{}') as Partial<StackInfo>;
    if (held.pid && isAlive(held.pid)) {
      process.stderr.write(
        `seer-runs is already running (pid ${held.pid}): API ${held.api ?? '?'}, Web UI ${held.ui ?? '-'}. ` +
          `Stop it with Ctrl-C in its terminal (or kill ${held.pid}) first.\n`,
      );
      process.exit(1);
    }
  }
  writeFileSync(LOCK, JSON.stringify(info));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ensureFree(port: number, what: string): Promise<void> {
  if (await portAccepts(port)) {
    throw new Error(`port ${port} (${what}) is already in use by another program`);
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const apiUrl = `http://127.0.0.1:${config.port}`;
  const external = {
    temporal: process.env.TEMPORAL_ADDRESS || undefined,
    seer: process.env.SEER_URL || undefined,
  };
  takeLock({
    pid: process.pid,
    api: apiUrl,
    ui: external.temporal ? null : `http://127.0.0.1:${UI_PORT}`,
  });

  let server: DevServer | undefined;
  const children: ManagedProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping the stack...\n');
    for (const child of [...children].reverse()) {
      await child.stop(child.name === 'worker' ? config.worker.shutdownGraceMs + 5_000 : 10_000);
    }
    await server?.stop();
    rmSync(LOCK, { force: true });
    process.stdout.write('stopped.\n');
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    await ensureFree(config.port, 'API');
    if (!external.seer) await ensureFree(FAKE_SEER_PORT, 'fake Seer');
    await ensureFree(config.worker.metricsPort, 'worker metrics');

    await ensureFree(CODEC_PORT, 'codec server');
    const keys = payloadKeys();
    const codecUrl = `http://127.0.0.1:${CODEC_PORT}`;
    const codec = spawnEntry('codec', join(ROOT, 'src/codec-server/main.ts'), {
      ...process.env,
      PAYLOAD_ENCRYPTION_KEYS: keys,
      CODEC_SERVER_PORT: String(CODEC_PORT),
      CODEC_CORS_ORIGINS: `http://127.0.0.1:${UI_PORT},http://localhost:${UI_PORT}`,
    });
    children.push(codec);
    await waitUntil('codec server', () => portAccepts(CODEC_PORT), {
      timeoutMs: 30_000,
      process: codec,
    });

    let temporalAddress = external.temporal;
    if (!temporalAddress) {
      await ensureFree(TEMPORAL_PORT, 'Temporal');
      await ensureFree(UI_PORT, 'Temporal Web UI');
      const cliPath = execFileSync('bash', [join(ROOT, 'scripts/temporal-cli.sh')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }).trim();
      server = await startDevServer({
        cliPath,
        port: TEMPORAL_PORT,
        uiPort: UI_PORT,
        dbFile: join(DATA, 'temporal.sqlite'),
        namespace: config.temporal.namespace,
        retentionMs: config.temporal.retentionMs,
        onLine: prefixer('temporal'),
        // The UI decrypts payloads in the browser through our codec server.
        extraArgs: ['--ui-codec-endpoint', codecUrl],
      });
      temporalAddress = server.address;
    }

    const seerUrl = external.seer ?? `http://127.0.0.1:${FAKE_SEER_PORT}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      SEER_URL: seerUrl,
      SEER_SHARED_SECRET: config.seer.sharedSecret,
      PAYLOAD_ENCRYPTION_KEYS: keys,
    };
    if (!external.seer) {
      const fake = spawnEntry('fake-seer', join(ROOT, 'src/fake-seer/main.ts'), {
        ...env,
        FAKE_SEER_PORT: String(FAKE_SEER_PORT),
      });
      children.push(fake);
      await waitUntil('fake Seer', () => portAccepts(FAKE_SEER_PORT), {
        timeoutMs: 30_000,
        process: fake,
      });
    }
    const worker = spawnEntry('worker', join(ROOT, 'src/worker.ts'), env);
    children.push(worker);
    const api = spawnEntry('api', join(ROOT, 'src/api/main.ts'), env);
    children.push(api);
    // /readyz answers 200 once Temporal answers and a worker polls the task queue.
    await waitUntil('API and worker', () => httpOk(`${apiUrl}/readyz`), {
      timeoutMs: 60_000,
      process: api,
    });
    for (const child of children) {
      void child.exited.then((code) => {
        if (!stopping) {
          process.stderr.write(`${child.name} exited unexpectedly (${code}); stopping the stack\n`);
          void stopAll(1);
        }
      });
    }

    const rows: Array<[string, string]> = [
      ['API', apiUrl],
      ['Web UI', server?.uiUrl ?? '(external Temporal)'],
      ['Temporal', `${temporalAddress} (namespace ${config.temporal.namespace})`],
      ['Seer', external.seer ? `${seerUrl} (external)` : `${seerUrl} (fake Seer)`],
      ['Codec server', `${codecUrl} (payloads encrypted; the Web UI decodes through it)`],
      ['API metrics', `${apiUrl}/metrics`],
      ['Worker metrics', `http://127.0.0.1:${config.worker.metricsPort}/metrics`],
      ['Dev token', config.apiTokens.has(DEV_TOKEN) ? DEV_TOKEN : '(SEER_RUNS_API_TOKENS is set)'],
      [
        'Processes',
        [
          ...(server ? [`temporal=${server.process.pid}`] : []),
          ...children.map((c) => `${c.name}=${c.child.pid}`),
        ].join(' '),
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(
      `\nseer-runs is up (Ctrl-C stops everything):\n${rows
        .map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)
        .join('\n')}\n\n  try: npm run demo\n\n`,
    );
  } catch (err) {
    process.stderr.write(`npm start failed: ${(err as Error).message}\n`);
    await stopAll(1);
  }
}

void main();
