// The deployment files: docker-compose.yml validates with Compose itself (no engine needed), and
// the prebundled workflow code that the Docker image builds runs a real workflow.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';
import { RunType } from '../../src/domain';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { SeerClient } from '../../src/seer/client';
import { createSeerRunsWorker } from '../../src/temporal/worker';
import { prebundle } from '../../src/temporal/prebundle';
import { startSeerRunWorkflow } from '../../src/temporal/runs';
import { connectClient, runInput, testLogger, testServer } from '../support/temporal';

const ROOT = join(__dirname, '../..');

function compose(...args: string[]): string {
  const [command, ...prefix] = hasBinary('docker-compose')
    ? ['docker-compose']
    : ['docker', 'compose'];
  return execFileSync(command, [...prefix, '-f', join(ROOT, 'docker-compose.yml'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, SEER_SHARED_SECRET: 'x' },
  });
}

function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

describe('docker-compose.yml', () => {
  it('is valid for Compose', () => {
    expect(() => compose('config', '-q')).not.toThrow();
  });

  it('runs Temporal on PostgreSQL with its Web UI, the worker, the API and the fake Seer', () => {
    expect(compose('config', '--services').trim().split('\n').sort()).toEqual(
      [
        'api',
        'fake-seer',
        'postgresql',
        'temporal',
        'temporal-search-attributes',
        'temporal-ui',
        'worker',
      ].sort(),
    );
  });

  it('lets the worker scale (no fixed name or host port) and gives every long-running service a healthcheck', () => {
    const { services } = parse(compose('config')) as {
      services: Record<
        string,
        { container_name?: string; ports?: unknown; healthcheck?: { test: unknown } }
      >;
    };
    expect(services.worker?.container_name).toBeUndefined();
    expect(services.worker?.ports).toBeUndefined();
    for (const name of ['postgresql', 'temporal', 'fake-seer', 'worker', 'api']) {
      expect({ name, healthcheck: services[name]?.healthcheck?.test }).toEqual({
        name,
        healthcheck: expect.anything(),
      });
    }
  });
});

/** The ENV of the Dockerfile's last stage (the image that runs). */
function imageEnv(): Record<string, string> {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replaceAll('\\\n', ' ');
  const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, line] of runStage.matchAll(/^ENV (.*)$/gm)) {
    for (const [, name, value] of line!.matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
  }
  return env;
}

describe('the image and compose listen on every interface, with real credentials (spec §3)', () => {
  it('the image runs in production on HOST=0.0.0.0', () => {
    expect(imageEnv()).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
  });

  it.each(['api', 'worker', 'fake-seer'])(
    'compose gives %s a configuration the service starts with',
    (name) => {
      const { services } = parse(compose('config')) as {
        services: Record<string, { environment: Record<string, string> }>;
      };
      const config = loadConfig({ ...imageEnv(), ...services[name]!.environment });
      expect(config.host).toBe('0.0.0.0');
      expect(config.production).toBe(true);
      expect(config.seer.sharedSecret).not.toBe('dev-secret');
      expect(config.apiTokens.has('dev-token')).toBe(false);
    },
  );
});

describe('the prebundled workflow code (built into the Docker image)', () => {
  let fake: FakeSeer;
  let client: Client;
  let closeClient: () => Promise<void>;
  beforeAll(async () => {
    fake = await startFakeSeer({ sharedSecret: 'bundle' });
    ({ client, close: closeClient } = await connectClient());
  });
  afterAll(async () => {
    await closeClient?.();
    await fake?.close();
  });

  it('bundles and runs a seerRun to LIVE', async () => {
    const codePath = join(process.env.SEER_RUNS_TEST_DIR!, 'prebundle-test.js');
    expect(await prebundle(codePath)).toBeGreaterThan(10_000);
    const { address, namespace } = testServer();
    const connection = await NativeConnection.connect({ address });
    const seer = new SeerClient({
      baseUrl: fake.url,
      sharedSecret: 'bundle',
      requestTimeoutMs: 5_000,
    });
    const taskQueue = `prebundle-${Date.now()}`;
    const worker: Worker = await createSeerRunsWorker({
      connection,
      namespace,
      taskQueue,
      seer,
      logger: testLogger,
      workflowBundle: { codePath },
    });
    const input = runInput({
      type: RunType.explorer,
      request: { organization_id: 42, query: 'bundled' },
    });
    const result = await worker.runUntil(async () =>
      (await startSeerRunWorkflow(client, taskQueue, input, { body_sha256: 'b' })).result(),
    );
    expect(result.run_id).toBe(fake.state.runs[0]?.run_id);
    await connection.close();
    await seer.close();
  });
});
