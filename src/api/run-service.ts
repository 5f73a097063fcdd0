// Everything the API asks Temporal, behind five questions: start a run and wait for it, wait for
// an existing one, find one, list them, and is a worker there. Routes know no Temporal.
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
// The SDK's own decoder for raw executions (memo through the data converter, typed search
// attributes); client.workflow.list() uses it too but hides the page token we must hand out.
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { FastifyBaseLogger } from 'fastify';
import {
  assertNever,
  SearchAttr,
  SeerRunStatus,
  type RunType,
  type SeerRunFailure,
  type SeerRunInput,
  type SeerRunView,
} from '../domain';
import { SEER_RUN_WORKFLOW, startSeerRunWorkflow, type SeerRunMemo } from '../temporal/runs';
import type { seerRun } from '../../workflows';
import { attemptsSent, bodySha256Of, failureOfClosedRun, runViewOf } from './run-view';
import { openPageToken, sealPageToken } from './page-token';
import { ApiConnection } from './temporal-connection';

export type WaitOutcome =
  | { kind: 'live'; runId: number; startedBy: string }
  | { kind: 'failed'; failure: SeerRunFailure }
  /**
   * `deadline`: not closed within the sync wait; `error`: the start or the wait failed part-way;
   * `client_gone`: the HTTP client left, so the wait stopped.
   */
  | { kind: 'pending'; why: 'deadline' | 'error' | 'client_gone' }
  /** Temporal was not reachable before anything was sent. */
  | { kind: 'unavailable' };

export interface FoundRun {
  view: SeerRunView;
  /** The memo's body_sha256; null for a run started without one. */
  bodySha256: string | null;
}

export interface ListFilter {
  status?: SeerRunStatus | undefined;
  type?: RunType | undefined;
}

/** A read found Temporal unreachable or silent: answered 503 temporal_unavailable. */
export class TemporalUnavailableError extends Error {
  override name = 'TemporalUnavailableError';
}

/** The list's page token is not one this list handed out (or Temporal refused it). */
export class InvalidPageTokenError extends Error {
  override name = 'InvalidPageTokenError';
}

/** How long a POST waits for a connecting channel before answering 503. */
const READY_WAIT_MS = 2_000;
/** Bound on one describe/list/describeTaskQueue call: none of them long-polls. */
const LOOKUP_TIMEOUT_MS = 5_000;
/**
 * How far the gRPC deadline of a wait sits past the wait itself. Temporal answers a history long
 * poll at once, empty, when its deadline is near (measured: under ~2 s left), and the SDK asks
 * again: a deadline at the end of the wait turns its last seconds into hundreds of calls. So the
 * wait is ended by our own timer (an abort), and the deadline is only a backstop.
 */
const LONG_POLL_DEADLINE_MARGIN_MS = 5_000;

// gRPC status codes (fixed by the gRPC spec).
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_UNAVAILABLE = 14;
// Temporal API enum values (temporal.api.enums.v1), fixed by the API's wire format.
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

export interface RunServiceOptions {
  /** Its connection must be an ApiConnection: "unreachable" and "maybe started" differ (spec §3). */
  client: Client;
  taskQueue: string;
  syncWaitTimeoutMs: number;
  logger: FastifyBaseLogger;
  /**
   * A Client on the NativeConnection of a worker in this process (API_EMBEDDED_WORKER): starts go
   * through it with eager start, so the answer to the start carries the first workflow task.
   */
  eagerClient?: Client | undefined;
  /** Called for each start the server answered with its first workflow task. */
  onEagerStart?: () => void;
}

export class RunService {
  readonly #client: Client;
  readonly #eagerClient: Client | undefined;
  readonly #onEagerStart: () => void;
  readonly #connection: ApiConnection;
  readonly #taskQueue: string;
  readonly #syncWaitMs: number;
  readonly #logger: FastifyBaseLogger;

  constructor(options: RunServiceOptions) {
    if (!(options.client.connection instanceof ApiConnection)) {
      throw new TypeError(
        'the API needs a Client on an ApiConnection (src/api/temporal-connection.ts)',
      );
    }
    this.#client = options.client;
    this.#eagerClient = options.eagerClient;
    this.#onEagerStart = options.onEagerStart ?? (() => undefined);
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
   * ends. `signal` ends the wait early when the HTTP client goes away.
   */
  async startAndWait(
    input: SeerRunInput,
    memo: SeerRunMemo,
    signal: AbortSignal,
    log: FastifyBaseLogger = this.#logger,
  ): Promise<WaitOutcome> {
    const waitUntil = Date.now() + this.#syncWaitMs;
    if (!(await this.#connection.reachable(Math.min(waitUntil, Date.now() + READY_WAIT_MS)))) {
      return { kind: 'unavailable' };
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
      if (started.eagerlyStarted === true) this.#onEagerStart();
    } catch (err) {
      // The request may have reached Temporal: the run may exist, so the client gets its token.
      log.warn({ err, run_uuid: input.run_uuid }, 'starting the run failed part-way');
      return { kind: 'pending', why: whyUnfinished(err, signal) };
    }
    // The wait goes through our own connection, where the deadline and abort signal apply.
    const handle = this.#client.workflow.getHandle<typeof seerRun>(input.run_uuid);
    return this.#wait(handle, waitUntil, signal, log);
  }

  /** Waits for an existing run, up to the sync wait. */
  async wait(
    runUuid: string,
    signal: AbortSignal,
    log: FastifyBaseLogger = this.#logger,
  ): Promise<WaitOutcome> {
    const handle = this.#client.workflow.getHandle<typeof seerRun>(runUuid);
    return this.#wait(handle, Date.now() + this.#syncWaitMs, signal, log);
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
      view: runViewOf(description, attemptsSent(description.raw.pendingActivities)),
      bodySha256: bodySha256Of(description),
    };
  }

  /** One page of the organization's runs, in the visibility store's order. */
  async list(
    organizationId: number,
    filter: ListFilter,
    pageSize: number,
    pageToken: string | undefined,
  ): Promise<{ runs: SeerRunView[]; nextPageToken: string | null }> {
    const query = listQuery(organizationId, filter);
    const temporalToken = pageToken === undefined ? undefined : openPageToken(query, pageToken);
    if (temporalToken === null) throw new InvalidPageTokenError('not a token of this list');
    await this.#ensureReachable();
    const namespace = this.#client.options.namespace;
    let response: Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>;
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
      if (temporalToken !== undefined && grpcCode(err) === GRPC_INVALID_ARGUMENT) {
        throw new InvalidPageTokenError('Temporal refused the page token');
      }
      throw readFailure(err);
    }
    const converter = this.#client.options.loadedDataConverter;
    const runs = await Promise.all(
      response.executions.map(async (raw) =>
        runViewOf(await executionInfoFromRaw(raw, converter, raw, namespace), null),
      ),
    );
    const next = response.nextPageToken;
    return {
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
          taskQueue: { name: this.#taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
          taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      return { temporal: true, pollers: answer.pollers.length };
    } catch (err) {
      this.#logger.warn({ err }, 'readiness: Temporal did not answer describeTaskQueue');
      return { temporal: false, pollers: 0 };
    }
  }

  async #wait(
    handle: WorkflowHandle<typeof seerRun>,
    waitUntil: number,
    signal: AbortSignal,
    log: FastifyBaseLogger,
  ): Promise<WaitOutcome> {
    try {
      const result = await this.#bounded(waitUntil, signal, () => handle.result());
      return { kind: 'live', runId: result.run_id, startedBy: result.started_by };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        return { kind: 'failed', failure: failureOfClosedRun(err.cause) };
      }
      const why = whyUnfinished(err, signal);
      if (why === 'error')
        log.warn({ err, run_uuid: handle.workflowId }, 'waiting for the run failed');
      return { kind: 'pending', why };
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

  async #ensureReachable(): Promise<void> {
    if (!(await this.#connection.reachable(Date.now() + READY_WAIT_MS))) {
      throw new TemporalUnavailableError('Temporal is not reachable');
    }
  }
}

/** The visibility query for one organization's runs; `status` reads as GET reads it. */
export function listQuery(organizationId: number, filter: ListFilter): string {
  const clauses = [
    `WorkflowType = '${SEER_RUN_WORKFLOW}'`,
    `${SearchAttr.organizationId.name} = ${organizationId}`,
  ];
  const status = SearchAttr.status.name;
  switch (filter.status) {
    case undefined:
      break;
    case SeerRunStatus.PENDING:
      clauses.push(`ExecutionStatus = 'Running'`, `${status} = '${SeerRunStatus.PENDING}'`);
      break;
    case SeerRunStatus.LIVE:
      clauses.push(`${status} = '${SeerRunStatus.LIVE}'`);
      break;
    case SeerRunStatus.FAILED:
      // Closed and never LIVE: the run's own failures and terminated, cancelled, timed out.
      clauses.push(`ExecutionStatus != 'Running'`, `${status} != '${SeerRunStatus.LIVE}'`);
      break;
    default:
      return assertNever(filter.status);
  }
  // Both values come from closed enums (validated by the route), never from free text.
  if (filter.type !== undefined) clauses.push(`${SearchAttr.type.name} = '${filter.type}'`);
  return clauses.join(' AND ');
}

/** Why a bounded start or wait ended without the run's result. */
function whyUnfinished(
  err: unknown,
  clientGone: AbortSignal,
): 'deadline' | 'error' | 'client_gone' {
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
  if (isGrpcDeadlineError(err) || grpcCode(err) === GRPC_UNAVAILABLE) {
    return new TemporalUnavailableError('Temporal did not answer in time', { cause: err });
  }
  return err;
}
