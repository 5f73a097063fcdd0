// Everything the API asks Temporal, behind one gateway: start a run, wait for one, find one, list
// them, and is a worker there. Answers in domain outcomes only, within each request's bound.
import {
  ApplicationFailure,
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
import type { Payload } from '@temporalio/common';
import type { SeerRunInput, SeerRunResult, SeerRunView } from '../../domain';
import { isFailureReason, SearchAttr, SeerRunStatus } from '../../domain';
import type { MirrorOutcome, PendingWhy } from '../../domain/run-outcome';
import type { seerRun } from '../../../workflows';
import { runPriority, SEER_RUN_WORKFLOW, startSeerRunWorkflow, type SeerRunMemo } from '../runs';
import { ApiConnection } from './api-connection';
import { dateOf, executionOfRaw, listQuery, type ListFilter } from './list';
import { openPageToken, sealPageToken } from './page-token';
import {
  bodySha256Of,
  failureOfClosedRun,
  runViewOf,
  type PendingActivity,
  type RunExecution,
} from './run-view';
import { inWaitSpan } from '../../tracing/wait-span';

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

/**
 * What bounds every call made for one HTTP request (spec §3: a POST answers within the sync wait of
 * its arrival, whatever Temporal does).
 */
export interface RequestBound {
  /** When the request must have its answer (ms since the epoch). */
  deadline: number;
  /**
   * The request's one signal: aborted at the deadline with a TimeoutError, or earlier when the HTTP
   * client goes away. The gateway adds one listener per call it makes and removes it afterwards.
   */
  signal: AbortSignal;
  log?: GatewayLog;
}

/** How a start ended: sent (and the run exists), or the run's outcome already. */
export type StartOutcome =
  /** `eagerlyStarted`: the answer carried the first workflow task, so this start made the run. */
  | { kind: 'started'; eagerlyStarted: boolean }
  | Extract<MirrorOutcome, { kind: 'pending' | 'temporal_unavailable' }>;

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
 * A poller whose last poll is older than this is not counted (spec §3: /readyz answers 503 within
 * 90 s of the last worker's death). Temporal lists a dead worker's pollers for minutes, and a live
 * worker's idle poll is renewed about every 60 s (the server's long-poll expiry), hence 75 s.
 */
const STALE_POLLER_MS = 75_000;
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
  /** SEER_RUNS_PAGE_TOKEN_KEY: the HMAC key that seals the list's page tokens. */
  pageTokenKey: string;
  logger: GatewayLog;
  /** For tests: how old a poller's last poll may be and still count (default 75 s). */
  stalePollerMs?: number;
  /**
   * The Client on the NativeConnection of the worker in this process (API_EMBEDDED_WORKER), once it
   * runs: starts go through it with eager start (the answer to the start carries the run's first
   * workflow task). Waits stay on `client`, whose calls a request's signal can cancel. Undefined
   * while the embedded worker is not running.
   */
  embeddedClient?: (() => Client | undefined) | undefined;
  /**
   * Fairness between organizations (SEER_RUNS_FAIRNESS=on): every start carries a priority keyed by
   * the run's organization, with its weight. Undefined: starts carry no priority.
   */
  fairness?: RunFairness | undefined;
}

export interface RunFairness {
  /** The organization's fairness weight (SEER_RUNS_ORG_WEIGHTS; 1 when not listed). */
  weightOf(organizationId: number): number;
}

export class RunGateway {
  readonly #client: Client;
  readonly #embeddedClient: () => Client | undefined;
  readonly #connection: ApiConnection;
  readonly #taskQueue: string;
  readonly #pageTokenKey: string;
  readonly #stalePollerMs: number;
  readonly #logger: GatewayLog;
  readonly #fairness: RunFairness | undefined;

  constructor(options: RunGatewayOptions) {
    if (!(options.client.connection instanceof ApiConnection)) {
      throw new TypeError(
        'the API needs a Client on an ApiConnection (src/temporal/client/api-connection.ts)',
      );
    }
    this.#client = options.client;
    this.#embeddedClient = options.embeddedClient ?? (() => undefined);
    this.#connection = options.client.connection;
    this.#taskQueue = options.taskQueue;
    this.#pageTokenKey = options.pageTokenKey;
    this.#stalePollerMs = options.stalePollerMs ?? STALE_POLLER_MS;
    this.#logger = options.logger;
    this.#fairness = options.fairness;
  }

  get taskQueue(): string {
    return this.#taskQueue;
  }

  /**
   * Sends the run's start; when its UUID already names a run, that run is joined instead (spec §4).
   * An error once the start may have reached Temporal is `pending`: the run may exist.
   */
  async start(input: SeerRunInput, memo: SeerRunMemo, bound: RequestBound): Promise<StartOutcome> {
    if (!(await this.#connection.reachable(Math.min(bound.deadline, Date.now() + READY_WAIT_MS)))) {
      return { kind: 'temporal_unavailable' };
    }
    const embedded = this.#embeddedClient();
    const starter = embedded ?? this.#client;
    const org = input.organization_id;
    const priority = this.#fairness && runPriority(org, this.#fairness.weightOf(org));
    try {
      const started = await this.#call(
        bound,
        () =>
          startSeerRunWorkflow(starter, this.#taskQueue, input, memo, {
            requestEagerStart: embedded !== undefined,
            priority,
          }),
        // The embedded worker's NativeConnection ignores the abort signal (SDK 1.24): its start
        // ends at the request's deadline itself. A start is no long poll, so no margin is needed.
        embedded === undefined
          ? { client: starter }
          : { client: starter, deadline: bound.deadline },
      );
      return { kind: 'started', eagerlyStarted: started.eagerlyStarted === true };
    } catch (err) {
      (bound.log ?? this.#logger).warn(
        { err, run_uuid: input.run_uuid },
        'starting the run failed part-way',
      );
      return { kind: 'pending', runUuid: input.run_uuid, why: whyUnfinished(err, bound.signal) };
    }
  }

  /**
   * Waits until the run closes or the request's bound ends. `startedBy`: the id of the request
   * that may have created the run (its result names it then); null when this one did not.
   */
  async wait(
    runUuid: string,
    organizationId: number,
    startedBy: string | null,
    bound: RequestBound,
  ): Promise<MirrorOutcome> {
    return inWaitSpan(runUuid, () => this.#wait(runUuid, organizationId, startedBy, bound));
  }

  async #wait(
    runUuid: string,
    organizationId: number,
    startedBy: string | null,
    bound: RequestBound,
  ): Promise<MirrorOutcome> {
    // Our own connection, never the embedded worker's: a NativeConnection cannot cancel a call in
    // flight (SDK 1.24 ignores the abort signal there), and the wait must end at the sync wait.
    const client = this.#client;
    const handle: WorkflowHandle<typeof seerRun> = client.workflow.getHandle(runUuid);
    try {
      const closed = await this.#untilClosed(client, runUuid, bound);
      // A completed run's result is in its close event; any other close is read by the SDK (one
      // more call), which turns it into the WorkflowFailedError handled below.
      const result =
        (await completedResult(client, closed)) ??
        (await this.#call(bound, () => handle.result(), { client }));
      return {
        kind: 'live',
        organizationId,
        runUuid,
        runId: result.run_id,
        created: startedBy !== null && result.started_by === startedBy,
      };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const failure = failureOfClosedRun(err.cause);
        // Closed from outside (terminated, cancelled, timed out) after the run went LIVE, e.g.
        // during the explorer follow-up: Seer has the run, and GET says so. So does this answer.
        const ownReason =
          err.cause instanceof ApplicationFailure && isFailureReason(err.cause.type);
        const liveBefore = ownReason ? null : await this.#liveView(runUuid, organizationId, bound);
        if (liveBefore !== null) {
          return { kind: 'live', organizationId, runUuid, runId: liveBefore, created: false };
        }
        return { kind: 'failed', runUuid, failure };
      }
      const why = whyUnfinished(err, bound.signal);
      if (why === 'error') {
        (bound.log ?? this.#logger).warn({ err, run_uuid: runUuid }, 'waiting for the run failed');
      }
      return { kind: 'pending', runUuid, why };
    }
  }

  /** The run's run_id when it went LIVE by its own hand before it was closed; else null. */
  async #liveView(
    runUuid: string,
    organizationId: number,
    bound: RequestBound,
  ): Promise<number | null> {
    try {
      const found = await this.find(runUuid, organizationId, bound);
      return found?.view.status === SeerRunStatus.LIVE ? found.view.run_id : null;
    } catch {
      // Unreadable now: the closed result is all we know (GET will tell the truth later).
      return null;
    }
  }

  /**
   * The run as GET shows it, or null when the UUID names no run of this organization. Within the
   * request's bound when one is given (a POST's lookups count against its sync wait).
   */
  async find(
    runUuid: string,
    organizationId: number,
    bound?: RequestBound,
  ): Promise<FoundRun | null> {
    const deadline = Math.min(bound?.deadline ?? Infinity, Date.now() + LOOKUP_TIMEOUT_MS);
    await this.#ensureReachable(deadline);
    let description: WorkflowExecutionDescription;
    try {
      description = await this.#call(
        bound,
        () => this.#client.workflow.getHandle(runUuid).describe(),
        { deadline },
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

  /**
   * The run as GET shows it once it has left PENDING, or as it stands when the request's bound ends
   * (GET ?wait=); null when the UUID names no run of this organization. The run's history is
   * long-polled, and only an event that can change its status (search attributes upserted, the run
   * closed) is followed by a describe. Every call after the first ends with the bound.
   */
  async findSettled(
    runUuid: string,
    organizationId: number,
    bound: RequestBound,
  ): Promise<FoundRun | null> {
    let found = await this.find(runUuid, organizationId);
    const client = this.#client;
    const request: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest = {
      namespace: client.options.namespace,
      execution: { workflowId: runUuid },
      skipArchival: true,
      waitNewEvent: true,
    };
    while (found?.view.status === SeerRunStatus.PENDING && !bound.signal.aborted) {
      try {
        const page = await this.#call(
          bound,
          () => client.workflowService.getWorkflowExecutionHistory(request),
          { client },
        );
        if ((page.history?.events ?? []).some(mayChangeStatus)) {
          found = await this.find(runUuid, organizationId, bound);
        }
        // No token: the history ended (the run was reset or closed); the describe has told.
        if (!page.nextPageToken || page.nextPageToken.length === 0) break;
        request.nextPageToken = page.nextPageToken;
      } catch (err) {
        // The wait is over (or the client left): the last describe is the answer. By the clock
        // too: a describe sent at the deadline fails before the bound's timer has fired.
        if (bound.signal.aborted || Date.now() >= bound.deadline) break;
        throw readFailure(err);
      }
    }
    return found;
  }

  /**
   * One page of the organization's runs, in the visibility store's order, each UUID as it now
   * stands: a FAILED row a re-drive replaced is left out, so a page holds at most `pageSize` runs
   * (fewer, even none, with a next page token still when some were left out).
   */
  async list(
    organizationId: number,
    filter: ListFilter,
    pageSize: number,
    pageToken: string | undefined,
  ): Promise<RunPage> {
    const query = listQuery(organizationId, filter);
    const temporalToken =
      pageToken === undefined ? undefined : openPageToken(this.#pageTokenKey, query, pageToken);
    if (temporalToken === null) return { kind: 'invalid_page_token' };
    await this.#ensureReachable(Date.now() + READY_WAIT_MS);
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
      response.executions.map(async (raw) => ({
        run: await executionOfRaw(raw, converter, namespace),
        runId: raw.execution?.runId ?? '',
      })),
    );
    // One bound for all the describes of a page: a slow Temporal costs one lookup timeout, not one
    // per batch (a describe that runs out counts the memo, or keeps the row, as a failed one does).
    const describeDeadline = Date.now() + LOOKUP_TIMEOUT_MS;
    const runs: SeerRunView[] = [];
    for (let i = 0; i < executions.length; i += LIST_DESCRIBE_CONCURRENCY) {
      const batch = executions.slice(i, i + LIST_DESCRIBE_CONCURRENCY);
      const views = await Promise.all(
        batch.map(async ({ run, runId }) => {
          const view = runViewOf(run, await this.#pendingOfOpen(run, describeDeadline));
          const replaced =
            view.status === SeerRunStatus.FAILED &&
            (await this.#replacedByReset(run.workflowId, runId, describeDeadline));
          return replaced ? [] : [view];
        }),
      );
      runs.push(...views.flat());
    }
    const next = response.nextPageToken;
    return {
      kind: 'page',
      runs,
      nextPageToken:
        next && next.length > 0 ? sealPageToken(this.#pageTokenKey, query, next) : null,
    };
  }

  /**
   * For /readyz: does Temporal answer, and how many workers poll our task queue. A poller counts
   * while its last poll is recent (STALE_POLLER_MS), read against our clock: skew of a few seconds
   * only shifts when a dead worker stops counting.
   */
  async readiness(): Promise<{ temporal: boolean; pollers: number; stalePollers: number }> {
    const deadline = Date.now() + LOOKUP_TIMEOUT_MS;
    if (!(await this.#connection.reachable(Math.min(deadline, Date.now() + READY_WAIT_MS)))) {
      return { temporal: false, pollers: 0, stalePollers: 0 };
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
      const freshSince = Date.now() - this.#stalePollerMs;
      const pollers = answer.pollers.filter(
        (poller) => (dateOf(poller.lastAccessTime)?.getTime() ?? 0) >= freshSince,
      ).length;
      return { temporal: true, pollers, stalePollers: answer.pollers.length - pollers };
    } catch (err) {
      this.#logger.warn({ err }, 'readiness: Temporal did not answer describeTaskQueue');
      return { temporal: false, pollers: 0, stalePollers: 0 };
    }
  }

  /**
   * Long-polls the run's history until it holds the close event, and returns it. Our own loop rather than the
   * SDK's result(): each poll is one #call, so its abort listener is removed when the poll ends.
   * result() polls again after every empty answer in one scope, and each poll leaves a listener
   * (11 of them: MaxListenersExceededWarning) on the signal it was given.
   */
  async #untilClosed(
    client: Client,
    runUuid: string,
    bound: RequestBound,
  ): Promise<temporal.api.history.v1.IHistoryEvent> {
    const request: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest = {
      namespace: client.options.namespace,
      execution: { workflowId: runUuid },
      skipArchival: true,
      waitNewEvent: true,
      historyEventFilterType:
        temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
    };
    for (;;) {
      const page = await this.#call(
        bound,
        () => client.workflowService.getWorkflowExecutionHistory(request),
        { client },
      );
      const closeEvent = page.history?.events?.at(-1);
      if (closeEvent) return closeEvent;
      // An empty page: the run moved on but is still open; the token resumes the poll.
      request.nextPageToken = page.nextPageToken;
    }
  }

  /**
   * Runs `fn` (SDK calls) for a request, so none outlives it: cancelled when the request's signal
   * aborts, the deadline behind it only a backstop for a call that ignores the cancel. The SDK
   * adds an abort listener per gRPC call and never removes it, so `fn` gets a signal of its own,
   * tied to the request's by a listener removed when `fn` ends.
   */
  async #call<T>(
    bound: RequestBound | undefined,
    fn: () => Promise<T>,
    {
      client = this.#client,
      deadline = (bound?.deadline ?? Date.now()) + LONG_POLL_DEADLINE_MARGIN_MS,
    }: { client?: Client; deadline?: number } = {},
  ): Promise<T> {
    if (bound === undefined) return client.withDeadline(deadline, fn);
    const requestSignal = bound.signal;
    const call = new AbortController();
    let abandon: (reason: unknown) => void = () => undefined;
    const cancel = () => {
      call.abort(requestSignal.reason);
      abandon(requestSignal.reason);
    };
    requestSignal.addEventListener('abort', cancel, { once: true });
    try {
      const running = client.withAbortSignal(call.signal, () => client.withDeadline(deadline, fn));
      if (client.connection instanceof ApiConnection) {
        if (requestSignal.aborted) cancel();
        return await running;
      }
      // The embedded worker's NativeConnection ignores the abort signal, and its core retries a
      // failed call (each try with the whole deadline): the request stops waiting for it at its
      // end, and the call finishes unobserved.
      running.catch(() => undefined);
      const abandoned = new Promise<never>((_, reject) => (abandon = reject));
      if (requestSignal.aborted) cancel();
      return await Promise.race([running, abandoned]);
    } finally {
      requestSignal.removeEventListener('abort', cancel);
    }
  }

  /**
   * A list item has no pending activities, and an open run's attempts count its pending one
   * (src/domain/attempts.ts): one describe per open run still counting, so the list and GET agree.
   * Closed runs and runs that recorded their total (`SeerRunAttempts`, or the memo's `attempts` in
   * runs recorded before it) need none; a failed describe counts the memo.
   */
  async #pendingOfOpen(run: RunExecution, deadline: number): Promise<PendingActivity[] | null> {
    const recordedTotal =
      run.typedSearchAttributes.get(SearchAttr.attempts) !== undefined ||
      typeof run.memo?.attempts === 'number';
    if (run.closeTime !== undefined || recordedTotal) return null;
    try {
      const description = await this.#client.withDeadline(deadline, () =>
        this.#client.workflow.getHandle(run.workflowId).describe(),
      );
      return description.raw.pendingActivities ?? null;
    } catch {
      return null;
    }
  }

  /**
   * Whether a closed FAILED row is a run a reset replaced (a re-drive, README "Re-driving failed
   * runs"): visibility keeps it beside the UUID's current run, which is the run as it now stands.
   * Only FAILED rows are asked: a re-drive resets nothing else. Unreadable in time: kept.
   */
  async #replacedByReset(workflowId: string, runId: string, deadline: number): Promise<boolean> {
    try {
      const current = await this.#client.withDeadline(deadline, () =>
        this.#connection.workflowService.describeWorkflowExecution({
          namespace: this.#client.options.namespace,
          execution: { workflowId },
        }),
      );
      const currentRunId = current.workflowExecutionInfo?.execution?.runId;
      return typeof currentRunId === 'string' && currentRunId !== '' && currentRunId !== runId;
    } catch {
      return false;
    }
  }

  async #ensureReachable(deadline: number): Promise<void> {
    if (!(await this.#connection.reachable(Math.min(deadline, Date.now() + READY_WAIT_MS)))) {
      throw new TemporalUnavailableError('Temporal is not reachable');
    }
  }
}

/**
 * The result a completed run's close event carries, decoded as the SDK's result() would (payload
 * codecs in reverse, then the payload converter); null for any other close.
 */
async function completedResult(
  client: Client,
  closeEvent: temporal.api.history.v1.IHistoryEvent,
): Promise<SeerRunResult | null> {
  const completed = closeEvent.workflowExecutionCompletedEventAttributes;
  if (!completed) return null;
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let payloads: Payload[] = completed.result?.payloads ?? [];
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  const [first] = payloads;
  if (first === undefined) return null;
  return payloadConverter.fromPayload<SeerRunResult>(first);
}

const { EventType } = temporal.api.enums.v1;
/** The events after which a run's status may read differently (run-view.ts reads it). */
const STATUS_EVENTS: ReadonlySet<temporal.api.enums.v1.EventType> = new Set([
  EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

function mayChangeStatus(event: temporal.api.history.v1.IHistoryEvent): boolean {
  return event.eventType != null && STATUS_EVENTS.has(event.eventType);
}

/** Why a bounded start or wait ended without the run's result. */
function whyUnfinished(err: unknown, requestSignal: AbortSignal): PendingWhy {
  if (requestSignal.aborted) return isDeadline(requestSignal.reason) ? 'deadline' : 'client_gone';
  if (isGrpcCancelledError(err) || isGrpcDeadlineError(err)) return 'deadline';
  return 'error';
}

/**
 * The request's signal aborts with a TimeoutError at its deadline (RequestBound). By name: a
 * DOMException is no `instanceof Error` in another realm (jest's sandbox).
 */
function isDeadline(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === 'TimeoutError';
}

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/** A lookup's failure: Temporal not answering in time (or at all) is TemporalUnavailableError. */
function readFailure(err: unknown): unknown {
  // CANCELLED: the request's bound ended the lookup before Temporal answered.
  if (
    isGrpcDeadlineError(err) ||
    isGrpcCancelledError(err) ||
    grpcCode(err) === GrpcStatus.UNAVAILABLE
  ) {
    return new TemporalUnavailableError('Temporal did not answer in time', { cause: err });
  }
  return err;
}
