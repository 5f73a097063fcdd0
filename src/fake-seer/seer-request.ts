// How the fake Seer answers a request to one of Seer's routes, as named steps in order:
// record → authenticate → validate → outage → fault → answer (seer-api.md "The fake Seer").
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { EXPLORER_CHAT_ROUTE, idempotencyKey, invalidField, isRunRoute } from './contract';
import {
  bodySignatureOk,
  VIEWER_CONTEXT_HEADER,
  VIEWER_CONTEXT_SIGNATURE_HEADER,
  viewerContextOk,
} from './signature';
import type { FakeFault, FakeRun, FakeSeerConfig, FakeSeerState, RecordedRequest } from './state';
import { header, parseJson } from './wire';

export interface SeerExchange {
  req: IncomingMessage;
  res: ServerResponse;
  route: string;
  /** The body exactly as received: what the signature covers. */
  raw: Buffer;
  state: FakeSeerState;
  sharedSecret: string;
  /** Fires when the fake closes, ending any wait. */
  closing: AbortSignal;
  logger?: Logger | undefined;
}

/** What the fake does with the connection once it has decided. */
type Reply =
  | { kind: 'send'; status: number; payload: Buffer; headers?: FakeFault['headers'] }
  | { kind: 'drop' }
  | { kind: 'hang' };

export async function answerSeerRequest(exchange: SeerExchange): Promise<void> {
  const { route, state } = exchange;
  const body = parseJson(exchange.raw);
  const entry = record(exchange, body);
  const refusal = authenticate(entry) ?? validate(route, body) ?? outage(route, state.config);
  if (refusal !== null) return deliver(exchange, entry, refusal);

  const fault = state.takeFault(route);
  entry.fault = fault ?? null;
  // A client that gave up does not stop Seer: the run is still made, as a lost answer would be.
  await wait(fault, exchange);
  const createRun = () => (entry.key === null ? undefined : state.runFor(route, entry.key));
  deliver(exchange, entry, playFault(fault, createRun) ?? answer(exchange, createRun(), fault));
}

/** Every request is recorded before any check, so tests see refused ones too. */
function record({ req, route, raw, state, sharedSecret }: SeerExchange, body: unknown) {
  const viewerContext = header(req, VIEWER_CONTEXT_HEADER);
  const entry: RecordedRequest = {
    route,
    key: idempotencyKey(body),
    signature_ok: bodySignatureOk(sharedSecret, raw, header(req, 'authorization')),
    viewer_context_ok: viewerContextOk(
      sharedSecret,
      viewerContext,
      header(req, VIEWER_CONTEXT_SIGNATURE_HEADER),
    ),
    status: null,
    at: Date.now(),
    headers: {
      authorization: header(req, 'authorization'),
      'content-type': header(req, 'content-type'),
      [VIEWER_CONTEXT_HEADER]: viewerContext,
      [VIEWER_CONTEXT_SIGNATURE_HEADER]: header(req, VIEWER_CONTEXT_SIGNATURE_HEADER),
    },
    traceparent: header(req, 'traceparent') ?? null,
    body: body === undefined ? null : body,
    body_sha256: createHash('sha256').update(raw).digest('hex'),
    fault: null,
  };
  state.requests.push(entry);
  return entry;
}

function authenticate(entry: RecordedRequest): Reply | null {
  if (!entry.signature_ok) return json(401, { detail: 'invalid signature' });
  if (entry.viewer_context_ok === false) {
    return json(401, { detail: 'invalid viewer context signature' });
  }
  return null;
}

function validate(route: string, body: unknown): Reply | null {
  if (body === undefined) return json(400, { detail: 'body is not JSON' });
  const problem = invalidField(route, body);
  return problem === null ? null : json(400, { detail: problem });
}

/** A scripted outage hits run routes only, before any run is made; follow-ups still pass. */
function outage(route: string, config: FakeSeerConfig): Reply | null {
  if (!isRunRoute(route)) return null;
  if (config.outage === 'drop') return { kind: 'drop' };
  if (config.outage === 'status_503' || Math.random() < config.transient_error_rate) {
    return json(503, { detail: 'Seer is unavailable (fake outage)' });
  }
  return null;
}

/** A fault's own delay replaces the configured latency. */
async function wait(fault: FakeFault | undefined, { state, closing }: SeerExchange): Promise<void> {
  const delayMs = fault === undefined ? state.config.latency_ms : (fault.delay_ms ?? 0);
  if (delayMs > 0) await sleep(delayMs, undefined, { signal: closing });
}

/** The fault's scripted reply; null when there is none or it only delays or adds headers. */
function playFault(fault: FakeFault | undefined, createRun: () => void): Reply | null {
  if (fault === undefined) return null;
  if (fault.hang === true) return { kind: 'hang' };
  if (fault.drop !== undefined) {
    if (fault.drop === 'after_create') createRun();
    return { kind: 'drop' };
  }
  if (fault.status === undefined && fault.body === undefined && fault.body_base64 === undefined) {
    return null;
  }
  if (fault.create === true) createRun();
  const payload =
    fault.body_base64 !== undefined
      ? Buffer.from(fault.body_base64, 'base64')
      : Buffer.from(fault.body ?? '', 'utf8');
  return { kind: 'send', status: fault.status ?? 200, payload, headers: fault.headers };
}

/** Seer's normal answer: the run made for the key, or `{}` for a body without one. */
function answer(
  { route, state }: SeerExchange,
  run: FakeRun | undefined,
  fault: FakeFault | undefined,
): Reply {
  if (run === undefined) return json(200, {}, fault?.headers);
  if (route !== EXPLORER_CHAT_ROUTE) return json(200, { run_id: run.run_id }, fault?.headers);
  const { has_explorer_index, has_org_project_context } = state.config;
  return json(
    200,
    {
      run_id: run.run_id,
      // null plays an older Seer that leaves the flag out.
      ...(has_explorer_index === null ? {} : { has_explorer_index }),
      ...(has_org_project_context === null ? {} : { has_org_project_context }),
    },
    fault?.headers,
  );
}

function deliver({ req, res, logger }: SeerExchange, entry: RecordedRequest, reply: Reply): void {
  switch (reply.kind) {
    case 'hang':
      return;
    case 'drop':
      req.socket.destroy();
      return;
    case 'send':
      // Gone already (the client timed out or the fake is closing): nothing was answered.
      if (res.destroyed || req.socket.destroyed) return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.payload);
      entry.status = reply.status;
      logger?.debug(
        { route: entry.route, key: entry.key, status: reply.status },
        'fake Seer answered',
      );
      return;
  }
}

function json(status: number, payload: unknown, headers?: FakeFault['headers']): Reply {
  return { kind: 'send', status, payload: Buffer.from(JSON.stringify(payload)), headers };
}
