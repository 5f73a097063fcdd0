// Every `error` code an answer of the API can carry: one list, shared by the server (its answers
// use them, the OpenAPI document enumerates them) and the client (it matches on them).

/**
 * The codes of the refusals src/http makes for the API and the codec server alike (the router's,
 * Node's parser's, Fastify's body parsing).
 */
export const HttpErrorCode = {
  invalid_request: 'invalid_request',
  not_found: 'not_found',
  method_not_allowed: 'method_not_allowed',
  payload_too_large: 'payload_too_large',
  unsupported_media_type: 'unsupported_media_type',
  request_too_large: 'request_too_large',
  request_timeout: 'request_timeout',
  internal_error: 'internal_error',
} as const;
export type HttpErrorCode = keyof typeof HttpErrorCode;

/** Every `error` an API answer can carry: the router's and Fastify's (above), then the API's. */
export const ApiErrorCode = {
  ...HttpErrorCode,
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  run_not_found: 'run_not_found',
  idempotency_key_reused: 'idempotency_key_reused',
  retry_token_mismatch: 'retry_token_mismatch',
  seer_run_pending: 'seer_run_pending',
  seer_rejected: 'seer_rejected',
  seer_invalid_response: 'seer_invalid_response',
  seer_run_failed: 'seer_run_failed',
  seer_unavailable: 'seer_unavailable',
  temporal_unavailable: 'temporal_unavailable',
  not_ready: 'not_ready',
  shutting_down: 'shutting_down',
} as const;
export type ApiErrorCode = keyof typeof ApiErrorCode;
