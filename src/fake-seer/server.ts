// The fake Seer's HTTP server and its public surface: startFakeSeer() listens (port 0 in tests)
// and sends each request to the control API or to Seer's routes (seer-request.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { isSeerRoute } from './contract';
import { answerControl, CONTROL_PREFIX } from './control';
import { answerSeerRequest } from './seer-request';
import { FakeFault, FakeSeerState, type FakeSeerConfig } from './state';
import { readBody, sendJson } from './wire';

export type { RequestHistogram } from './histogram';
export {
  FakeFault,
  FakeSeerConfig,
  FakeSeerState,
  type FakeRun,
  type RecordedRequest,
} from './state';

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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [path = '/', query = ''] = (req.url ?? '/').split('?');
    const raw = await readBody(req);
    if (options.control === true && path.startsWith(CONTROL_PREFIX)) {
      const action = path.slice(CONTROL_PREFIX.length);
      return answerControl(state, req.method, action, new URLSearchParams(query), raw, res);
    }
    if (!isSeerRoute(path)) return sendJson(res, 404, { detail: `no route ${path}` });
    if (req.method !== 'POST') return sendJson(res, 405, { detail: 'POST only' });
    await answerSeerRequest({
      req,
      res,
      route: path,
      raw,
      state,
      sharedSecret: options.sharedSecret,
      closing: closing.signal,
      logger: options.logger,
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (closing.signal.aborted) return;
      options.logger?.error({ err, url: req.url }, 'fake Seer failed to answer');
      if (!res.headersSent) sendJson(res, 500, { detail: 'fake Seer error' });
    });
  });
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
    configure: (change) => state.configure(change),
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
