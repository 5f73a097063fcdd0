// The router's and Node's own refusals in the contract's error shape (spec §3 "Edges"): unknown
// route, wrong method, URL or headers too large, malformed URL or header. API and codec server.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type {
  ConnectionError,
  FastifyError,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
  HTTPMethods,
} from 'fastify';
import { quoted } from '../contract/client-text';
import { HttpErrorCode } from '../contract/error-codes';
import { HttpError } from './http-error';

/**
 * Above any path Node's 16 KiB header limit lets through: the router refuses no parameter, so a
 * route's own token check and validation see every one (a 2 KB organization id is 401, then 400).
 */
const MAX_PARAM_LENGTH = 16 * 1024;

const METHODS: readonly HTTPMethods[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
];

export function sendHttpError(reply: FastifyReply, answer: HttpError): FastifyReply {
  return reply
    .code(answer.statusCode)
    .headers(answer.headers)
    .send({ error: answer.code, detail: answer.detail, ...answer.fields });
}

/** 405 with `Allow` when the path has routes for other methods, else 404. */
export function routeNotFound(request: FastifyRequest, hint = ''): HttpError {
  const path = request.url.split('?')[0] ?? '';
  // A prefix's 404 handler sits in the router as a wildcard route: a `*` match is no route.
  const allowed = METHODS.filter((method) => {
    const found = request.server.findRoute({ method, url: path });
    return found !== null && !('*' in (found.params as Record<string, unknown>));
  });
  if (allowed.length > 0) {
    return new HttpError(
      405,
      HttpErrorCode.method_not_allowed,
      `${request.method} is not allowed on ${quoted(path)}; use ${allowed.join(' or ')}`,
      {},
      { allow: allowed.join(', ') },
    );
  }
  return new HttpError(
    404,
    HttpErrorCode.not_found,
    `no route ${request.method} ${quoted(path)}${hint}`,
  );
}

/** What the router refuses before any route (and so any token check) is chosen. */
function frameworkAnswer(err: FastifyError): HttpError | null {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return new HttpError(
        400,
        HttpErrorCode.invalid_request,
        'the URL is malformed: a %-escape does not decode',
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new HttpError(
        414,
        HttpErrorCode.request_too_large,
        `a path segment is longer than ${MAX_PARAM_LENGTH} characters`,
      );
    default:
      return null;
  }
}

function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const answer = frameworkAnswer(err);
  if (answer === null) {
    request.log.error({ err }, 'the router failed');
    void reply
      .code(500)
      .send({ error: HttpErrorCode.internal_error, detail: 'the server failed to answer' });
    return;
  }
  request.log.info({ error: answer.code, detail: answer.detail }, 'request refused');
  void sendHttpError(reply, answer);
}

/** Whether the overflow happened on the request line: nothing parsed yet holds a line feed. */
function requestLineOverflowed(err: ConnectionError): boolean {
  const packet: unknown = err.rawPacket;
  if (!Buffer.isBuffer(packet)) return false;
  const parsed = packet.subarray(0, err.bytesParsed || packet.length);
  return /^[A-Z]+ /.test(parsed.subarray(0, 16).toString('latin1')) && !parsed.includes(0x0a);
}

/** Node's parser refusals: there is no request yet, only the socket. */
export function clientErrorAnswer(err: ConnectionError): HttpError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return requestLineOverflowed(err)
        ? new HttpError(414, HttpErrorCode.request_too_large, 'the URL is too long')
        : new HttpError(431, HttpErrorCode.request_too_large, 'the request headers are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return new HttpError(
        408,
        HttpErrorCode.request_timeout,
        'the request did not arrive in time',
      );
    default: {
      // llhttp's reasons name what it expected, never the bytes it got: safe to repeat.
      const { reason } = err as ConnectionError & { reason?: string };
      return new HttpError(
        400,
        HttpErrorCode.invalid_request,
        `the request is not valid HTTP/1.1: ${quoted(reason ?? err.code)}`,
      );
    }
  }
}

function clientErrorHandler(err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = clientErrorAnswer(err);
  // A response already under way on this kept-alive socket cannot be followed by another one.
  const current = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && current?.headersSent !== true) {
    const body = JSON.stringify({ error: answer.code, detail: answer.detail });
    socket.write(
      `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode] ?? ''}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

/** Fastify options that put the router's and Node's refusals in the error shape. */
export const ROUTER_ERROR_OPTIONS = {
  routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  frameworkErrors,
  clientErrorHandler,
} satisfies FastifyServerOptions;
