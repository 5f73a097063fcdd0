// Errors answered on purpose over HTTP, and Fastify's own client errors as such answers. Shared by
// the API and the codec server: every error body is `{"error": code, "detail": sentence, ...}`.
// The codes are the wire contract's (`HttpErrorCode` in src/contract/error-codes.ts, a part of the
// API's whole list `ApiErrorCode`).
import type { FastifyError } from 'fastify';
import { quoted } from '../contract/client-text';
import { HttpErrorCode } from '../contract/error-codes';

export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly detail: string,
    readonly fields: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/**
 * Fastify's client errors, matched by their FST_ERR_* codes, as answers; null for any other
 * error. `invalidBody` words a body that is empty or not JSON, as each server describes its body.
 */
export function fastifyClientError(
  err: Error,
  bodyLimit: number,
  invalidBody: (problem: string) => HttpError,
): HttpError | null {
  const { code, statusCode } = err as FastifyError;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(
        413,
        HttpErrorCode.payload_too_large,
        `the body is larger than ${bodyLimit} bytes`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(
        415,
        HttpErrorCode.unsupported_media_type,
        'send the body as JSON with "Content-Type: application/json"',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidBody('is empty; expected a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidBody('is not valid JSON');
    default:
      break;
  }
  // Other client errors Fastify raises (bad Content-Length...) carry its own sentences, which may
  // repeat a header the client sent.
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new HttpError(statusCode, HttpErrorCode.invalid_request, quoted(err.message));
  }
  return null;
}
