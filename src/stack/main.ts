// `npm start`: the whole local stack as child processes (Temporal dev server with Web UI, fake
// Seer, worker, API), each awaited until ready, a dead worker restarted, all stopped on Ctrl-C.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEV_TOKEN, loadConfigOrExit, orExit, parseEnv, Port } from '../config';
import { localUrl, startStack, type Stack } from './stack';
import { supervise } from './supervise';
import { onStopSignals } from './stop-signals';

const ROOT = join(__dirname, '../..');
/** The stack's own knobs, beside the processes' configuration (src/config). */
const StackEnv = z.object({
  SEER_RUNS_DATA_DIR: z.string().default(join(ROOT, '.data')),
  TEMPORAL_PORT: Port.default(7233),
  TEMPORAL_UI_PORT: Port.default(8233),
  FAKE_SEER_PORT: Port.default(9090),
  CODEC_SERVER_PORT: Port.default(8089),
  /** `on` = `npm start -- --tracing`: Jaeger, and the worker and API export their spans to it. */
  SEER_RUNS_TRACING: z.enum(['on', 'off']).default('off'),
  JAEGER_UI_PORT: Port.default(16686),
});
const stackEnv = orExit(() => parseEnv(StackEnv, process.env));
const DATA = stackEnv.SEER_RUNS_DATA_DIR;
const LOCK = join(DATA, 'stack.json');
const UI_PORT = stackEnv.TEMPORAL_UI_PORT;
const USAGE = 'usage: npm start [-- --tracing]';
const TRACING = tracingAsked(process.argv.slice(2), stackEnv.SEER_RUNS_TRACING === 'on');

/** `--tracing` (or SEER_RUNS_TRACING=on) is the one argument `npm start` takes. */
function tracingAsked(args: string[], fromEnv: boolean): boolean {
  const unknown = args.find((arg) => arg !== '--tracing');
  if (unknown !== undefined) {
    process.stderr.write(`unknown argument ${unknown}; ${USAGE}\n`);
    process.exit(2);
  }
  return fromEnv || args.includes('--tracing');
}
/** Spec §5: a worker that dies is restarted, at most 5 times a minute; then the stack stops. */
const WORKER_RESTARTS = { maxRestarts: 5, windowMs: 60_000 };

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

function addressTable(stack: Stack, externalSeer: boolean): string {
  const { config } = stack;
  const rows: Array<[string, string]> = [
    ['API', stack.apiUrl],
    ['Web UI', stack.uiUrl ?? '(external Temporal)'],
    ['Temporal', `${stack.temporalAddress} (namespace ${config.temporal.namespace})`],
    ['Seer', externalSeer ? `${stack.seerUrl} (external)` : `${stack.seerUrl} (fake Seer)`],
    ['Codec server', `${stack.codecUrl} (payloads encrypted; the Web UI decodes through it)`],
    ...(stack.jaegerUrl
      ? [
          [
            'Jaeger UI',
            `${stack.jaegerUrl} (${process.env.JAEGER_UI_ASSETS ? 'traces' : 'query API /api/traces; its UI needs JAEGER_UI_ASSETS'})`,
          ] as [string, string],
        ]
      : []),
    ['API metrics', `${stack.apiUrl}/metrics`],
    ['Worker metrics', stack.workerMetricsUrl],
    ['Dev token', config.apiTokens.has(DEV_TOKEN) ? DEV_TOKEN : '(SEER_RUNS_API_TOKENS is set)'],
    [
      'Processes',
      stack
        .list()
        .map((child) => `${child.name}=${child.pid}`)
        .join(' '),
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const external = {
    temporal: process.env.TEMPORAL_ADDRESS || undefined,
    seer: process.env.SEER_URL || undefined,
  };
  takeLock({
    pid: process.pid,
    api: localUrl(config.host, config.port),
    ui: external.temporal ? null : `http://127.0.0.1:${UI_PORT}`,
  });

  const abort = new AbortController();
  const starting = startStack({
    dataDir: DATA,
    ports: {
      temporal: stackEnv.TEMPORAL_PORT,
      ui: UI_PORT,
      fakeSeer: stackEnv.FAKE_SEER_PORT,
      codec: stackEnv.CODEC_SERVER_PORT,
    },
    ...(external.temporal ? { temporalAddress: external.temporal } : {}),
    ...(external.seer ? { seerUrl: external.seer } : {}),
    signal: abort.signal,
    ...(TRACING ? { tracing: { uiPort: stackEnv.JAEGER_UI_PORT } } : {}),
  });
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping the stack...\n');
    // During start-up the abort stops what has started, and the start-up rejects.
    abort.abort();
    await starting.then(
      (stack) => stack.stop(),
      () => undefined,
    );
    rmSync(LOCK, { force: true });
    process.stdout.write('stopped.\n');
    process.exit(code);
  };
  onStopSignals('stack', {
    stopping: () => stopping,
    stop: stopAll,
    killNow: () =>
      starting.then(async (stack) => {
        await Promise.all(stack.list().map((child) => child.kill('SIGKILL')));
        rmSync(LOCK, { force: true });
        process.exit(1);
      }),
  });

  try {
    const stack = await starting;
    for (const child of stack.list()) {
      if (child.name === 'worker') {
        void supervise(child, {
          ...WORKER_RESTARTS,
          say: (line) => process.stdout.write(`${line}\n`),
          isStopping: () => stopping,
          giveUp: (reason) => {
            process.stderr.write(`${reason}\n`);
            void stopAll(1);
          },
        });
        continue;
      }
      void child.exited.then((code) => {
        if (!stopping) {
          process.stderr.write(`${child.name} exited unexpectedly (${code}); stopping the stack\n`);
          void stopAll(1);
        }
      });
    }
    process.stdout.write(
      `\nseer-runs is up (Ctrl-C stops everything):\n${addressTable(stack, external.seer !== undefined)}\n\n  try: npm run demo\n\n`,
    );
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`npm start failed: ${(err as Error).message}\n`);
    await stopAll(1);
  }
}

void main();
