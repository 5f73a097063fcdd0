// The answers of the /v1/organizations/{organization_id}/seer-runs routes, as the OpenAPI
// document states them (src/api/openapi.ts words the errors and headers) and Fastify serializes the
// successes with. Their requests' schemas are the contract's (src/contract/seer-runs-requests.ts).
import { z } from 'zod';
import { FAILURE_REASONS, SeerRunStatus } from '../../domain';
import { BODY_LIMIT_BYTES, Id } from '../../contract/seer-runs-requests';
import {
  answer,
  authAnswers,
  errorAnswer,
  Header,
  IssueList,
  ROUTER_ANSWERS,
  SHUTTING_DOWN,
} from '../openapi';

export const RunCreated = z.object({
  run_id: Id.meta({ description: "Seer's run id" }),
  run_uuid: z
    .string()
    .nullable()
    .meta({ description: 'the SeerRun; null on the direct path (no SeerRun was made)' }),
  status: z.literal(SeerRunStatus.LIVE).optional(),
});

export const SeerRunViewSchema = z.object({
  run_uuid: z.string(),
  type: z.string(),
  organization_id: Id,
  project_id: Id.nullable(),
  status: z.enum(SeerRunStatus),
  run_id: Id.nullable(),
  failure: z
    .object({ reason: z.enum(FAILURE_REASONS), seer_status: z.int().optional() })
    .nullable(),
  attempts: z.int().nonnegative(),
  started_at: z.string(),
  closed_at: z.string().nullable(),
});

export const RunList = z.object({
  runs: z.array(SeerRunViewSchema),
  next_page_token: z.string().nullable(),
});

/** What every /v1 route can answer besides its own answers: the router's, the token check's. */
const V1_ANSWERS = { ...ROUTER_ANSWERS, ...authAnswers() };

const TEMPORAL_UNAVAILABLE = errorAnswer(
  `temporal_unavailable: Temporal could not be reached or did not answer in time, and nothing was started or joined; send the same request again after Retry-After. ${SHUTTING_DOWN}`,
  ['temporal_unavailable', 'shutting_down'],
  { run_uuid: z.string().optional() },
  { 'retry-after': Header.retryAfter(true) },
);

const INTERNAL_ERROR = errorAnswer(
  'an unexpected failure; quote the request_id when reporting it',
  ['internal_error'],
  { request_id: z.string().optional() },
);

export const CREATE_RUN_ANSWERS = {
  200: answer(
    'an existing run, LIVE (the same Idempotency-Key and body, or a retry_token); or, on the direct path (organization not mirrored), the run Seer made (run_uuid null)',
    RunCreated,
  ),
  201: answer(
    'a new run, LIVE within the sync wait',
    RunCreated,
    { location: Header.location },
    {
      getSeerRun: {
        operationId: 'getSeerRun',
        description: 'the run just made (its Location)',
        parameters: {
          organization_id: '$request.path.organization_id',
          run_uuid: '$response.body#/run_uuid',
        },
      },
    },
  ),
  ...V1_ANSWERS,
  400: errorAnswer(
    "the body, the path or the Idempotency-Key header is invalid (see the request body's description for the rules a schema cannot state), the body is not JSON or empty, the Idempotency-Key is sent more than once, or the request is not valid HTTP",
    ['invalid_request'],
    { issues: IssueList.optional() },
  ),
  404: errorAnswer(
    "the retry_token names no run of this organization: the start never reached Temporal (or its organization's turn did not come); send the request again without the token",
    ['run_not_found'],
  ),
  413: errorAnswer(`the body is larger than ${BODY_LIMIT_BYTES} bytes`, ['payload_too_large']),
  415: errorAnswer('the body is not sent as application/json', ['unsupported_media_type']),
  422: errorAnswer(
    "idempotency_key_reused: the Idempotency-Key names a run made from another body (at once, whatever that run's state; a new run needs a new key). retry_token_mismatch: the retry_token and the Idempotency-Key name different runs. Never worth repeating",
    ['idempotency_key_reused', 'retry_token_mismatch'],
    { run_uuid: z.string().optional() },
  ),
  500: errorAnswer(
    'seer_run_pending: the run is not LIVE within the sync wait and keeps retrying by itself; send the same body with its retry_token after Retry-After (Retry-After: 1..60 s; when it names a run that was not started, the token answers 404: send the request again without it). internal_error: an unexpected failure',
    ['seer_run_pending', 'internal_error'],
    { retry_token: z.uuid().optional(), request_id: z.string().optional() },
    { 'retry-after': Header.retryAfter(false, 'sent with seer_run_pending (1..60)') },
  ),
  502: errorAnswer(
    "Seer's answer ended the run: seer_rejected (Seer refused it, 3xx/4xx), seer_invalid_response (Seer's 2xx carried no usable run id), seer_run_failed (invalid_payload, unsupported_type, retries_exhausted, terminated, cancelled, timed_out); or, on the direct path, seer_unavailable (Seer transient or silent within the sync wait)",
    ['seer_rejected', 'seer_invalid_response', 'seer_run_failed', 'seer_unavailable'],
    {
      run_uuid: z.string().optional(),
      reason: z.enum(FAILURE_REASONS).optional(),
      seer_status: z.int().nullable().optional(),
    },
    { 'retry-after': Header.retryAfter(false, "Seer's own, when seer_unavailable came with one") },
  ),
  503: TEMPORAL_UNAVAILABLE,
};

export function getRunAnswers() {
  return {
    200: answer(
      'the run, read from Temporal (no worker needed); with ?wait=, once it left PENDING or the wait ended',
      SeerRunViewSchema,
    ),
    ...V1_ANSWERS,
    400: errorAnswer(
      'the path or the wait parameter is invalid, or the request is not valid HTTP',
      ['invalid_request'],
      { issues: IssueList.optional() },
    ),
    404: errorAnswer(
      'no run with this UUID for this organization (it may never have been made, or Temporal no longer retains it)',
      ['run_not_found'],
    ),
    500: INTERNAL_ERROR,
    503: TEMPORAL_UNAVAILABLE,
  };
}

export const LIST_RUNS_ANSWERS = {
  200: answer("a page of the organization's runs, open first, then newest closed", RunList),
  ...V1_ANSWERS,
  400: errorAnswer(
    'the path or the query string is invalid (a next_page_token not handed out by this list, for this organization and these filters, included), or the request is not valid HTTP',
    ['invalid_request'],
    { issues: IssueList.optional() },
  ),
  500: INTERNAL_ERROR,
  503: TEMPORAL_UNAVAILABLE,
};
