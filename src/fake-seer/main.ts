// `npm run fake-seer`: the fake Seer as a process, configured from FAKE_SEER_*, HOST and
// SEER_SHARED_SECRET (spec §6); stops gracefully on SIGTERM and SIGINT.
import pino from 'pino';
import { z } from 'zod';
import {
  bindAddress,
  DEV_SECRET,
  devCredential,
  envSchema,
  intIn,
  LogLevel,
  orExit,
  parseEnv,
  Port,
  withDefault,
} from '../config';
import { startFakeSeer } from './server';

const Switch = z.enum(['1', 'on', '0', 'off'], { error: 'expected 1, on, 0 or off' });

const Env = envSchema({
  FAKE_SEER_PORT: withDefault(Port, 9090),
  HOST: bindAddress(),
  FAKE_SEER_LATENCY_MS: withDefault(intIn(0, 600_000), 0),
  FAKE_SEER_FIRST_RUN_ID: withDefault(intIn(0, Number.MAX_SAFE_INTEGER), 1),
  FAKE_SEER_CONTROL: withDefault(
    Switch.transform((value) => value === '1' || value === 'on'),
    false,
  ),
  // The same rule as the service's: anyone who reaches a fake with the development secret can
  // sign for it, so that secret works on loopback only.
  SEER_SHARED_SECRET: devCredential(z.string(), {
    value: DEV_SECRET,
    warning: `using the development secret "${DEV_SECRET}"`,
    isDevValue: (secret) => secret === DEV_SECRET,
  }),
  LOG_LEVEL: withDefault(LogLevel, 'info'),
});

async function main(): Promise<void> {
  const { values: env, warnings } = orExit(() => parseEnv(Env, process.env));
  const logger = pino({ level: env.LOG_LEVEL, base: { process: 'fake-seer' } });
  for (const warning of warnings) logger.warn(warning);
  const seer = await startFakeSeer({
    port: env.FAKE_SEER_PORT,
    host: env.HOST,
    sharedSecret: env.SEER_SHARED_SECRET,
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
