// One HTTP request to the API and its answer as a ClientAnswer (status 0 when it was not reached),
// cut at the caller's deadline or signal. Every request of the client goes through here (undici).
import { request, type Dispatcher } from 'undici';
import type { ClientAnswer } from './types';

/** The request was cut because the caller's deadline came: no answer, nothing known. */
export const DEADLINE = Symbol('deadline');

export interface ExchangeTarget {
  baseUrl: string;
  token: string;
  dispatcher: Dispatcher | undefined;
  /** undici's headersTimeout and bodyTimeout for each request. */
  requestTimeoutMs: number;
}

export interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  /** JSON body (POST). */
  body?: unknown;
  headers?: Record<string, string>;
  sentToken?: string | null;
}

// setTimeout's longest delay; a later deadline would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Sends `exchange`; its answer, or DEADLINE when `deadline` (ms since the epoch) came first. The
 * caller's `signal` aborting rejects with its reason. A network error or undici's timeout is an
 * answer with status 0 (the API unreachable), never a throw.
 */
export async function exchange(
  target: ExchangeTarget,
  { method, path, body, headers = {}, sentToken = null }: Exchange,
  deadline: number,
  signal?: AbortSignal,
): Promise<ClientAnswer | typeof DEADLINE> {
  signal?.throwIfAborted();
  const cut = new AbortController();
  const timer = setTimeout(() => cut.abort(), Math.min(MAX_TIMER_MS, deadline - Date.now()));
  const follow = () => cut.abort(signal?.reason);
  signal?.addEventListener('abort', follow, { once: true });
  const base = { method, path, sentToken } as const;
  try {
    const response = await request(`${target.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: cut.signal,
      headersTimeout: target.requestTimeoutMs,
      bodyTimeout: target.requestTimeoutMs,
      dispatcher: target.dispatcher,
    });
    const parsed = parseBody(await response.body.text());
    const code =
      response.statusCode >= 400 && typeof parsed === 'object' && parsed !== null
        ? (parsed as { error?: unknown }).error
        : null;
    return {
      ...base,
      status: response.statusCode,
      error: typeof code === 'string' ? code : null,
      retryAfterS: retryAfterSeconds(response.headers['retry-after']),
      body: parsed,
      unreachable: null,
    };
  } catch (err) {
    signal?.throwIfAborted();
    if (cut.signal.aborted) return DEADLINE;
    return {
      ...base,
      status: 0,
      error: null,
      retryAfterS: null,
      body: null,
      unreachable: errorCode(err),
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', follow);
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Retry-After as seconds: a number of seconds, or an HTTP date (seconds from now, at least 0). */
export function retryAfterSeconds(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1_000));
}

/** undici's and Node's errors by their stable codes (UND_ERR_*, ECONNREFUSED, ...). */
function errorCode(err: unknown): string {
  const { code, cause } = (err ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === 'string') return code;
  if (typeof cause?.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'unknown';
}
