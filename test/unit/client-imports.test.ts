// The client depends on the API over HTTP and on its wire contract, never on the server's code:
// what loading `seer-runs/client` (and the CLI on it) loads, in a fresh Node process, holds nothing
// of the server, of Temporal, Fastify or pino. The lint rules say what may be imported; this says
// what a caller's process actually loads.
import { execFileSync } from 'node:child_process';
import { join, relative, sep } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Requires `entry` in a fresh process (tsx, the source) and prints every module it loaded. */
const PROBE = `
const before = new Set(Object.keys(require.cache));
require(process.argv[1]);
process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => !before.has(f))));
`;

function modulesLoadedBy(entry: string): string[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', PROBE, join(ROOT, entry)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return (JSON.parse(out) as string[]).map((file) => relative(ROOT, file).split(sep).join('/'));
}

/** The server's folders and files, and the domain's modules that pull in @temporalio/common. */
const SERVER_CODE =
  /^(src\/(api|http|temporal|seer|fake-seer|codec-server|config|stack|cluster|redrive|tracing)\/|src\/(worker|logger)\.ts$|src\/domain\/(index|search-attributes)\.ts$|workflows\/|activities\/)/;
/** The server's packages. */
const SERVER_PACKAGES =
  /(^|\/)node_modules\/(@temporalio\/|@grpc\/|fastify|@fastify\/|pino|prom-client\/|@opentelemetry\/)/;

/** What the client may load: its own folders, the contract, the domain's modules; undici and zod. */
const ALLOWED = /^(src\/(client|cli|contract|domain)\/|node_modules\/(undici|zod)\/)/;

describe.each(['src/client/index.ts', 'src/cli/cli.ts'])('loading %s', (entry) => {
  let loaded: string[];
  beforeAll(() => {
    loaded = modulesLoadedBy(entry);
  });

  it('loads the client itself, undici and zod (the probe sees what is loaded)', () => {
    expect(loaded).toContain('src/client/client.ts');
    expect(loaded.some((file) => file.startsWith('node_modules/undici/'))).toBe(true);
    expect(loaded.some((file) => file.startsWith('node_modules/zod/'))).toBe(true);
  });

  it('loads nothing of the server: no src/api, src/temporal, ..., no Temporal, Fastify or pino', () => {
    expect(loaded.filter((file) => SERVER_CODE.test(file) || SERVER_PACKAGES.test(file))).toEqual(
      [],
    );
  });

  it('loads only the client, the CLI, the contract, the domain, undici and zod', () => {
    expect(loaded.filter((file) => !ALLOWED.test(file))).toEqual([]);
  });
});
