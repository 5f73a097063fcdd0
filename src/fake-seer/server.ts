// The stand-in Seer of seer-api.md ("The fake Seer"): real HTTP that checks signatures and
// bodies, creates one run per idempotency key, and plays scripted faults for tests.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import { assertNever } from '../domain';
import {
  VIEWER_CONTEXT_HEADER,
  VIEWER_CONTEXT_SIGNATURE_HEADER,
  verifyRpcAuthorization,
  verifySignature,
} from '../seer/sign';

// The fake keeps its own copy of the wire contract rather than importing the client's schemas,
// so a mistake in those cannot hide itself in the tests.
type FieldKind =
  | 'integer'
  | 'string'
  | 'non-empty string'
  | 'object'
  | 'list'
  | 'integer list'
  | 'null'
  | 'integer or null'
  | 'string or null';

const KEY_FIELD = { external_idempotency_key: 'non-empty string' } as const;

/** Routes that create a run, with their required fields (dotted paths reach into objects). */
const RUN_ROUTES: Record<string, Record<string, FieldKind>> = {
  '/v1/automation/explorer/chat': {
    ...KEY_FIELD,
    organization_id: 'integer',
    query: 'non-empty string',
    run_id: 'null',
    insert_index: 'integer or null',
    on_page_context: 'string or null',
  },
  '/v1/assisted-query/start': {
    ...KEY_FIELD,
    org_id: 'integer',
    org_slug: 'string',
    project_ids: 'integer list',
    natural_language_query: 'string',
    strategy: 'string',
  },
  '/v1/automation/autofix/start': {
    ...KEY_FIELD,
    organization_id: 'integer',
    project_id: 'integer',
    issue: 'object',
    'issue.id': 'integer',
    'issue.title': 'string',
  },
  '/v1/automation/agent/feature/run': {
    ...KEY_FIELD,
    feature_id: 'string',
    payload: 'object',
    ref: 'non-empty string',
  },
};

const EXPLORER_CHAT_ROUTE = '/v1/automation/explorer/chat';

/** Follow-up routes: accepted, recorded, answered `{}`. */
const INDEX_ROUTES: Record<string, Record<string, FieldKind>> = {
  '/v1/automation/explorer/index': { projects: 'list' },
  '/v1/automation/explorer/index/org-project-knowledge': { org_id: 'integer', projects: 'list' },
};

const CONTROL_PREFIX = '/__control/';

export const FakeFault = z.strictObject({
  /** Answer this status instead of the normal one (200 when only a body is given). */
  status: z.int().min(200).max(599).optional(),
  body: z.string().optional(),
  body_base64: z.base64().optional(),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  /** Wait this long before acting; alone, it delays the normal answer. */
  delay_ms: z.int().nonnegative().optional(),
  /** Destroy the socket without answering; `after_create` makes the run first (a lost answer). */
  drop: z.enum(['before', 'after_create']).optional(),
  /** Never answer (until the client gives up or the fake closes). */
  hang: z.literal(true).optional(),
  /** Whether a scripted status still creates the run first. */
  create: z.boolean().optional(),
});
export type FakeFault = z.infer<typeof FakeFault>;

const FaultsRequest = z.strictObject({ route: z.string(), faults: z.array(FakeFault) });

export const FakeSeerConfig = z.strictObject({
  latency_ms: z.int().nonnegative(),
  /** null leaves the flag out of the explorer answer (an older Seer). */
  has_explorer_index: z.boolean().nullable(),
  has_org_project_context: z.boolean().nullable(),
  /** An outage for every run route until turned off: answer 503, or drop the connection. */
  outage: z.enum(['none', 'status_503', 'drop']),
  /** Share (0..1) of run requests answered 503 at random, before any run is made. */
  transient_error_rate: z.number().min(0).max(1),
});
export type FakeSeerConfig = z.infer<typeof FakeSeerConfig>;

export interface RecordedRequest {
  route: string;
  key: string | null;
  signature_ok: boolean;
  /** null when no viewer context was sent. */
  viewer_context_ok: boolean | null;
  /** What was answered; null when the connection was dropped, hung, or gone before the answer. */
  status: number | null;
  at: number;
  headers: Record<string, string | undefined>;
  /** The parsed JSON body, or null when it was not JSON. */
  body: unknown;
  /** SHA-256 (hex) of the raw bytes received: tests compare it with what was signed. */
  body_sha256: string;
  fault: FakeFault | null;
}

export interface FakeRun {
  key: string;
  route: string;
  run_id: number;
  created_at: number;
}

/** Everything the fake remembers; reachable in-process and through the control API alike. */
export class FakeSeerState {
  readonly requests: RecordedRequest[] = [];
  config: FakeSeerConfig;
  readonly #runs = new Map<string, FakeRun>();
  readonly #faults = new Map<string, FakeFault[]>();
  readonly #firstRunId: number;
  #nextRunId: number;

  constructor(firstRunId: number, config: FakeSeerConfig) {
    this.#firstRunId = firstRunId;
    this.#nextRunId = firstRunId;
    this.config = config;
  }

  get runs(): FakeRun[] {
    return [...this.#runs.values()];
  }

  /** One run per (route, key): a repeated key gets the run made the first time. */
  runFor(route: string, key: string): FakeRun {
    const id = `${route} ${key}`;
    let run = this.#runs.get(id);
    if (run === undefined) {
      run = { key, route, run_id: this.#nextRunId++, created_at: Date.now() };
      this.#runs.set(id, run);
    }
    return run;
  }

  queueFaults(route: string, faults: FakeFault[]): void {
    if (!isSeerRoute(route)) throw new Error(`the fake Seer has no route ${route}`);
    this.#faults.set(route, [...(this.#faults.get(route) ?? []), ...faults]);
  }

  takeFault(route: string): FakeFault | undefined {
    return this.#faults.get(route)?.shift();
  }

  reset(): void {
    this.requests.length = 0;
    this.#runs.clear();
    this.#faults.clear();
    this.#nextRunId = this.#firstRunId;
  }
}

export interface FakeSeerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  sharedSecret: string;
  latencyMs?: number;
  firstRunId?: number;
  /** Serve /__control/* (off by default: it lets anyone script the answers). */
  control?: boolean;
  logger?: Logger;
}

export interface FakeSeer {
  url: string;
  port: number;
  state: FakeSeerState;
  queueFaults(route: string, faults: FakeFault[]): void;
  configure(config: Partial<FakeSeerConfig>): FakeSeerConfig;
  reset(): void;
  /** Stops listening and destroys every connection, hung ones included. */
  close(): Promise<void>;
}

export async function startFakeSeer(options: FakeSeerOptions): Promise<FakeSeer> {
  const state = new FakeSeerState(options.firstRunId ?? 1, {
    latency_ms: options.latencyMs ?? 0,
    has_explorer_index: true,
    has_org_project_context: true,
    outage: 'none',
    transient_error_rate: 0,
  });
  const closing = new AbortController();
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (closing.signal.aborted) return;
      options.logger?.error({ err, url: req.url }, 'fake Seer failed to answer');
      if (!res.headersSent) sendJson(res, 500, { detail: 'fake Seer error' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = await readBody(req);
    if (options.control === true && path.startsWith(CONTROL_PREFIX)) {
      handleControl(req.method, path.slice(CONTROL_PREFIX.length), raw, res);
      return;
    }
    if (!isSeerRoute(path)) return sendJson(res, 404, { detail: `no route ${path}` });
    if (req.method !== 'POST') return sendJson(res, 405, { detail: 'POST only' });
    await handleSeer(req, res, path, raw);
  }

  async function handleSeer(
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    raw: Buffer,
  ): Promise<void> {
    const body = parseJson(raw);
    const key =
      isObject(body) && typeof body.external_idempotency_key === 'string'
        ? body.external_idempotency_key
        : null;
    const viewerContext = header(req, VIEWER_CONTEXT_HEADER);
    const entry: RecordedRequest = {
      route,
      key,
      signature_ok: verifyRpcAuthorization(options.sharedSecret, raw, header(req, 'authorization')),
      viewer_context_ok:
        viewerContext === undefined
          ? null
          : verifySignature(
              options.sharedSecret,
              // Header values arrive as latin1; the signature covers those bytes.
              Buffer.from(viewerContext, 'latin1'),
              header(req, VIEWER_CONTEXT_SIGNATURE_HEADER) ?? '',
            ),
      status: null,
      at: Date.now(),
      headers: {
        authorization: header(req, 'authorization'),
        'content-type': header(req, 'content-type'),
        [VIEWER_CONTEXT_HEADER]: viewerContext,
        [VIEWER_CONTEXT_SIGNATURE_HEADER]: header(req, VIEWER_CONTEXT_SIGNATURE_HEADER),
      },
      body: body === undefined ? null : body,
      body_sha256: createHash('sha256').update(raw).digest('hex'),
      fault: null,
    };
    state.requests.push(entry);
    const answer = (status: number, payload: Buffer, headers: FakeFault['headers'] = {}) => {
      if (res.destroyed || req.socket.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(payload);
      entry.status = status;
      options.logger?.debug({ route, key, status }, 'fake Seer answered');
    };
    const answerJson = (status: number, payload: unknown, headers?: FakeFault['headers']) =>
      answer(status, Buffer.from(JSON.stringify(payload)), headers);

    if (!entry.signature_ok) return answerJson(401, { detail: 'invalid signature' });
    if (entry.viewer_context_ok === false) {
      return answerJson(401, { detail: 'invalid viewer context signature' });
    }
    if (body === undefined) return answerJson(400, { detail: 'body is not JSON' });
    const problem = invalidField(body, RUN_ROUTES[route] ?? INDEX_ROUTES[route] ?? {});
    if (problem !== null) return answerJson(400, { detail: problem });

    if (Object.hasOwn(RUN_ROUTES, route)) {
      const { outage, transient_error_rate } = state.config;
      if (outage === 'drop') {
        req.socket.destroy();
        return;
      }
      if (outage === 'status_503' || Math.random() < transient_error_rate) {
        return answerJson(503, { detail: 'Seer is unavailable (fake outage)' });
      }
    }
    const fault = state.takeFault(route);
    entry.fault = fault ?? null;
    const create = () => (key === null ? undefined : state.runFor(route, key));
    const delayMs = fault === undefined ? state.config.latency_ms : (fault.delay_ms ?? 0);
    // A client that gave up does not stop Seer: the run is still made, as a lost answer would be.
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: closing.signal });

    if (fault?.hang === true) return;
    if (fault?.drop !== undefined) {
      if (fault.drop === 'after_create') create();
      req.socket.destroy();
      return;
    }
    if (
      fault !== undefined &&
      (fault.status !== undefined || fault.body !== undefined || fault.body_base64 !== undefined)
    ) {
      if (fault.create === true) create();
      const payload =
        fault.body_base64 !== undefined
          ? Buffer.from(fault.body_base64, 'base64')
          : Buffer.from(fault.body ?? '', 'utf8');
      return answer(fault.status ?? 200, payload, fault.headers);
    }
    const run = create();
    if (run === undefined) return answerJson(200, {}, fault?.headers);
    return answerJson(200, successBody(route, run.run_id), fault?.headers);
  }

  function successBody(route: string, runId: number): Record<string, unknown> {
    if (route !== EXPLORER_CHAT_ROUTE) return { run_id: runId };
    const { has_explorer_index, has_org_project_context } = state.config;
    return {
      run_id: runId,
      ...(has_explorer_index === null ? {} : { has_explorer_index }),
      ...(has_org_project_context === null ? {} : { has_org_project_context }),
    };
  }

  function configure(change: Partial<FakeSeerConfig>): FakeSeerConfig {
    state.config = FakeSeerConfig.parse({ ...state.config, ...change });
    return state.config;
  }

  function handleControl(
    method: string | undefined,
    action: string,
    raw: Buffer,
    res: ServerResponse,
  ): void {
    const route = `${method ?? ''} ${action}`;
    if (route === 'GET requests') return sendJson(res, 200, { requests: state.requests });
    if (route === 'GET runs') return sendJson(res, 200, { runs: state.runs });
    if (route === 'POST reset') {
      state.reset();
      return sendJson(res, 200, {});
    }
    if (route === 'POST faults') {
      const parsed = FaultsRequest.safeParse(parseJson(raw));
      if (!parsed.success) return sendJson(res, 400, { detail: z.prettifyError(parsed.error) });
      if (!isSeerRoute(parsed.data.route)) {
        return sendJson(res, 400, { detail: `no route ${parsed.data.route}` });
      }
      state.queueFaults(parsed.data.route, parsed.data.faults);
      return sendJson(res, 200, { queued: parsed.data.faults.length });
    }
    if (route === 'POST config') {
      const parsed = FakeSeerConfig.partial().safeParse(parseJson(raw));
      if (!parsed.success) return sendJson(res, 400, { detail: z.prettifyError(parsed.error) });
      return sendJson(res, 200, configure(parsed.data));
    }
    return sendJson(res, 404, { detail: `no control route ${route}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    state,
    queueFaults: (route, faults) =>
      state.queueFaults(
        route,
        faults.map((f) => FakeFault.parse(f)),
      ),
    configure,
    reset: () => state.reset(),
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function isSeerRoute(route: string): boolean {
  return Object.hasOwn(RUN_ROUTES, route) || Object.hasOwn(INDEX_ROUTES, route);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** undefined when the bytes are not JSON (JSON's own null is a value). */
function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const bytes = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(bytes);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first required field that is missing or of the wrong kind, as a sentence; else null. */
function invalidField(body: unknown, fields: Record<string, FieldKind>): string | null {
  if (!isObject(body)) return 'body is not a JSON object';
  for (const [path, kind] of Object.entries(fields)) {
    let value: unknown = body;
    for (const part of path.split('.')) value = isObject(value) ? value[part] : undefined;
    if (!hasKind(value, kind)) {
      return value === undefined ? `missing field ${path}` : `field ${path}: expected ${kind}`;
    }
  }
  return null;
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'integer':
      return Number.isInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'non-empty string':
      return typeof value === 'string' && value.length > 0;
    case 'object':
      return isObject(value);
    case 'list':
      return Array.isArray(value);
    case 'integer list':
      return Array.isArray(value) && value.every((item) => Number.isInteger(item));
    case 'null':
      return value === null;
    case 'integer or null':
      return value === null || Number.isInteger(value);
    case 'string or null':
      return value === null || typeof value === 'string';
    default:
      return assertNever(kind);
  }
}
