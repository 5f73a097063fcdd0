// The ways the bench creates a run: direct (API → Seer), mirror (API → workflow → Seer, as
// shipped, fairness and the Seer limiter on), mirror_fairness_on and mirror_fairness_off (the same
// on two twin stacks that carry nothing else, one with both on, one with both off), engine_floor
// (least a durable run costs here) and naive (the textbook workflow).
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  NativeConnection,
  Worker,
  type NativeConnectionOptions,
  type WorkflowBundle,
} from '@temporalio/worker';
import { Pool } from 'undici';
import { DEV_TOKEN } from '../src/config';
import type { SeerClient } from '../src/seer/client';
import { createBenchActivities } from './activities';
import type { RunOnce } from './load';
import type { engineFloor, naiveSeerRun } from './workflows';

import { type PathName, type TwinPath } from './path-names';

export {
  API_PATHS,
  isTwinPath,
  PATHS,
  TWIN_PATHS,
  type PathName,
  type TwinPath,
} from './path-names';

/** SEER_RUN_MIRROR_ORGS=1: organization 1 takes the mirror path, 2 the direct path. */
export const MIRROR_ORG = 1;
export const DIRECT_ORG = 2;
export const BENCH_BODY = { type: 'explorer', project_id: 1, request: { query: 'bench' } };

const FLOOR_QUEUE = 'bench-engine-floor';
const NAIVE_QUEUE = 'bench-naive';
/** More than the most runs engine_floor has in flight (c=64). */
const FLOOR_WORKFLOW_TASK_SLOTS = 100;

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  retryAfterS: number | null;
}

/**
 * POSTs runs to the API with the dev token, over one keep-alive pool per replica, taking the
 * replicas in turn as a round-robin load balancer would (a follow-up may reach another replica).
 */
export class ApiLoad {
  readonly #pools: Pool[];
  #turn = 0;

  constructor(apiUrls: readonly string[], connections: number) {
    // A POST may hold its socket for SYNC_WAIT_TIMEOUT_MS (10 s by default) and more under load.
    this.#pools = apiUrls.map(
      (url) => new Pool(url, { connections, headersTimeout: 120_000, bodyTimeout: 120_000 }),
    );
  }

  async post(org: number, key: string, extra: Record<string, unknown> = {}): Promise<ApiAnswer> {
    const pool = this.#pools[this.#turn++ % this.#pools.length]!;
    const response = await pool.request({
      method: 'POST',
      path: `/v1/organizations/${org}/seer-runs`,
      headers: {
        authorization: `Bearer ${DEV_TOKEN}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify({ ...BENCH_BODY, ...extra }),
    });
    const text = await response.body.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { raw: text.slice(0, 200) };
    }
    const retryAfter = Number(response.headers['retry-after']);
    return {
      status: response.statusCode,
      body,
      retryAfterS: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#pools.map((pool) => pool.close()));
  }
}

export function answerKind(answer: ApiAnswer): string {
  return `${answer.status} ${typeof answer.body.error === 'string' ? answer.body.error : ''}`.trim();
}

export interface BenchEngineOptions {
  /** As src/temporal/connection.ts reads them from TEMPORAL_* (address, and mTLS on the cluster). */
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  bundle: WorkflowBundle;
  seer: SeerClient;
}

/**
 * The bench's own workers on the stack's Temporal server. engine_floor: one NativeConnection shared by
 * its worker and its client, so a start can be eager. naive: a worker with default options on its
 * own NativeConnection, and a client on its own gRPC Connection, as the SDK's samples do.
 */
export class BenchEngine {
  private constructor(
    readonly floorClient: Client,
    readonly naiveClient: Client,
    private readonly connections: {
      floor: NativeConnection;
      naiveWorker: NativeConnection;
      naiveClient: Connection;
    },
    private readonly workers: Array<{ worker: Worker; running: Promise<void> }>,
  ) {}

  static async start(options: BenchEngineOptions): Promise<BenchEngine> {
    const { connectionOptions, namespace, bundle } = options;
    const activities = createBenchActivities(options.seer, {
      organizationId: MIRROR_ORG,
      projectId: BENCH_BODY.project_id,
      query: BENCH_BODY.request.query,
    });
    const floor = await NativeConnection.connect(connectionOptions);
    const naiveWorker = await NativeConnection.connect(connectionOptions);
    const naiveClient = await Connection.connect(connectionOptions);
    const workers = await Promise.all(
      [
        {
          connection: floor,
          taskQueue: FLOOR_QUEUE,
          // A run holds its workflow-task slot while its local activity runs: at the SDK's
          // default of 40 slots, c=64 queued starts behind busy slots (p95 ~3 s here).
          maxConcurrentWorkflowTaskExecutions: FLOOR_WORKFLOW_TASK_SLOTS,
        },
        { connection: naiveWorker, taskQueue: NAIVE_QUEUE },
      ].map(async (workerOptions) => {
        const worker = await Worker.create({
          namespace,
          workflowBundle: bundle,
          activities,
          ...workerOptions,
        });
        return { worker, running: worker.run() };
      }),
    );
    return new BenchEngine(
      new Client({ connection: floor, namespace }),
      new Client({ connection: naiveClient, namespace }),
      { floor, naiveWorker, naiveClient },
      workers,
    );
  }

  /** Asks the server which version it is (the stack's CLI may report a development build). */
  async serverVersion(): Promise<string> {
    const info = await this.connections.naiveClient.workflowService.getSystemInfo({});
    return info.serverVersion ?? 'unknown';
  }

  async stop(): Promise<void> {
    for (const { worker } of this.workers) worker.shutdown();
    await Promise.all(this.workers.map(({ running }) => running));
    await this.connections.naiveClient.close();
    await this.connections.naiveWorker.close();
    await this.connections.floor.close();
  }
}

/** The twin paths only when the rig has the twin stacks (the dev backend, not `--profile`). */
export type PathRunners = Record<Exclude<PathName, TwinPath>, RunOnce> &
  Partial<Record<TwinPath, RunOnce>>;

/**
 * One run of each path; `prefix` keeps ids and keys apart from any earlier bench. `twinApis` are
 * the twin stacks' APIs (`on`: fairness and the limiter on; `off`: both off); without them there
 * are no twin paths.
 */
export function pathRunners(
  api: ApiLoad,
  twinApis: Record<'on' | 'off', ApiLoad> | null,
  engine: BenchEngine,
  prefix: string,
  seerLatencyMs: number,
): PathRunners {
  const viaApi =
    (org: number, expected: number, through = api): RunOnce =>
    async (seq) => {
      const answer = await through.post(org, `${prefix}-${seq}`);
      if (answer.status !== expected) return { ok: false, error: answerKind(answer) };
      // A mirrored run's workflow id is the run UUID the API answers (null on the direct path).
      const runUuid = answer.body.run_uuid;
      return typeof runUuid === 'string' ? { ok: true, workflowId: runUuid } : { ok: true };
    };
  return {
    direct: viaApi(DIRECT_ORG, 200),
    mirror: viaApi(MIRROR_ORG, 201),
    ...(twinApis
      ? {
          mirror_fairness_on: viaApi(MIRROR_ORG, 201, twinApis.on),
          mirror_fairness_off: viaApi(MIRROR_ORG, 201, twinApis.off),
        }
      : {}),
    engine_floor: async (seq) => {
      const workflowId = `${prefix}-floor-${seq}`;
      const handle = await engine.floorClient.workflow.start<typeof engineFloor>('engineFloor', {
        workflowId,
        taskQueue: FLOOR_QUEUE,
        args: [seerLatencyMs],
        requestEagerStart: true,
      });
      await handle.result();
      return { ok: true, workflowId };
    },
    naive: async () => {
      const runUuid = randomUUID();
      const handle = await engine.naiveClient.workflow.start<typeof naiveSeerRun>('naiveSeerRun', {
        workflowId: runUuid,
        taskQueue: NAIVE_QUEUE,
        args: [runUuid],
      });
      await handle.result();
      return { ok: true, workflowId: runUuid };
    },
  };
}
