// Everything the API asks Temporal, behind one gateway: start a run and wait for it, wait for an
// existing one, find one, list them, and is a worker there. Answers in domain outcomes only.
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  isGrpcCancelledError,
  isGrpcDeadlineError,
  isGrpcServiceError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { BaseLogger } from 'pino';
import type { SeerRunInput, SeerRunView } from '../../domain';
import { SearchAttr } from '../../domain';
import type { MirrorOutcome, PendingWhy } from '../../domain/run-outcome';
import type { seerRun } from '../../../workflows';
import { SEER_RUN_WORKFLOW, startSeerRunWorkflow, type SeerRunMemo } from '../runs';
import { ApiConnection } from './api-connection';
import { executionOfRaw, listQuery, type ListFilter } from './list';
import { openPageToken, sealPageToken } from './page-token';
import {
  bodySha256Of,
  failureOfClosedRun,
  runViewOf,
  type PendingActivity,
  type RunExecution,
} from './run-view';

/** The gateway logs only warnings; a pino or Fastify logger (or a child of one) fits. */
export type GatewayLog = Pick<BaseLogger, 'warn'>;

export interface FoundRun {
  view: SeerRunView;
  /** The memo's body_sha256; null for a run started without one. */
  bodySha256: string | null;
}

export type RunPage =
  | { kind: 'page'; runs: SeerRunView[]; nextPageToken: string | null }
  /** The page token is not one this list handed out (or Temporal refused it). */
  | { kind: 'invalid_page_token' };

export interface WaitOptions {
  /** Ends the wait early: the HTTP client went away. */
  signal: AbortSignal;
  log?: GatewayLog;
}

export interface StartOptions extends WaitOptions {
  /** Called when the server answered the start with its first workflow task (eager start). */
  onEagerStart?: () => void;
}

/** A read found Temporal unreachable or silent: answered 503 temporal_unavailable. */
export class TemporalUnavailableError extends Error {
  override name = 'TemporalUnavailableError';
}

/** How long a POST waits for a connecting channel before answering 503. */
const READY_WAIT_MS = 2_000;
/** Bound on one describe/list/describeTaskQueue call: none of them long-polls. */
const LOOKUP_TIMEOUT_MS = 5_000;
/** Open runs of one list page described at a time (for their pending attempt). */
const LIST_DESCRIBE_CONCURRENCY = 16;
/**
 * How far the gRPC deadline of a wait sits past the wait itself. Temporal answers a history long
 * poll at once, empty, when its deadline is near (measured: under ~2 s left), and the SDK asks
 * again: a deadline at the end of the wait turns its last seconds into hundreds of calls. So the
 * wait is ended by our own timer (an abort), and the deadline is only a backstop.
 */
const LONG_POLL_DEADLINE_MARGIN_MS = 5_000;

/**
 * The gRPC status codes we tell apart (fixed by the gRPC spec). Named here because @grpc/grpc-js,
 * which exports them, is the SDK's dependency and not ours.
 */
const GrpcStatus = { INVALID_ARGUMENT: 3, UNAVAILABLE: 14 } as const;

export interface RunGatewayOptions {
  /** Its connection must be an ApiConnection: "unreachable" and "maybe started" differ (spec §3). */
  client: Client;
  taskQueue: string;
  syncWaitTimeoutMs: number;
  logger: GatewayLog;
  /**
   * A Client on the NativeConnection of a worker in this process (API_EMBEDDED_WORKER): starts go
   * through it with eager start, so the answer to the start carries the first workflow task.
   */
  eagerClient?: Client | undefined;
}

export class RunGateway {
  readonly #client: Client;
  readonly #eagerClient: Client | undefined;
  readonly #connection: ApiConnection;
  readonly #taskQueue: string;
  readonly #syncWaitMs: number;
  readonly #logger: GatewayLog;

  constructor(options: RunGatewayOptions) {
    if (!(options.client.connection instanceof ApiConnection)) {
      throw new TypeError(
        'the API needs a Client on an ApiConnection (src/temporal/client/api-connection.ts)',
      );
    }
    this.#client = options.client;
    this.#eagerClient = options.eagerClient;
    this.#connection = options.client.connection;
    this.#taskQueue = options.taskQueue;
    this.#syncWaitMs = options.syncWaitTimeoutMs;
    this.#logger = options.logger;
  }

  get taskQueue(): string {
    return this.#taskQueue;
  }

  /**
   * Starts the run (or joins the one its UUID names) and waits until it closes or the sync wait
   * ends. The run is `created` by this request when its result names input.started_by.
   */
  async startAndWait(
    input: SeerRunInput,
    memo: SeerRunMemo,
    { signal, log = this.#logger, onEagerStart }: StartOptions,
  ): Promise<MirrorOutcome> {
    const waitUntil = Date.now() + this.#syncWaitMs;
    if (!(await this.#connection.reachable(Math.min(waitUntil, Date.now() + READY_WAIT_MS)))) {
      return { kind: 'temporal_unavailable' };
    }
    const starter = this.#eagerClient ?? this.#client;
    try {
      const started = await this.#bounded(
        waitUntil,
        signal,
        () =>
          startSeerRunWorkflow(starter, this.#taskQueue, input, memo, {
            requestEagerStart: starter === this.#eagerClient,
          }),
        starter,
      );
      if (started.eagerlyStarted === true) onEagerStart?.();
    } catch (err) {
      // The request may have reached Temporal: the run may exist, so the client gets its token.
      log.warn({ err, run_uuid: input.run_uuid }, 'starting the run failed part-way');
      return { kind: 'pending', runUuid: input.run_uuid, why: whyUnfinished(err, signal) };
    }
    // The wait goes through our own connection, where the deadline and abort signal apply.
    return this.#wait(input.run_uuid, input.organization_id, input.started_by, waitUntil, {
      signal,
      log,
    });
  }

  /** Waits for an existing run, up to the sync wait; this request did not create it. */
  async wait(
    runUuid: string,
    organizationId: number,
    { signal, log = this.#logger }: WaitOptions,
  ): Promise<MirrorOutcome> {
    return this.#wait(runUuid, organizationId, null, Date.now() + this.#syncWaitMs, {
      signal,
      log,
    });
  }

  /** The run as GET shows it, or null when the UUID names no run of this organization. */
  async find(runUuid: string, organizationId: number): Promise<FoundRun | null> {
    await this.#ensureReachable();
    let description: WorkflowExecutionDescription;
    try {
      description = await this.#client.withDeadline(Date.now() + LOOKUP_TIMEOUT_MS, () =>
        this.#client.workflow.getHandle(runUuid).describe(),
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw readFailure(err);
    }
    if (description.type !== SEER_RUN_WORKFLOW) return null;
    if (description.typedSearchAttributes.get(SearchAttr.organizationId) !== organizationId) {
      return null;
    }
    return {
      view: runViewOf(description, description.raw.pendingActivities),
      bodySha256: bodySha256Of(description),
    };
  }

  /** One page of the organization's runs, in the visibility store's order. */
  async list(
    organizationId: number,
    filter: ListFilter,
    pageSize: number,
    pageToken: string | undefined,
  ): Promise<RunPage> {
    const query = listQuery(organizationId, filter);
    const temporalToken = pageToken === undefined ? undefined : openPageToken(query, pageToken);
    if (temporalToken === null) return { kind: 'invalid_page_token' };
    await this.#ensureReachable();
    const namespace = this.#client.options.namespace;
    let response: temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
    try {
      response = await this.#client.withDeadline(Date.now() + LOOKUP_TIMEOUT_MS, () =>
        this.#connection.workflowService.listWorkflowExecutions({
          namespace,
          query,
          pageSize,
          ...(temporalToken === undefined ? {} : { nextPageToken: temporalToken }),
        }),
      );
    } catch (err) {
      if (temporalToken !== undefined && grpcCode(err) === GrpcStatus.INVALID_ARGUMENT) {
        return { kind: 'invalid_page_token' };
      }
      throw readFailure(err);
    }
    const converter = this.#client.options.loadedDataConverter;
    const executions = await Promise.all(
      response.executions.map((raw) => executionOfRaw(raw, converter, namespace)),
    );
    const runs: SeerRunView[] = [];
    for (let i = 0; i < executions.length; i += LIST_DESCRIBE_CONCURRENCY) {
      const batch = executions.slice(i, i + LIST_DESCRIBE_CONCURRENCY);
      runs.push(
        ...(await Promise.all(
          batch.map(async (run) => runViewOf(run, await this.#pendingOfOpen(run))),
        )),
      );
    }
    const next = response.nextPageToken;
    return {
      kind: 'page',
      runs,
      nextPageToken: next && next.length > 0 ? sealPageToken(query, next) : null,
    };
  }

  /** For /readyz: does Temporal answer, and how many workers poll our task queue. */
  async readiness(): Promise<{ temporal: boolean; pollers: number }> {
    const deadline = Date.now() + LOOKUP_TIMEOUT_MS;
    if (!(await this.#connection.reachable(Math.min(deadline, Date.now() + READY_WAIT_MS)))) {
      return { temporal: false, pollers: 0 };
    }
    try {
      const answer = await this.#client.withDeadline(deadline, () =>
        this.#connection.workflowService.describeTaskQueue({
          namespace: this.#client.options.namespace,
          taskQueue: {
            name: this.#taskQueue,
            kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
          },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      return { temporal: true, pollers: answer.pollers.length };
    } catch (err) {
      this.#logger.warn({ err }, 'readiness: Temporal did not answer describeTaskQueue');
      return { temporal: false, pollers: 0 };
    }
  }

  /** `startedBy`: the id of the request that may have created the run (null: not this one). */
  async #wait(
    runUuid: string,
    organizationId: number,
    startedBy: string | null,
    waitUntil: number,
    { signal, log = this.#logger }: WaitOptions,
  ): Promise<MirrorOutcome> {
    const handle: WorkflowHandle<typeof seerRun> = this.#client.workflow.getHandle(runUuid);
    try {
      const result = await this.#bounded(waitUntil, signal, () => handle.result());
      return {
        kind: 'live',
        organizationId,
        runUuid,
        runId: result.run_id,
        created: startedBy !== null && result.started_by === startedBy,
      };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        return { kind: 'failed', runUuid, failure: failureOfClosedRun(err.cause) };
      }
      const why = whyUnfinished(err, signal);
      if (why === 'error') log.warn({ err, run_uuid: runUuid }, 'waiting for the run failed');
      return { kind: 'pending', runUuid, why };
    }
  }

  /**
   * Runs `fn` until `waitUntil` or until the HTTP client leaves, whichever is first, so no call it
   * makes (the result long poll above all) outlives the request that asked. Both end it as a
   * gRPC cancel; the deadline behind them only guards against a call that ignores the cancel.
   */
  async #bounded<T>(
    waitUntil: number,
    clientGone: AbortSignal,
    fn: () => Promise<T>,
    client: Client = this.#client,
  ): Promise<T> {
    const waitOver = AbortSignal.timeout(Math.max(0, waitUntil - Date.now()));
    return client.withAbortSignal(AbortSignal.any([waitOver, clientGone]), () =>
      client.withDeadline(waitUntil + LONG_POLL_DEADLINE_MARGIN_MS, fn),
    );
  }

  /**
   * A list item has no pending activities, and an open run's attempts count its pending one
   * (src/domain/attempts.ts): one describe per open run still counting, so the list and GET agree.
   * Closed runs and runs that recorded their total need none; a failed describe counts the memo.
   */
  async #pendingOfOpen(run: RunExecution): Promise<PendingActivity[] | null> {
    if (run.closeTime !== undefined || typeof run.memo?.attempts === 'number') return null;
    try {
      const description = await this.#client.withDeadline(Date.now() + LOOKUP_TIMEOUT_MS, () =>
        this.#client.workflow.getHandle(run.workflowId).describe(),
      );
      return description.raw.pendingActivities ?? null;
    } catch {
      return null;
    }
  }

  async #ensureReachable(): Promise<void> {
    if (!(await this.#connection.reachable(Date.now() + READY_WAIT_MS))) {
      throw new TemporalUnavailableError('Temporal is not reachable');
    }
  }
}

/** Why a bounded start or wait ended without the run's result. */
function whyUnfinished(err: unknown, clientGone: AbortSignal): PendingWhy {
  if (clientGone.aborted) return 'client_gone';
  if (isGrpcCancelledError(err) || isGrpcDeadlineError(err)) return 'deadline';
  return 'error';
}

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

function readFailure(err: unknown): unknown {
  if (isGrpcDeadlineError(err) || grpcCode(err) === GrpcStatus.UNAVAILABLE) {
    return new TemporalUnavailableError('Temporal did not answer in time', { cause: err });
  }
  return err;
}
