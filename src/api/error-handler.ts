// The one error handler: every error becomes `{"error": code, "detail": sentence, ...}`. Fastify's
// own errors are matched by their FST_ERR_* codes; a 5xx never carries the error's message.
import type { FastifyError, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ApiTokens } from '../config';
import { ApiErrorCode } from '../contract/error-codes';
import { pathText, type Issue } from '../contract/invalid-request';
import { fastifyClientError, HttpError } from '../http/http-error';
import { routeNotFound, sendHttpError } from '../http/router-errors';
import { invalidRequest } from './api-error';
import { tokenRefusal } from './auth';
import { httpAnswerFor } from './outcome-to-http';

const WHERE: Record<string, string> = {
  body: 'the request body',
  querystring: 'the query string',
  params: 'the path',
  headers: 'a header',
};

/** `idempotency-key` → `Idempotency-Key`, as the spec and clients spell it. */
function headerName(name: string): string {
  return name.replace(
    /(^|-)([a-z])/g,
    (_, dash: string, letter: string) => dash + letter.toUpperCase(),
  );
}

function validationIssues(
  context: string,
  validation: ReadonlyArray<{
    instancePath: string;
    keyword: string;
    message?: string;
    params: unknown;
  }>,
): Issue[] {
  return validation.flatMap(({ instancePath, keyword, message, params }): Issue[] => {
    const path = instancePath.split('/').filter((part) => part !== '');
    if (context === 'headers' && path[0] !== undefined) path[0] = headerName(path[0]);
    const keys = (params as { keys?: unknown }).keys;
    if (keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((key) => ({
        path: pathText([...path, String(key)]),
        message: 'is not a field of this object',
      }));
    }
    return [{ path: pathText(path), message: message ?? 'is invalid' }];
  });
}

/** The answer for an error, or null when it is ours to hide (a 5xx). */
export function apiErrorOf(err: FastifyError | Error, bodyLimit: number): HttpError | null {
  if (err instanceof HttpError) return err;
  if (err.name === 'TemporalUnavailableError') {
    const answer = httpAnswerFor({ kind: 'temporal_unavailable' });
    const { error, detail, ...fields } = answer.body as { error: string; detail: string };
    return new HttpError(answer.status, error, detail, fields, answer.headers);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = (err as { validationContext?: string }).validationContext ?? 'body';
    return invalidRequest(
      WHERE[context] ?? 'the request',
      validationIssues(context, err.validation),
    );
  }
  return fastifyClientError(err, bodyLimit, (problem) =>
    invalidRequest('the request body', [{ path: '', message: problem }]),
  );
}

export function errorHandlerFor(bodyLimit: number, notFound: NotFound) {
  return function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    // No route: whatever the client got wrong first (a QUERY without Content-Type, a body that
    // does not parse), the answer is the path's, as the not-found handler gives it.
    const status = (err as { statusCode?: unknown }).statusCode;
    const refusedWithoutRoute =
      request.is404 && typeof status === 'number' && status >= 400 && status < 500;
    const known = refusedWithoutRoute ? notFound.answer(request) : apiErrorOf(err, bodyLimit);
    if (known === null || known.statusCode >= 500) {
      request.log.error({ err }, 'request failed');
    } else {
      request.log.info({ error: known.code, detail: known.detail }, 'request refused');
    }
    if (known === null) {
      return reply.code(500).send({
        error: ApiErrorCode.internal_error,
        detail: 'the server failed to answer; quote the request_id when reporting it',
        request_id: request.id,
      });
    }
    return sendHttpError(reply, known);
  };
}

export interface NotFound {
  /** The 401/403 (under /v1), else the 404 or 405, a request without a route gets. */
  answer: (request: FastifyRequest) => HttpError;
  preHandler: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
  handler: (request: FastifyRequest, reply: FastifyReply) => FastifyReply;
}

/**
 * Unknown routes and wrong methods (404 `not_found`, 405 `method_not_allowed`). Under /v1 the
 * token is checked first, as on every /v1 route: a stranger learns nothing about the paths.
 */
export function notFoundFor(tokens: ApiTokens): NotFound {
  const refuse = tokenRefusal(tokens);
  const underV1 = (request: FastifyRequest) => request.url.startsWith('/v1/');
  return {
    answer: (request) => (underV1(request) ? refuse(request) : undefined) ?? routeNotFound(request),
    preHandler: (request, _reply, done) => done(underV1(request) ? refuse(request) : undefined),
    handler: (request, reply) => sendHttpError(reply, routeNotFound(request)),
  };
}
