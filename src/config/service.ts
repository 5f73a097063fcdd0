// The service's configuration (the API and the worker read the same environment, spec §6): one
// table of variables, and the schema whose transform turns it into the typed Config.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { PayloadKeys } from '../temporal/codec';
import {
  bindAddress,
  devCredential,
  envSchema,
  keptEmpty,
  optional,
  orExit,
  parseEnv,
  requiredInProduction,
  withDefault,
} from './env';
import {
  ApiTokensJson,
  Duration,
  hostPort,
  intIn,
  LogLevel,
  OnOff,
  OrgList,
  OrgWeightsJson,
  Port,
  type ApiTokens,
} from './env-values';

export const DEV_SECRET = 'dev-secret';
export const DEV_TOKEN = 'dev-token';
/** Where `npm run fake-seer` listens by default. */
export const DEV_SEER_URL = 'http://127.0.0.1:9090';
const DEV_API_TOKENS: ApiTokens = new Map([[DEV_TOKEN, { kind: 'all' }]]);
/**
 * A POST answers within SYNC_WAIT_TIMEOUT_MS + 1 s of its arrival (spec §3); the API's sockets and
 * its drain allow this much more, for a request that arrived just before the drain and a slow reader.
 */
export const API_ANSWER_MARGIN_MS = 15_000;

// Row order is the order of the checks: the first bad or missing variable is the one reported.
const SERVICE_ENV = {
  TEMPORAL_ADDRESS: withDefault(z.string().min(1), '127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: withDefault(z.string().min(1), 'default'),
  TEMPORAL_TASK_QUEUE: withDefault(z.string().min(1), 'seer-runs'),
  SEER_SHARED_SECRET: devCredential(z.string().min(1), {
    value: DEV_SECRET,
    warning: `using the development secret "${DEV_SECRET}"`,
    isDevValue: (secret) => secret === DEV_SECRET,
  }),
  SEER_URL: requiredInProduction(z.url({ protocol: /^https?$/ }), {
    value: DEV_SEER_URL,
    warning: `using the fake Seer at ${DEV_SEER_URL}`,
  }),
  SEER_REQUEST_TIMEOUT_MS: withDefault(intIn(1, 600_000), 30_000),
  // The one variable whose empty value means something: no organization is mirrored.
  SEER_RUN_MIRROR_ORGS: withDefault(OrgList, { kind: 'all' }, { emptyIsAValue: true }),
  SYNC_WAIT_TIMEOUT_MS: withDefault(intIn(1, 600_000), 10_000),
  SEER_RUN_HEAL_WINDOW: withDefault(Duration, 24 * 3_600_000),
  // Requests to Seer per second across every worker (first attempts and retries); unset = no cap.
  SEER_MAX_REQUESTS_PER_SECOND: optional(
    z
      .string()
      .trim()
      .regex(
        /^\d+(\.\d+)?$|^\.\d+$/,
        'expected a positive number of requests per second, like 50 or 2.5',
      )
      .transform(Number)
      .pipe(
        z.number().positive('expected a positive number of requests per second, like 50 or 2.5'),
      ),
  ),
  PORT: withDefault(Port, 8080),
  HOST: bindAddress(),
  SEER_RUNS_API_TOKENS: devCredential(ApiTokensJson, {
    value: DEV_API_TOKENS,
    warning: `the development token "${DEV_TOKEN}" acts for every organization`,
    isDevValue: (tokens) => tokens.has(DEV_TOKEN),
  }),
  // Every API replica needs the same key, or a page token works only on the replica that made it.
  SEER_RUNS_PAGE_TOKEN_KEY: requiredInProduction(z.string().min(32, 'at least 32 characters'), {
    value: randomBytes(32).toString('base64url'),
    warning: 'list page tokens are sealed with a random key: they work only on this process',
  }),
  EXPLORER_INDEX_TRIGGER: withDefault(OnOff, true),
  API_EMBEDDED_WORKER: withDefault(OnOff, true),
  TEMPORAL_RETENTION: withDefault(Duration, 7 * 86_400_000),
  WORKER_METRICS_PORT: withDefault(Port, 9464),
  WORKER_SHUTDOWN_GRACE_MS: withDefault(intIn(0, 3_600_000), 30_000),
  LOG_LEVEL: withDefault(LogLevel, 'info'),
  PAYLOAD_ENCRYPTION_KEYS: optional(PayloadKeys),
  SEER_RUNS_ORG_WEIGHTS: withDefault(OrgWeightsJson, new Map()),
  SEER_RUNS_FAIRNESS: withDefault(OnOff, true),
  SEER_RUNS_FAIR_IN_FLIGHT: withDefault(intIn(1, 100_000), 8),
};

export const Config = envSchema(SERVICE_ENV).transform(({ production, values: e, warnings }) => ({
  production,
  temporal: {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    retentionMs: e.TEMPORAL_RETENTION,
  },
  seer: {
    url: e.SEER_URL.replace(/\/+$/, ''),
    sharedSecret: e.SEER_SHARED_SECRET,
    requestTimeoutMs: e.SEER_REQUEST_TIMEOUT_MS,
    /** The cap on requests to Seer across every worker; undefined = none. */
    maxRequestsPerSecond: e.SEER_MAX_REQUESTS_PER_SECOND,
  },
  mirrorOrgs: e.SEER_RUN_MIRROR_ORGS,
  syncWaitTimeoutMs: e.SYNC_WAIT_TIMEOUT_MS,
  healWindowMs: e.SEER_RUN_HEAL_WINDOW,
  port: e.PORT,
  /** Where the API and the worker's metrics listen. */
  host: e.HOST,
  /** How long the API's drain lets in-flight requests finish before cutting them. */
  apiDrainMs: e.SYNC_WAIT_TIMEOUT_MS + API_ANSWER_MARGIN_MS,
  apiTokens: e.SEER_RUNS_API_TOKENS,
  pageTokenKey: e.SEER_RUNS_PAGE_TOKEN_KEY,
  explorerIndexTrigger: e.EXPLORER_INDEX_TRIGGER,
  /** The API runs a worker on its own connection and starts runs eagerly. */
  apiEmbeddedWorker: e.API_EMBEDDED_WORKER,
  worker: {
    metricsPort: e.WORKER_METRICS_PORT,
    /** Where the worker's Prometheus endpoint listens: HOST, as the API. */
    metricsBindAddress: hostPort(e.HOST, e.WORKER_METRICS_PORT),
    shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
  },
  logLevel: e.LOG_LEVEL,
  /** Newest first; empty = payloads in clear. */
  payloadKeys: e.PAYLOAD_ENCRYPTION_KEYS ?? [],
  /**
   * Fairness between organizations (README "Fairness between organizations"): starts carry a
   * Temporal priority keyed by organization, and the API admits POSTs per organization. Off: neither.
   */
  fairness: {
    enabled: e.SEER_RUNS_FAIRNESS,
    /** Organization → weight (orgWeight(): 1 when not listed). */
    weights: e.SEER_RUNS_ORG_WEIGHTS,
    /** The API's in-flight POSTs shared by weight among the organizations active at once. */
    inFlightBudget: e.SEER_RUNS_FAIR_IN_FLIGHT,
  },
  /** Things worth a warning at start (development stand-ins in use). */
  warnings,
}));
export type Config = z.infer<typeof Config>;

/** The service's configuration, or a ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(Config, env, keptEmpty(SERVICE_ENV));
}

/** For entry points: load, or print one line naming the variable and exit. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  return orExit(() => loadConfig(env));
}
