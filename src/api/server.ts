// Listens with explicit socket timeouts and closes gracefully: stop accepting, let in-flight
// requests finish up to a bound, then cut what is left. The app itself comes from app.ts.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { API_ANSWER_MARGIN_MS } from '../config';

export interface ServerOptions {
  host: string;
  port: number;
  /** SYNC_WAIT_TIMEOUT_MS: the longest a POST legitimately holds its socket. */
  syncWaitTimeoutMs: number;
  /** How long close() lets in-flight requests finish before cutting them (config.apiDrainMs). */
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  app: FastifyInstance,
  options: ServerOptions,
): Promise<RunningServer> {
  const server = app.server;
  // Slow-loris bounds: headers and the whole request body must arrive promptly.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // Above common load-balancer idle timeouts (60 s), so the balancer closes idle sockets first.
  server.keepAliveTimeout = 65_000;
  // Socket inactivity: a POST is silent while it waits for the run, so allow for the full wait.
  server.timeout = options.syncWaitTimeoutMs + API_ANSWER_MARGIN_MS;

  // Node keeps a kept-alive socket open after the last answer, so a draining server would wait
  // for it until keepAliveTimeout: answers sent while closing tell the client to hang up.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!server.listening) reply.header('connection', 'close');
    done(null, payload);
  });

  await app.listen({ host: options.host, port: options.port });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const shutdownTimeoutMs =
    options.shutdownTimeoutMs ?? options.syncWaitTimeoutMs + API_ANSWER_MARGIN_MS;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        // Fastify stops accepting, answers 503 to new requests on kept-alive sockets, closes
        // idle sockets and waits for in-flight requests.
        const closed = app.close();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs);
        });
        if ((await Promise.race([closed, timedOut])) === 'timeout') {
          app.log.warn(
            { shutdown_timeout_ms: shutdownTimeoutMs },
            'cutting requests still in flight',
          );
          server.closeAllConnections();
        }
        clearTimeout(timer);
        await closed;
      })();
      return closing;
    },
  };
}
