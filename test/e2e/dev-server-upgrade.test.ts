// A dev server database kept from an older version (npm start's SQLite file) gets the search
// attributes added since: `--search-attribute` registers them only when it creates the database.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../src/domain';
import { freePort, startDevServer } from '../../src/temporal/dev-server';
import { eventually } from '../support/processes';

const execFileAsync = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'dev-server-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function customAttributes(cliPath: string, address: string): Promise<string[]> {
  const { stdout } = await execFileAsync(cliPath, [
    'operator',
    'search-attribute',
    'list',
    '--address',
    address,
    '-o',
    'json',
  ]);
  return Object.keys((JSON.parse(stdout) as { customAttributes: object }).customAttributes).sort();
}

it('registers on start the search attributes an older database lacks', async () => {
  const cliPath = (await execFileAsync('bash', ['scripts/temporal-cli.sh'])).stdout.trim();
  const dbFile = join(dir, 'temporal.sqlite');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  // An "older version": the database made with one attribute of today's list only.
  const [first] = SEARCH_ATTRIBUTE_FLAGS as [string];
  const old = spawn(cliPath, [
    ...['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port)],
    ...['--http-port', String(await freePort()), '--metrics-port', String(await freePort())],
    ...['--db-filename', dbFile, '--search-attribute', first],
  ]);
  const oldExited = new Promise((resolve) => old.once('exit', resolve));
  try {
    await eventually(
      'the older server to serve',
      async () => (await customAttributes(cliPath, address).catch(() => [])).length > 0,
    );
    expect(await customAttributes(cliPath, address)).toEqual([first.split('=')[0]]);
  } finally {
    old.kill('SIGTERM');
    await oldExited;
  }

  const server = await startDevServer({ cliPath, port, dbFile });
  try {
    expect(await customAttributes(cliPath, server.address)).toEqual(
      SEARCH_ATTRIBUTE_FLAGS.map((flag) => flag.split('=')[0]).sort(),
    );
  } finally {
    await server.stop();
  }
});
