// `npm run fake-seer`: the fake Seer as a process, configured from FAKE_SEER_* and
// SEER_SHARED_SECRET (spec §6); stops gracefully on SIGTERM and SIGINT.
import pino from 'pino';
import { z } from 'zod';
import { ConfigError, DEV_SECRET, intIn, LogLevel, orExit, parseEnv, Port } from '../config';
import { startFakeSeer } from './server';

const Switch = z.enum(['1', 'on', '0', 'off'], { error: 'expected 1, on, 0 or off' });

const Env = z.object({
  NODE_ENV: z.string().optional(),
  FAKE_SEER_PORT: Port.default(9090),
  FAKE_SEER_LATENCY_MS: intIn(0, 600_000).default(0),
  FAKE_SEER_FIRST_RUN_ID: intIn(0, Number.MAX_SAFE_INTEGER).default(1),
  FAKE_SEER_CONTROL: Switch.transform((value) => value === '1' || value === 'on').default(false),
  SEER_SHARED_SECRET: z.string().optional(),
  LOG_LEVEL: LogLevel.default('info'),
});

function loadEnv(): z.infer<typeof Env> {
  const env = parseEnv(Env, process.env);
  if (env.NODE_ENV === 'production' && env.SEER_SHARED_SECRET === undefined) {
    throw new ConfigError(
      'invalid configuration: SEER_SHARED_SECRET: required when NODE_ENV=production',
    );
  }
  return env;
}

async function main(): Promise<void> {
  const env = orExit(loadEnv);
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
