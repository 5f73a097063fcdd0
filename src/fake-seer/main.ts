// `npm run fake-seer`: the fake Seer as a process, configured from FAKE_SEER_* and
// SEER_SHARED_SECRET (spec §6); stops gracefully on SIGTERM and SIGINT.
import pino from 'pino';
import { z } from 'zod';
import { DEV_SECRET } from '../config';
import { startFakeSeer } from './server';

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.int().min(min).max(max));

const Switch = z.enum(['1', 'on', '0', 'off'], { error: 'expected 1, on, 0 or off' });

const Env = z.object({
  NODE_ENV: z.string().optional(),
  FAKE_SEER_PORT: wholeNumber(0, 65_535).default(9090),
  FAKE_SEER_LATENCY_MS: wholeNumber(0, 600_000).default(0),
  FAKE_SEER_FIRST_RUN_ID: wholeNumber(0, Number.MAX_SAFE_INTEGER).default(1),
  FAKE_SEER_CONTROL: Switch.transform((value) => value === '1' || value === 'on').default(false),
  SEER_SHARED_SECRET: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

function loadEnv(): z.infer<typeof Env> {
  // Empty counts as unset, as shells and compose files often leave variables.
  const values = Object.fromEntries(
    Object.entries(process.env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = Env.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`${String(issue?.path[0] ?? 'environment')}: ${issue?.message ?? 'invalid'}`);
  }
  if (parsed.data.NODE_ENV === 'production' && parsed.data.SEER_SHARED_SECRET === undefined) {
    fail('SEER_SHARED_SECRET: required when NODE_ENV=production');
  }
  return parsed.data;
}

function fail(line: string): never {
  process.stderr.write(`invalid configuration: ${line}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const env = loadEnv();
  const logger = pino({ level: env.LOG_LEVEL, base: { process: 'fake-seer' } });
  if (env.SEER_SHARED_SECRET === undefined) {
    logger.warn(`SEER_SHARED_SECRET is not set: using the development secret "${DEV_SECRET}"`);
  }
  const seer = await startFakeSeer({
    port: env.FAKE_SEER_PORT,
    sharedSecret: env.SEER_SHARED_SECRET ?? DEV_SECRET,
    latencyMs: env.FAKE_SEER_LATENCY_MS,
    firstRunId: env.FAKE_SEER_FIRST_RUN_ID,
    control: env.FAKE_SEER_CONTROL,
    logger,
  });
  logger.info(
    { url: seer.url, control: env.FAKE_SEER_CONTROL, latency_ms: env.FAKE_SEER_LATENCY_MS },
    'fake Seer listening',
  );

  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'fake Seer stopping');
    seer.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'fake Seer failed to close');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`fake Seer failed to start: ${String(err)}\n`);
  process.exit(1);
});
