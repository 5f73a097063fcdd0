// The deployment files: docker-compose.yml validates with Compose itself (no engine needed) and
// runs Temporal from the files `npm run cluster` runs it from, the Dockerfile passes hadolint, and
// the prebundled workflow code that the Docker image builds runs a real workflow.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { parse } from 'yaml';
import { temporalServerArgs } from '../../src/cluster/cluster';
import { dockerfileCommand, readEntryPoints } from '../../src/cluster/entry-points';
import { loadConfig } from '../../src/config';
import { RunType } from '../../src/domain';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../src/domain/search-attributes';
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

  it('runs Temporal on PostgreSQL as four services with its Web UI, the worker, the API and the fake Seer', () => {
    expect(compose('config', '--services').trim().split('\n').sort()).toEqual(
      [
        'api',
        'fake-seer',
        'postgresql',
        'temporal-schema',
        'temporal-history',
        'temporal-matching',
        'temporal-frontend',
        'temporal-worker',
        'temporal-namespace',
        'temporal-ui',
        'worker',
      ].sort(),
    );
  });

  it('lets the worker scale (no fixed name or host port) and gives every seer-runs service and PostgreSQL a healthcheck', () => {
    const { services } = parse(compose('config')) as {
      services: Record<
        string,
        { container_name?: string; ports?: unknown; healthcheck?: { test: unknown } }
      >;
    };
    expect(services.worker?.container_name).toBeUndefined();
    expect(services.worker?.ports).toBeUndefined();
    // Temporal's images carry no probe: the seer-runs services wait for temporal-namespace instead.
    for (const name of ['postgresql', 'fake-seer', 'worker', 'api']) {
      expect({ name, healthcheck: services[name]?.healthcheck?.test }).toEqual({
        name,
        healthcheck: expect.anything(),
      });
    }
  });
});

interface ComposeService {
  image?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

function composeServices(): Record<string, ComposeService> {
  return (parse(compose('config')) as { services: Record<string, ComposeService> }).services;
}

const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
// Where compose mounts ./deploy; the cluster runs the same files from the repository.
const MOUNTED_DEPLOY = '/etc/temporal/deploy';

/** What scripts/cluster-provision.sh found or installed: the pinned server, the CLI. */
function clusterTools(): Record<string, string> {
  const out = execFileSync('bash', [join(ROOT, 'scripts/cluster-provision.sh')], {
    encoding: 'utf8',
  });
  const tools: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const [key, value] = line.split(/=(.*)/s, 2);
    tools[key!] = value ?? '';
  }
  return tools;
}

describe('docker-compose.yml and npm run cluster share one source of truth', () => {
  let services: Record<string, ComposeService>;
  beforeAll(() => {
    services = composeServices();
  });

  it('compose runs the worker from the Dockerfile CMD and the API the cluster reads from compose', () => {
    const imageCmd = dockerfileCommand(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    expect(services.worker?.command ?? imageCmd).toEqual(imageCmd);
    expect(readEntryPoints(ROOT)).toEqual({
      worker: (imageCmd as string[]).slice(1),
      api: services.api?.command?.slice(1),
    });
  });

  it.each(TEMPORAL_SERVICES)(
    'temporal-%s runs deploy/temporal/server.yaml with the arguments the cluster starts it with',
    (service) => {
      const container = services[`temporal-${service}`]!;
      expect(container.image).toBe('temporalio/server:1.29.1');
      expect(container.volumes).toEqual([`${join(ROOT, 'deploy')}:${MOUNTED_DEPLOY}:ro`]);
      expect([...container.entrypoint!, ...container.command!]).toEqual([
        'temporal-server',
        ...temporalServerArgs('/etc/temporal', service),
      ]);
    },
  );

  it('the template renders for compose: PostgreSQL by name, the frontend by name, each service on its own address, no TLS', () => {
    const { TEMPORAL_SERVER } = clusterTools();
    const environment = services['temporal-frontend']!.environment!;
    const dynamicConfig = environment.TEMPORAL_DYNAMIC_CONFIG_PATH!.replace(
      MOUNTED_DEPLOY,
      join(ROOT, 'deploy'),
    );
    const render = spawnSync(
      TEMPORAL_SERVER!,
      ['--root', ROOT, '--config', 'deploy/temporal', '--env', 'server', 'render-config'],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          ...environment,
          TEMPORAL_DYNAMIC_CONFIG_PATH: dynamicConfig,
        },
      },
    );
    expect({ status: render.status, stderr: render.status === 0 ? '' : render.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const config = parse(render.stdout) as {
      persistence: { datastores: Record<string, { sql: { connectAddr: string } }> };
      global: { membership: { broadcastAddress: string }; tls: { frontend: { server: object } } };
      services: Record<string, { rpc: { bindOnIP: string; grpcPort: number } }>;
      publicClient: { hostPort: string };
      dynamicConfigClient: { filepath: string };
    };
    expect(
      Object.values(config.persistence.datastores).map((store) => store.sql.connectAddr),
    ).toEqual(['postgresql:5432', 'postgresql:5432']);
    expect(config.publicClient.hostPort).toBe('temporal-frontend:7233');
    expect(config.global.membership.broadcastAddress).toBe('');
    expect(Object.values(config.services).map((s) => s.rpc.bindOnIP)).toEqual(['', '', '', '']);
    expect(config.services.frontend?.rpc.grpcPort).toBe(7233);
    expect(config.global.tls.frontend.server).toMatchObject({
      certFile: '',
      requireClientAuth: false,
    });

    const validate = spawnSync(TEMPORAL_SERVER!, ['validate-dynamic-config', dynamicConfig], {
      encoding: 'utf8',
    });
    expect({ status: validate.status, output: validate.stdout + validate.stderr }).toEqual({
      status: 0,
      output: expect.not.stringMatching(/unknown|error|invalid/i),
    });
  });

  it("the schema and namespace jobs run the cluster's scripts, with its search attributes", () => {
    const script = (name: string) => `${MOUNTED_DEPLOY}/temporal/${name}`;
    expect(services['temporal-schema']?.entrypoint).toEqual(['sh', script('setup-schema.sh')]);
    expect(services['temporal-schema']?.environment).toMatchObject({
      TEMPORAL_DB_HOST: 'postgresql',
      TEMPORAL_SQL_TOOL: 'temporal-sql-tool',
      TEMPORAL_SCHEMA_DIR: '/etc/temporal/schema',
    });
    expect(services['temporal-namespace']?.entrypoint).toEqual([
      'sh',
      script('register-namespace.sh'),
    ]);
    expect(services['temporal-namespace']?.command).toEqual([
      loadConfig(services.api!.environment).temporal.namespace,
      ...SEARCH_ATTRIBUTE_FLAGS,
    ]);
    for (const name of ['worker', 'api']) {
      expect(services[name]?.depends_on?.['temporal-namespace']).toEqual({
        condition: 'service_completed_successfully',
      });
    }
  });

  it('the shared scripts are POSIX sh, as the admin-tools image (no bash) runs them', () => {
    for (const script of ['setup-schema.sh', 'register-namespace.sh']) {
      const check = spawnSync('dash', ['-n', join(ROOT, 'deploy/temporal', script)], {
        encoding: 'utf8',
      });
      expect({ script, status: check.status, stderr: check.stderr }).toEqual({
        script,
        status: 0,
        stderr: '',
      });
    }
  });

  it('register-namespace.sh under a POSIX sh makes a namespace with our search attributes, and again is a no-op', () => {
    const namespace = `compose-${randomUUID()}`;
    const cli = process.env.TEMPORAL_CLI_PATH!;
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_CLI: cli };
    const register = () =>
      spawnSync(
        'dash',
        [join(ROOT, 'deploy/temporal/register-namespace.sh'), namespace, ...SEARCH_ATTRIBUTE_FLAGS],
        { encoding: 'utf8', env: { ...env, TEMPORAL_ADDRESS: testServer().address } },
      );
    for (let i = 0; i < 2; i++) {
      const run = register();
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    }
    const listed = JSON.parse(
      execFileSync(
        cli,
        [
          'operator',
          'search-attribute',
          'list',
          '--namespace',
          namespace,
          '--address',
          testServer().address,
          '-o',
          'json',
        ],
        { encoding: 'utf8' },
      ),
    ) as { customAttributes: Record<string, string> };
    expect(Object.keys(listed.customAttributes).sort()).toEqual(
      SEARCH_ATTRIBUTE_FLAGS.map((pair) => pair.split('=')[0]).sort(),
    );
  });
});

describe('the Dockerfile', () => {
  it('passes hadolint (CI cannot build the image: no engine, no base image)', () => {
    const hadolint = execFileSync('bash', [join(ROOT, 'scripts/hadolint.sh')], {
      encoding: 'utf8',
    }).trim();
    const lint = spawnSync(hadolint, ['--no-color', join(ROOT, 'Dockerfile')], {
      encoding: 'utf8',
    });
    expect({ status: lint.status, findings: lint.stdout + lint.stderr }).toEqual({
      status: 0,
      findings: '',
    });
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
