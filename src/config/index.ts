// Environment → typed configuration, validated once at start (spec §6). An invalid value stops
// the process with one line naming the variable. Temporal's own connection settings come from
// @temporalio/envconfig (TEMPORAL_ADDRESS, TEMPORAL_TLS*, TEMPORAL_API_KEY, profiles).
export {
  bindAddress,
  ConfigError,
  devCredential,
  envSchema,
  keptEmpty,
  optional,
  orExit,
  parseEnv,
  required,
  requiredInProduction,
  withDefault,
} from './env';
export {
  hostPort,
  intIn,
  LogLevel,
  orgSetHas,
  orgWeight,
  Port,
  type ApiTokens,
  type OrgSet,
  type OrgWeights,
} from './env-values';
export {
  API_ANSWER_MARGIN_MS,
  Config,
  DEV_SECRET,
  DEV_SEER_URL,
  DEV_TOKEN,
  loadConfig,
  loadConfigOrExit,
} from './service';
