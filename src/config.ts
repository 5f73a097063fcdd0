// Environment → typed configuration, validated once at start (spec §6). An invalid value stops
// the process with one line naming the variable. Temporal's own connection settings come from
// @temporalio/envconfig (TEMPORAL_ADDRESS, TEMPORAL_TLS*, TEMPORAL_API_KEY, profiles).
import { z } from 'zod';
import { PayloadKeys, type PayloadKey } from './temporal/codec';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `500ms`, `30s`, `24h`, `7d` into milliseconds. */
export function parseDurationMs(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const Duration = z.string().transform((text, ctx) => {
  const ms = parseDurationMs(text);
  if (ms === null || ms <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like 30s, 24h or 7d, got "${text}"`,
    });
    return z.NEVER;
  }
  return ms;
});

/** A decimal whole number in [min, max], from an env string. */
export const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.int().min(min).max(max));

export const Port = intIn(0, 65_535);

/** `*` = every organization, empty = none, else comma-separated ids. */
export type OrgSet = { kind: 'all' } | { kind: 'some'; ids: ReadonlySet<number> };
const OrgList = z.string().transform((text, ctx): OrgSet => {
  const trimmed = text.trim();
  if (trimmed === '*') return { kind: 'all' };
  const parts = trimmed === '' ? [] : trimmed.split(',').map((p) => p.trim());
  const ids = new Set<number>();
  for (const part of parts) {
    if (!/^\d+$/.test(part)) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not an organization id` });
      return z.NEVER;
    }
    ids.add(Number(part));
  }
  return { kind: 'some', ids };
});

export function orgSetHas(set: OrgSet, orgId: number): boolean {
  return set.kind === 'all' || set.ids.has(orgId);
}

/** Token → the organizations it may act for. */
export type ApiTokens = ReadonlyMap<string, OrgSet>;
const ApiTokensJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected JSON like {"<token>": [1, 2] | "*"}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().min(1), z.union([z.literal('*'), z.array(z.int().nonnegative())])))
  .transform(
    (record): ApiTokens =>
      new Map(
        Object.entries(record).map(([token, orgs]) => [
          token,
          orgs === '*' ? { kind: 'all' } : { kind: 'some', ids: new Set(orgs) },
        ]),
      ),
  );

export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const OnOff = z.enum(['on', 'off']).transform((v) => v === 'on');

const Env = z.object({
  NODE_ENV: z.string().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('seer-runs'),
  SEER_URL: z.url({ protocol: /^https?$/ }).optional(),
  SEER_SHARED_SECRET: z.string().min(1).optional(),
  SEER_REQUEST_TIMEOUT_MS: intIn(1, 600_000).default(30_000),
  SEER_RUN_MIRROR_ORGS: OrgList.default({ kind: 'all' }),
  SYNC_WAIT_TIMEOUT_MS: intIn(1, 600_000).default(10_000),
  SEER_RUN_HEAL_WINDOW: Duration.default(24 * 3_600_000),
  PORT: Port.default(8080),
  SEER_RUNS_API_TOKENS: ApiTokensJson.optional(),
  EXPLORER_INDEX_TRIGGER: OnOff.default(true),
  API_EMBEDDED_WORKER: OnOff.default(false),
  TEMPORAL_RETENTION: Duration.default(7 * 86_400_000),
  WORKER_METRICS_PORT: Port.default(9464),
  WORKER_SHUTDOWN_GRACE_MS: intIn(0, 3_600_000).default(30_000),
  LOG_LEVEL: LogLevel.default('info'),
  PAYLOAD_ENCRYPTION_KEYS: PayloadKeys.optional(),
});

export const DEV_SECRET = 'dev-secret';
export const DEV_TOKEN = 'dev-token';
/** Where `npm run fake-seer` listens by default. */
export const DEV_SEER_URL = 'http://127.0.0.1:9090';

export interface Config {
  production: boolean;
  temporal: { address: string; namespace: string; taskQueue: string; retentionMs: number };
  seer: { url: string; sharedSecret: string; requestTimeoutMs: number };
  mirrorOrgs: OrgSet;
  syncWaitTimeoutMs: number;
  healWindowMs: number;
  port: number;
  apiTokens: ApiTokens;
  explorerIndexTrigger: boolean;
  /** API_EMBEDDED_WORKER: the API runs a worker on its own connection and starts runs eagerly. */
  apiEmbeddedWorker: boolean;
  worker: { metricsPort: number; shutdownGraceMs: number };
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  /** PAYLOAD_ENCRYPTION_KEYS, newest first; empty = payloads in clear. */
  payloadKeys: PayloadKey[];
  /** Things worth a warning at start (dev defaults in use). */
  warnings: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Empty strings count as unset, as shells and compose files often leave them. */
function present(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // SEER_RUN_MIRROR_ORGS is the one variable whose empty value means something ("none").
  const e = parseEnv(Env, env, ['SEER_RUN_MIRROR_ORGS']);
  const production = e.NODE_ENV === 'production';
  const warnings: string[] = [];
  if (!e.SEER_SHARED_SECRET) {
    if (production)
      throw new ConfigError(
        'invalid configuration: SEER_SHARED_SECRET: required when NODE_ENV=production',
      );
    warnings.push(`SEER_SHARED_SECRET is not set: using the development secret "${DEV_SECRET}"`);
  }
  if (!e.SEER_URL) {
    if (production)
      throw new ConfigError('invalid configuration: SEER_URL: required when NODE_ENV=production');
    warnings.push(`SEER_URL is not set: using the fake Seer at ${DEV_SEER_URL}`);
  }
  let apiTokens = e.SEER_RUNS_API_TOKENS;
  if (!apiTokens) {
    if (production)
      throw new ConfigError(
        'invalid configuration: SEER_RUNS_API_TOKENS: required when NODE_ENV=production',
      );
    warnings.push(
      `SEER_RUNS_API_TOKENS is not set: the development token "${DEV_TOKEN}" acts for every organization`,
    );
    apiTokens = new Map([[DEV_TOKEN, { kind: 'all' }]]);
  }
  return {
    production,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      retentionMs: e.TEMPORAL_RETENTION,
    },
    seer: {
      url: (e.SEER_URL ?? DEV_SEER_URL).replace(/\/+$/, ''),
      sharedSecret: e.SEER_SHARED_SECRET ?? DEV_SECRET,
      requestTimeoutMs: e.SEER_REQUEST_TIMEOUT_MS,
    },
    mirrorOrgs: e.SEER_RUN_MIRROR_ORGS,
    syncWaitTimeoutMs: e.SYNC_WAIT_TIMEOUT_MS,
    healWindowMs: e.SEER_RUN_HEAL_WINDOW,
    port: e.PORT,
    apiTokens,
    explorerIndexTrigger: e.EXPLORER_INDEX_TRIGGER,
    apiEmbeddedWorker: e.API_EMBEDDED_WORKER,
    worker: { metricsPort: e.WORKER_METRICS_PORT, shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS },
    logLevel: e.LOG_LEVEL,
    payloadKeys: e.PAYLOAD_ENCRYPTION_KEYS ?? [],
    warnings,
  };
}

/** Parses `env` with `schema`, or throws a ConfigError naming the first bad variable. */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  keepEmpty: string[] = [],
): z.infer<T> {
  const values = present(env);
  for (const name of keepEmpty) if (env[name] === '') values[name] = '';
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(
      `invalid configuration: ${String(issue.path[0] ?? 'environment')}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** For entry points: load, or print one line naming the variable and exit. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  return orExit(() => loadConfig(env));
}

/** Runs an env parse for an entry point: a ConfigError becomes one line on stderr and exit 1. */
export function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
