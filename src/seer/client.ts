// The Seer client: serialize once, sign those bytes, send them over one keep-alive pool, and
// classify the answer. Network failures come back as transient outcomes, never as throws.
import { Pool } from 'undici';
import { cleanStrings, runTypeSpec, SeerRoute, type RunType, type ViewerContext } from '../domain';
import { inSeerSpan, recordSeerAnswer, traceHeaders } from '../tracing/seer-span';
import { classifyAck, classifyAnswer, type SeerAnswer } from './classify-answer';
import type { SeerAck, SeerOutcome } from './outcome';
import { rpcAuthorization, viewerContextHeaders } from './sign';

export interface SeerClientOptions {
  /** Seer's base URL; a path prefix (`http://host/seer`) is kept in front of every route. */
  baseUrl: string;
  sharedSecret: string;
  /** One attempt's limit: headers, body and the whole exchange each stay under it. */
  requestTimeoutMs: number;
  /** Sockets kept to Seer; unbounded when omitted (the worker's concurrency bounds it). */
  connections?: number;
}

export interface StartRunArgs {
  type: RunType;
  runUuid: string;
  request: Record<string, unknown>;
  viewerContext: ViewerContext | null;
  /** The caller's cancellation: when it fires, startRun rejects instead of answering. */
  signal?: AbortSignal;
}

export interface ExplorerIndexTarget {
  orgId: number;
  projectId: number | null;
  hasExplorerIndex: boolean | null;
  hasOrgProjectContext: boolean | null;
}

export type ExplorerIndexAck = SeerAck & { route: string };

type Exchange = { kind: 'answered'; answer: SeerAnswer } | { kind: 'unreachable'; cause: string };

export class SeerClient {
  readonly #pool: Pool;
  readonly #base: URL;
  readonly #pathPrefix: string;
  readonly #secret: string;
  readonly #timeoutMs: number;

  constructor(options: SeerClientOptions) {
    const base = new URL(options.baseUrl);
    this.#base = base;
    this.#pathPrefix = base.pathname.replace(/\/+$/, '');
    this.#secret = options.sharedSecret;
    this.#timeoutMs = options.requestTimeoutMs;
    // A bare Pool follows no redirect and retries nothing: Temporal owns retries, and a 3xx
    // is classified, not chased.
    this.#pool = new Pool(base.origin, {
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      ...(options.connections === undefined ? {} : { connections: options.connections }),
    });
  }

  async startRun({
    type,
    runUuid,
    request,
    viewerContext,
    signal,
  }: StartRunArgs): Promise<SeerOutcome> {
    const { seerRoute: route, runUuidAsRef } = runTypeSpec(type);
    if (route === null) {
      throw new Error(`run type ${type} has no Seer route: its run fails as unsupported_type`);
    }
    // Seer dedupes on external_idempotency_key; feature runs are also looked up by `ref`.
    const body = {
      ...request,
      external_idempotency_key: runUuid,
      ...(runUuidAsRef ? { ref: runUuid } : {}),
    };
    return inSeerSpan(this.#url(route), async (span) => {
      const exchange = await this.#send(
        route,
        body,
        viewerContextHeaders(this.#secret, viewerContext),
        signal,
      );
      if (exchange.kind === 'unreachable') {
        recordSeerAnswer(span, { outcome: 'transient', cause: exchange.cause });
        return { kind: 'transient', cause: exchange.cause };
      }
      const outcome = classifyAnswer(exchange.answer, Date.now());
      recordSeerAnswer(span, {
        status: exchange.answer.status,
        outcome: outcome.kind,
        ...(outcome.kind === 'terminal' ? { failureReason: outcome.reason } : {}),
      });
      return outcome;
    });
  }

  /** A signed POST whose answer body does not matter: any 2xx is `ok`. */
  async post(route: string, jsonBody: unknown, signal?: AbortSignal): Promise<SeerAck> {
    return inSeerSpan(this.#url(route), async (span) => {
      const exchange = await this.#send(route, jsonBody, {}, signal);
      if (exchange.kind === 'unreachable') {
        recordSeerAnswer(span, { outcome: 'transient', cause: exchange.cause });
        return { kind: 'transient', cause: exchange.cause };
      }
      const ack = classifyAck(exchange.answer, Date.now());
      recordSeerAnswer(span, { status: exchange.answer.status, outcome: ack.kind });
      return ack;
    });
  }

  #url(route: string): URL {
    return new URL(`${this.#pathPrefix}${route}`, this.#base.origin);
  }

  /**
   * The explorer follow-up: one POST per flag that is explicitly false (null means Seer did not
   * say, which triggers nothing). Without a project, the project lists are empty.
   */
  async triggerExplorerIndex(
    { orgId, projectId, hasExplorerIndex, hasOrgProjectContext }: ExplorerIndexTarget,
    signal?: AbortSignal,
  ): Promise<ExplorerIndexAck[]> {
    const posts: Array<{ route: string; body: unknown }> = [];
    if (hasExplorerIndex === false) {
      posts.push({
        route: SeerRoute.explorerIndex,
        body: { projects: projectId === null ? [] : [{ org_id: orgId, project_id: projectId }] },
      });
    }
    if (hasOrgProjectContext === false) {
      posts.push({
        route: SeerRoute.explorerOrgProjectKnowledge,
        body: { org_id: orgId, projects: projectId === null ? [] : [{ project_id: projectId }] },
      });
    }
    return Promise.all(
      posts.map(async ({ route, body }) => ({ route, ...(await this.post(route, body, signal)) })),
    );
  }

  /** Waits for requests in flight, then closes the sockets. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #send(
    route: string,
    jsonBody: unknown,
    headers: Record<string, string>,
    callerSignal: AbortSignal | undefined,
  ): Promise<Exchange> {
    // Cleaned here as a last line of defence: NUL and lone surrogates are valid JSON escapes but
    // break Seer's storage. The signature covers exactly these bytes.
    const bytes = Buffer.from(JSON.stringify(cleanStrings(jsonBody)), 'utf8');
    // An ordinary timer, not AbortSignal.timeout(): on Node 20 a timeout signal combined with
    // AbortSignal.any() can be garbage-collected before it fires, and the attempt then outlives
    // SEER_REQUEST_TIMEOUT_MS (seen in the API's sync wait, issue #14 item 9).
    const attempt = new AbortController();
    const timer = setTimeout(
      () => attempt.abort(new DOMException('Seer did not answer in time', 'TimeoutError')),
      this.#timeoutMs,
    );
    const callerGone = () => attempt.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', callerGone, { once: true });
    if (callerSignal?.aborted) callerGone();
    const signal = attempt.signal;
    try {
      const response = await this.#pool.request({
        path: `${this.#pathPrefix}${route}`,
        method: 'POST',
        headers: {
          ...headers,
          // W3C trace context of the request's span (none when tracing is off): not signed.
          ...traceHeaders(),
          'content-type': 'application/json;charset=utf-8',
          authorization: rpcAuthorization(this.#secret, bytes),
        },
        body: bytes,
        signal,
      });
      // Reading the body to its end also frees the socket for keep-alive.
      const body = new Uint8Array(await response.body.arrayBuffer());
      return {
        kind: 'answered',
        answer: { status: response.statusCode, headers: response.headers, body },
      };
    } catch (err) {
      if (callerSignal?.aborted) throw err;
      const cause = networkCause(err);
      if (cause === null) throw err;
      return { kind: 'unreachable', cause };
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', callerGone);
    }
  }
}

// undici codes that mean we misused it: a bug to surface, not an outage to retry through.
const MISUSE_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_NOT_SUPPORTED',
]);
// Some of these arrive without `syscall` (e.g. the AggregateError of a dual-stack connect).
const SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'EPROTO',
]);
const TLS_CODE = /^ERR_(TLS|SSL)_|CERT/;
// Our own deadline aborts with TimeoutError; AbortError covers runtimes that report it so.
const ABORT_NAMES = new Set(['TimeoutError', 'AbortError']);

/** The stable name of a failure to reach Seer, or null for an error that is not one. */
function networkCause(err: unknown): string | null {
  // Duck-typed, not `instanceof Error`: Node's own errors may come from another realm (Jest's vm).
  if (typeof err !== 'object' || err === null) return null;
  const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  if (code?.startsWith('UND_ERR_')) return MISUSE_CODES.has(code) ? null : code;
  if (code !== undefined && (SYSTEM_CODES.has(code) || TLS_CODE.test(code) || 'syscall' in err)) {
    return code;
  }
  const name = 'name' in err && typeof err.name === 'string' ? err.name : undefined;
  return name !== undefined && ABORT_NAMES.has(name) ? name : null;
}
