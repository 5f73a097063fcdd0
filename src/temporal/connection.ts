// Temporal connection settings from Temporal's own environment configuration (the variables and
// TOML profiles the `temporal` CLI reads), so one build reaches a dev server, TLS or Cloud.
import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
import type { Config } from '../config';
import { checkTlsFiles } from './tls-files';

export function temporalConnectConfig(config: Config, env: NodeJS.ProcessEnv = process.env) {
  let loaded: ClientConnectConfig;
  checkTlsFiles(env);
  try {
    loaded = loadClientConnectConfig({
      overrideEnvVars: Object.fromEntries(
        Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    });
  } catch (err) {
    throw new Error(
      `invalid Temporal configuration (TEMPORAL_* or profile): ${(err as Error).message}`,
    );
  }
  return {
    connectionOptions: {
      ...loaded.connectionOptions,
      address: loaded.connectionOptions.address ?? config.temporal.address,
    },
    namespace: loaded.namespace ?? config.temporal.namespace,
  };
}
