// The re-drive CLI as a function (tests call it in-process): flags, Temporal's connection from its
// own environment configuration, then the re-drive. Returns the exit code: 0 done, 1 some runs
// failed to re-drive or Temporal was unreachable, 2 bad input (flags, the visibility query).
import { Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { parseRedriveArgs, USAGE } from './args';
import { InvalidQueryError, oneLine, redrive } from './redrive';

export async function runRedriveCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): Promise<number> {
  const parsed = parseRedriveArgs(argv);
  if (parsed.kind === 'error') {
    print(`redrive: ${parsed.message}`);
    print(USAGE);
    return 2;
  }
  let connection: Connection;
  let namespace: string;
  try {
    const loaded = loadClientConnectConfig({
      overrideEnvVars: Object.fromEntries(
        Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    });
    namespace = loaded.namespace ?? 'default';
    connection = await Connection.connect({
      ...loaded.connectionOptions,
      address: loaded.connectionOptions.address ?? '127.0.0.1:7233',
      connectTimeout: 10_000,
    });
  } catch (err) {
    print(`redrive: cannot reach Temporal: ${oneLine(err)}`);
    return 1;
  }
  try {
    const summary = await redrive(parsed.args, {
      service: connection.workflowService,
      namespace,
      print,
    });
    return summary.failed > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof InvalidQueryError) {
      print(`redrive: invalid visibility query: ${err.message}`);
      return 2;
    }
    print(`redrive: ${oneLine(err)}`);
    return 1;
  } finally {
    await connection.close();
  }
}
