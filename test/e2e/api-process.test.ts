// The API as operators start it (`npm run api`, a real process): where it listens by default, and
// what it refuses to start with when it listens anywhere else (spec §3 "Where it listens").
import { randomUUID } from 'node:crypto';
import { freePort } from '../../src/temporal/dev-server';
import { accepts, externalAddress } from '../support/network';
import { eventually, startEntry, type EntryProcess } from '../support/processes';
import { testServer } from '../support/temporal';

const started: EntryProcess[] = [];

/** `npm run api` against the test server, with `env` on top (HOST '' = unset). */
function startApi(port: number, env: Record<string, string>): EntryProcess {
  const { address, namespace, bundlePath } = testServer();
  const api = startEntry('src/api/main.ts', {
    PORT: String(port),
    TEMPORAL_ADDRESS: address,
    // Its embedded worker (on by default) loads the suite's bundle instead of making its own.
    WORKFLOW_BUNDLE_PATH: bundlePath,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `api-process-${randomUUID()}`,
    NODE_ENV: 'development',
    HOST: '',
    SEER_SHARED_SECRET: '',
    SEER_RUNS_API_TOKENS: '',
    ...env,
  });
  started.push(api);
  return api;
}

afterAll(async () => {
  await Promise.all(started.map((api) => api.kill('SIGKILL')));
});

it('listens on 127.0.0.1 only by default: its log names that address and no other interface answers', async () => {
  const port = await freePort();
  const api = startApi(port, {});
  await eventually('the API to listen', () => api.output().includes('API listening'), 30_000);
  const listening = api.output().match(/Server listening at [^"]+/g);
  expect(listening).toEqual([`Server listening at http://127.0.0.1:${port}`]);
  expect(await accepts('127.0.0.1', port)).toBe(true);
  expect(await accepts(externalAddress(), port)).toBe(false);
  expect(api.output()).toMatch(
    /SEER_RUNS_API_TOKENS is not set: the development token .{0,2}dev-token.{0,2} acts for every/,
  );
});

it('HOST=0.0.0.0 without SEER_RUNS_API_TOKENS stops at start with one line naming the variable', async () => {
  const api = startApi(await freePort(), { HOST: '0.0.0.0', SEER_SHARED_SECRET: 'a-real-secret' });
  expect(await api.exited).toEqual({ code: 1, signal: null });
  expect(api.output().trim().split('\n')).toEqual([
    'invalid configuration: SEER_RUNS_API_TOKENS: required when HOST=0.0.0.0 is not a loopback address',
  ]);
});

it('NODE_ENV=Production (any case) does not fall back to the development secret', async () => {
  const api = startApi(await freePort(), { NODE_ENV: 'Production', SEER_URL: 'http://seer' });
  expect(await api.exited).toEqual({ code: 1, signal: null });
  expect(api.output().trim().split('\n')).toEqual([
    'invalid configuration: SEER_SHARED_SECRET: required when NODE_ENV=production',
  ]);
});

it('on every interface with real tokens, dev-token acts for nobody', async () => {
  const port = await freePort();
  const api = startApi(port, {
    HOST: '0.0.0.0',
    SEER_SHARED_SECRET: 'a-real-secret',
    SEER_RUNS_API_TOKENS: '{"a-real-token": [1]}',
  });
  await eventually('the API to listen', () => api.output().includes('API listening'), 30_000);
  const url = `http://${externalAddress()}:${port}/v1/organizations/1/seer-runs/${randomUUID()}`;
  const asDev = await fetch(url, { headers: { authorization: 'Bearer dev-token' } });
  expect(asDev.status).toBe(401);
  const asReal = await fetch(url, { headers: { authorization: 'Bearer a-real-token' } });
  expect(asReal.status).toBe(404);
});
