// Entry point of the codec server (`tsx src/codec-server/main.ts`): its own env (it needs the payload
// keys, never Seer's secrets), the app on CODEC_SERVER_PORT, a bounded graceful stop on SIGTERM.
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  envSchema,
  keptEmpty,
  LogLevel,
  orExit,
  parseEnv,
  Port,
  required,
  requiredInProduction,
  withDefault,
} from '../config';
import { createLogger } from '../logger';
import { PayloadKeys, type PayloadKey } from '../temporal/codec';
import { buildCodecServer } from './app';

/** Where `npm start`'s dev server serves the Web UI (under either host name). */
export const DEV_UI_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

const SHUTDOWN_TIMEOUT_MS = 10_000;

const Origins = z.string().transform((text, ctx): string[] => {
  const origins = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // Reported below, with the other shapes that are not an origin.
    }
    // Browsers send scheme://host[:port] exactly, and `*` cannot go with credentials.
    if (parsed === null || parsed.origin !== origin) {
      ctx.addIssue({
        code: 'custom',
        message: `"${origin}" is not an origin like https://temporal.example.com (scheme, host, port; no path)`,
      });
      return z.NEVER;
    }
  }
  return origins;
});

const CODEC_SERVER_ENV = {
  PAYLOAD_ENCRYPTION_KEYS: required(PayloadKeys, 'without keys there is nothing to decode'),
  CODEC_SERVER_PORT: withDefault(Port, 8089),
  CODEC_SERVER_TOKEN: requiredInProduction(z.string().min(1), {
    value: null,
    warning: 'the codec server decrypts for anyone who reaches it, so it listens on 127.0.0.1 only',
  }),
  // Empty: no browser origin may call, only the CLI.
  CODEC_CORS_ORIGINS: withDefault(Origins, DEV_UI_ORIGINS, { emptyIsAValue: true }),
  LOG_LEVEL: withDefault(LogLevel, 'info'),
};
const Env = envSchema(CODEC_SERVER_ENV);

export interface CodecServerConfig {
  keys: PayloadKey[];
  port: number;
  /** An open server (no token) listens on loopback only. */
  host: string;
  token: string | null;
  corsOrigins: string[];
  logLevel: LogLevel;
  warnings: string[];
}

export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const { values: e, warnings } = parseEnv(Env, env, keptEmpty(CODEC_SERVER_ENV));
  return {
    keys: e.PAYLOAD_ENCRYPTION_KEYS,
    port: e.CODEC_SERVER_PORT,
    host: e.CODEC_SERVER_TOKEN ? '0.0.0.0' : '127.0.0.1',
    token: e.CODEC_SERVER_TOKEN,
    corsOrigins: e.CODEC_CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    warnings,
  };
}

async function main(): Promise<void> {
  const config = orExit(() => loadCodecServerConfig());
  const logger = createLogger(config.logLevel, 'codec-server');
  for (const warning of config.warnings) logger.warn(warning);

  const app = buildCodecServer({
    keys: config.keys,
    token: config.token,
    corsOrigins: config.corsOrigins,
    logger,
  });
  // Slow-loris bounds; decoding is fast, so nothing legitimate holds a socket for long.
  app.server.headersTimeout = 10_000;
  app.server.requestTimeout = 30_000;
  app.server.keepAliveTimeout = 65_000;
  await app.listen({ host: config.host, port: config.port });
  const { address, port } = app.server.address() as AddressInfo;
  logger.info(
    {
      url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
      key_ids: config.keys.map((k) => k.id),
      cors_origins: config.corsOrigins,
      auth: config.token === null ? 'none' : 'bearer',
    },
    'codec server listening',
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'codec server stopping');
      // Fastify waits for in-flight requests; a client that never finishes is cut after a bound.
      const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_TIMEOUT_MS);
      app.close().then(
        () => {
          clearTimeout(cut);
          logger.info('codec server stopped');
        },
        (err: unknown) => {
          logger.error({ err }, 'codec server failed to close');
          process.exitCode = 1;
        },
      );
    });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `codec server failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
