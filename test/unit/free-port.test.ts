import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '../../src/temporal/dev-server';

const ROOT = join(__dirname, '../..');

// A cluster draws ~20 ports before binding any, and a test draws ports for a stack that draws its
// own: a port free when drawn stays free until its caller binds it, so no two draws, in one process
// or in two, may get the same one (a CI run once gave one port to two of a cluster's services).
test('freePort never hands the same process one port twice, even before any is bound', async () => {
  const ports: number[] = [];
  for (let i = 0; i < 400; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_000);
  }
});

test('two processes drawing at once never get the same port', async () => {
  const script = `
    const { freePort } = require('./src/temporal/dev-server');
    (async () => {
      const ports = [];
      for (let i = 0; i < 250; i++) ports.push(await freePort());
      process.stdout.write(JSON.stringify(ports));
    })();
  `;
  const child = promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
  });
  const mine: number[] = [];
  for (let i = 0; i < 250; i++) mine.push(await freePort());
  const theirs = JSON.parse((await child).stdout) as number[];
  expect(theirs).toHaveLength(250);
  const all = [...mine, ...theirs];
  expect(new Set(all).size).toBe(all.length);
}, 30_000);
