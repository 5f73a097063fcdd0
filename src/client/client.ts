// SeerRunsClient: the seer-runs API for product code. startRun follows the README's retry rule to
// the run's outcome or the caller's deadline; getRun, listRuns and waitForRun read runs.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import {
  apiErrorOf,
  InvalidRequestError,
  SeerRunsApiError,
  SeerRunsUnreachableError,
} from './errors';
import { DEADLINE, exchange, type Exchange, type ExchangeTarget } from './exchange';
import { nextStep, DEFAULT_PAUSE_MS, MAX_PAUSE_MS } from './retry-rule';
import { checkListQuery, checkRunPath, checkRunPost } from './run-body';
import type {
  ClientAnswer,
  RunBody,
  RunPage,
  RunView,
  SeerRunStatus,
  RunType,
  StartRunOutcome,
} from './types';

export interface SeerRunsClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The bearer token (`SEER_RUNS_API_TOKENS`; `dev-token` on a local stack). */
  token: string;
  /** undici dispatcher (a Pool, an Agent with TLS options, a MockAgent); the global one if absent. */
  dispatcher?: Dispatcher;
  /**
   * One request's limit for headers and body. Above the API's SYNC_WAIT_TIMEOUT_MS + 1 s (a POST
   * answers within that), so a POST about to answer is never cut. Default 30 s.
   */
  requestTimeoutMs?: number;
  /** The longest `?wait=` to ask (the API's SYNC_WAIT_TIMEOUT_MS in seconds; default 10). */
  maxWaitSeconds?: number;
}

/** When the client stops: a Date, or ms since the epoch. */
export type Deadline = Date | number;

export interface StartRunOptions {
  /** Names the run: the same key for the same organization is the same run. A UUID v4 if absent. */
  idempotencyKey?: string;
  /**
   * Come back to a run a PENDING outcome named. Give its `idempotency_key` too: without it a 404
   * for the token cannot be resent safely and is thrown (run_not_found).
   */
  retryToken?: string;
  /** Stop following the rule then, and answer PENDING. Default: 60 s from the call. */
  deadline?: Deadline;
  signal?: AbortSignal;
  /** Sees every answer as it comes (also listed in the outcome's `answers`). */
  onAnswer?: (answer: ClientAnswer) => void;
}

export interface WaitOptions {
  /** Default: 60 s from the call. */
  deadline?: Deadline;
  signal?: AbortSignal;
  onAnswer?: (answer: ClientAnswer) => void;
}

export interface ListRunsOptions {
  status?: SeerRunStatus;
  type?: RunType;
  /** 1–1000 runs a page (the API's default: 50). */
  pageSize?: number;
  /** Start from this page (a `next_page_token` of an earlier page). */
  pageToken?: string;
  signal?: AbortSignal;
}

export const DEFAULT_DEADLINE_MS = 60_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_WAIT_SECONDS = 10;
/** waitForRun asks no more often than this, even of an API that answers `?wait=` at once. */
const MIN_POLL_MS = 1_000;

function deadlineOf(deadline: Deadline | undefined): number {
  if (deadline === undefined) return Date.now() + DEFAULT_DEADLINE_MS;
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

function runsPath(organizationId: number): string {
  return `/v1/organizations/${organizationId}/seer-runs`;
}

function isRunView(body: unknown): body is RunView {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as RunView).run_uuid === 'string' &&
    typeof (body as RunView).status === 'string'
  );
}

function isRunPage(body: unknown): body is RunPage {
  return (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as RunPage).runs) &&
    (typeof (body as RunPage).next_page_token === 'string' ||
      (body as RunPage).next_page_token === null)
  );
}

export class SeerRunsClient {
  readonly #target: ExchangeTarget;
  #maxWaitSeconds: number;

  constructor(options: SeerRunsClientOptions) {
    this.#target = {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      token: options.token,
      dispatcher: options.dispatcher,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    };
    this.#maxWaitSeconds = options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS;
  }

  /**
   * Creates a run, or joins the one `idempotencyKey` names, and follows it until it is LIVE or
   * FAILED or the deadline comes (then PENDING, with the token and key to come back with). Throws
   * InvalidRequestError before sending a body the API would refuse, SeerRunsApiError for an answer
   * the rule does not repeat (a 4xx, a 422 reused key, a direct-path seer_unavailable), and
   * SeerRunsUnreachableError when the API was never reached before the deadline.
   */
  async startRun(
    organizationId: number,
    body: RunBody,
    options: StartRunOptions = {},
  ): Promise<StartRunOutcome> {
    const { retry_token: bodyToken, ...envelope } = body as RunBody & { retry_token?: unknown };
    let retryToken =
      options.retryToken ?? (typeof bodyToken === 'string' ? bodyToken : undefined) ?? null;
    // A token alone names a run whose key is unknown: a key of our own would be another run (422).
    const idempotencyKey = options.idempotencyKey ?? (retryToken === null ? randomUUID() : null);
    const withToken = (token: string | null) =>
      token === null ? envelope : { ...envelope, retry_token: token };
    const refused = checkRunPost(organizationId, withToken(retryToken), idempotencyKey);
    if (refused !== null) throw refused;

    const deadline = deadlineOf(options.deadline);
    const answers: ClientAnswer[] = [];
    const trail = () => ({ idempotency_key: idempotencyKey, answers });
    for (;;) {
      const answer = await exchange(
        this.#target,
        {
          method: 'POST',
          path: runsPath(organizationId),
          body: withToken(retryToken),
          headers: idempotencyKey === null ? {} : { 'idempotency-key': idempotencyKey },
          sentToken: retryToken,
        },
        deadline,
        options.signal,
      );
      if (answer === DEADLINE) break;
      answers.push(answer);
      options.onAnswer?.(answer);
      const step = nextStep(answer, idempotencyKey !== null);
      if (step.kind === 'settled') return { ...step.outcome, ...trail() };
      if (step.kind === 'error') throw step.error;
      retryToken = step.retryToken;
      if (Date.now() + step.pauseMs >= deadline) break;
      await pause(step.pauseMs, options.signal);
    }
    if (answers.length > 0 && answers.every((answer) => answer.status === 0)) {
      throw new SeerRunsUnreachableError(
        this.#target.baseUrl,
        answers.at(-1)?.unreachable ?? 'unknown',
        idempotencyKey,
      );
    }
    return { status: 'PENDING', retry_token: retryToken, ...trail() };
  }

  /** One run as it stands now. Throws SeerRunsApiError (404 run_not_found for an unknown UUID). */
  async getRun(
    organizationId: number,
    runUuid: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<RunView> {
    const refused = checkRunPath(organizationId, runUuid);
    if (refused !== null) throw refused;
    return this.#read(
      { method: 'GET', path: `${runsPath(organizationId)}/${runUuid}` },
      isRunView,
      options.signal,
    );
  }

  /**
   * The organization's runs, a page at a time (open runs first, then newest closed): `for await
   * (const page of client.listRuns(org)) for (const run of page.runs) ...`. A page may hold fewer
   * runs than pageSize and still have a next one (README "GET .../seer-runs").
   */
  async *listRuns(
    organizationId: number,
    options: ListRunsOptions = {},
  ): AsyncGenerator<RunPage, void, undefined> {
    const query: Record<string, string> = {};
    if (options.status !== undefined) query.status = options.status;
    if (options.type !== undefined) query.type = options.type;
    if (options.pageSize !== undefined) query.page_size = String(options.pageSize);
    let pageToken = options.pageToken ?? null;
    for (;;) {
      const params = { ...query, ...(pageToken === null ? {} : { next_page_token: pageToken }) };
      const refused = checkListQuery(organizationId, params);
      if (refused !== null) throw refused;
      const search = new URLSearchParams(params).toString();
      const page = await this.#read(
        { method: 'GET', path: `${runsPath(organizationId)}${search ? `?${search}` : ''}` },
        isRunPage,
        options.signal,
      );
      yield page;
      if (page.next_page_token === null) return;
      pageToken = page.next_page_token;
    }
  }

  /**
   * The run once it leaves PENDING, or as it stands at the deadline (still PENDING). Asks with
   * `GET ...?wait=<seconds>`, each wait at most maxWaitSeconds and within the deadline; a 503 or an
   * unreachable API is asked again. Throws SeerRunsApiError (404 run_not_found, ...), or
   * SeerRunsUnreachableError when no answer came before the deadline.
   */
  async waitForRun(
    organizationId: number,
    runUuid: string,
    options: WaitOptions = {},
  ): Promise<RunView> {
    const refused = checkRunPath(organizationId, runUuid);
    if (refused !== null) throw refused;
    const deadline = deadlineOf(options.deadline);
    let view: RunView | null = null;
    let lastUnreachable = 'no answer before the deadline';
    for (;;) {
      const waitS = Math.max(
        0,
        Math.min(this.#maxWaitSeconds, Math.floor((deadline - Date.now()) / 1_000)),
      );
      const sentAt = Date.now();
      const answer = await exchange(
        this.#target,
        {
          method: 'GET',
          path: `${runsPath(organizationId)}/${runUuid}${waitS > 0 ? `?wait=${waitS}` : ''}`,
        },
        deadline,
        options.signal,
      );
      if (answer === DEADLINE) break;
      options.onAnswer?.(answer);
      let pauseMs: number;
      if (answer.status === 200 && isRunView(answer.body)) {
        view = answer.body;
        if (view.status !== 'PENDING') return view;
        // An API older than ?wait= answers at once: ask again no sooner than a second later.
        pauseMs = Math.max(0, sentAt + MIN_POLL_MS - Date.now());
      } else if (answer.status === 0 || answer.status === 503) {
        if (answer.unreachable !== null) lastUnreachable = answer.unreachable;
        pauseMs = Math.min(MAX_PAUSE_MS, (answer.retryAfterS ?? 0) * 1_000) || DEFAULT_PAUSE_MS;
      } else {
        const error = apiErrorOf(answer.status, answer.body, answer.retryAfterS);
        if (waitS > 0 && namesWait(error)) {
          // This API's sync wait is shorter than the client thought: ask for less from now on.
          this.#maxWaitSeconds = Math.floor(waitS / 2);
          continue;
        }
        throw error;
      }
      if (Date.now() + pauseMs >= deadline) break;
      await pause(pauseMs, options.signal);
    }
    if (view !== null) return view;
    throw new SeerRunsUnreachableError(this.#target.baseUrl, lastUnreachable);
  }

  /** One read: its body when `isBody` accepts it, else the typed error. */
  async #read<T>(
    request: Exchange,
    isBody: (body: unknown) => body is T,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const answer = await exchange(
      this.#target,
      request,
      Date.now() + this.#target.requestTimeoutMs,
      signal,
    );
    if (answer === DEADLINE || answer.status === 0) {
      const reason = answer === DEADLINE ? 'no answer in time' : (answer.unreachable ?? 'unknown');
      throw new SeerRunsUnreachableError(this.#target.baseUrl, reason);
    }
    if (answer.status === 200 && isBody(answer.body)) return answer.body;
    throw apiErrorOf(answer.status, answer.body, answer.retryAfterS);
  }
}

function namesWait(error: SeerRunsApiError): boolean {
  return error instanceof InvalidRequestError && error.issues.some((i) => i.path === 'wait');
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  }
}
