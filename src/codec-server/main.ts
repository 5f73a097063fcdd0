// Entry point of the codec server (`tsx src/codec-server/main.ts`): its own env (it needs the payload
// keys, never Seer's secrets), the app on CODEC_SERVER_PORT, a bounded graceful stop on SIGTERM.
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ConfigError } from '../config';
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

const Env = z.object({
  NODE_ENV: z.string().optional(),
  PAYLOAD_ENCRYPTION_KEYS: PayloadKeys.optional(),
  CODEC_SERVER_PORT: z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.int().min(0).max(65_535))
    .default(8089),
  CODEC_SERVER_TOKEN: z.string().min(1).optional(),
  CODEC_CORS_ORIGINS: Origins.default(DEV_UI_ORIGINS),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface CodecServerConfig {
  keys: PayloadKey[];
  port: number;
  /** An open server (no token) listens on loopback only. */
  host: string;
  token: string | null;
  corsOrigins: string[];
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  warnings: string[];
}

export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  // Empty counts as unset, except CODEC_CORS_ORIGINS, where empty means "no browser origin".
  const values = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  if (env.CODEC_CORS_ORIGINS === '') values.CODEC_CORS_ORIGINS = '';
  const parsed = Env.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(
      `invalid configuration: ${String(issue.path[0] ?? 'environment')}: ${issue.message}`,
    );
  }
  const e = parsed.data;
  if (!e.PAYLOAD_ENCRYPTION_KEYS) {
    throw new ConfigError(
      'invalid configuration: PAYLOAD_ENCRYPTION_KEYS: required; without keys there is nothing to decode',
    );
  }
  const warnings: string[] = [];
  if (!e.CODEC_SERVER_TOKEN) {
    if (e.NODE_ENV === 'production') {
      throw new ConfigError(
        'invalid configuration: CODEC_SERVER_TOKEN: required when NODE_ENV=production',
      );
    }
    warnings.push(
      'CODEC_SERVER_TOKEN is not set: the codec server decrypts for anyone who reaches it, so it listens on 127.0.0.1 only',
    );
  }
  return {
    keys: e.PAYLOAD_ENCRYPTION_KEYS,
    port: e.CODEC_SERVER_PORT,
    host: e.CODEC_SERVER_TOKEN ? '0.0.0.0' : '127.0.0.1',
    token: e.CODEC_SERVER_TOKEN ?? null,
    corsOrigins: e.CODEC_CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    warnings,
  };
}

async function main(): Promise<void> {
  let config: CodecServerConfig;
  try {
    config = loadCodecServerConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
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
