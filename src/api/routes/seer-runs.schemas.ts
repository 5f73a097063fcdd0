// The zod schemas of the /v1/organizations/{organization_id}/seer-runs routes, built from the
// domain's request schemas: Fastify validates with them and @fastify/swagger documents them, with
// every answer each route can give (src/api/openapi.ts words the errors and headers).
import { z } from 'zod';
import {
  FAILURE_REASONS,
  RUN_TYPES,
  SeerRunStatus,
  ViewerContext,
  runTypeSpec,
  requestSchemaFor,
  type RunType,
} from '../../domain';

import { MAX_NESTING } from '../json-body';
import {
  answer,
  authAnswers,
  errorAnswer,
  Header,
  IssueList,
  ROUTER_ANSWERS,
  SHUTTING_DOWN,
  wholeNumberText,
} from '../openapi';

const Id = z.int().nonnegative();

/** A path id: digits only (no `1e3`, `0x10` or sign), and a safe integer. */
const IdText = wholeNumberText(0, Number.MAX_SAFE_INTEGER, 'expected a non-negative whole number');

/** UUIDs are matched case-insensitively and answered in lower case (spec §3). */
const RunUuid = z.uuid({ error: 'expected a UUID' }).transform((uuid) => uuid.toLowerCase());

const OrganizationId = IdText.meta({
  description: 'the organization; the token must be allowed to act for it (else 403)',
});

export const OrganizationParams = z.object({ organization_id: OrganizationId });
export const RunParams = z.object({
  organization_id: OrganizationId,
  run_uuid: RunUuid.meta({ description: 'the run (matched case-insensitively)' }),
});

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Other headers pass through untouched: only the Idempotency-Key has rules. */
const IDEMPOTENCY_KEY_RULE = 'expected 1 to 255 printable ASCII characters';
export const CreateRunHeaders = z.looseObject({
  [IDEMPOTENCY_KEY_HEADER]: z
    .string()
    // abort: one issue for a key of the wrong length, not the same sentence twice.
    .min(1, { error: IDEMPOTENCY_KEY_RULE, abort: true })
    .max(255, { error: IDEMPOTENCY_KEY_RULE, abort: true })
    // No space first or last: HTTP strips them, so such a key never arrives as it was sent.
    .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, IDEMPOTENCY_KEY_RULE)
    .optional()
    .meta({
      description:
        'names the run: the same key (and body) from the same organization is the same run, whatever happens to the request. Sent at most once (twice is 400). Without it every POST makes a new run',
    }),
});

// The client may not choose what Seer dedupes and looks runs up by: a request that names them
// is refused rather than silently rewritten, so the client learns to send an Idempotency-Key.
const ServiceOwned = z
  .never({ error: 'is set by the service; send an Idempotency-Key header to name the run' })
  .optional();

/**
 * The type's request as a client sends it: the domain schema, with the organization field (and
 * the project, for types whose request has one) optional because the API fills them in.
 */
function clientRequestSchema(type: RunType) {
  const schema = requestSchemaFor(type);
  const serviceOwned = { external_idempotency_key: ServiceOwned, ref: ServiceOwned };
  if (!(schema instanceof z.ZodObject)) return z.looseObject(serviceOwned);
  const shape = schema.shape as Record<string, z.ZodType>;
  const filledIn: Record<string, z.ZodType> = {};
  const { organizationField, projectField } = runTypeSpec(type);
  for (const field of [organizationField, projectField]) {
    if (field !== null && shape[field]) filledIn[field] = shape[field].optional();
  }
  return (schema as z.ZodObject).extend({ ...filledIn, ...serviceOwned });
}

function envelope(type: RunType) {
  return z.strictObject({
    type: z.literal(type),
    project_id: Id.optional(),
    request: clientRequestSchema(type),
    viewer_context: ViewerContext.nullable().optional(),
    retry_token: RunUuid.optional(),
  });
}

/** The POST body as Fastify hands it to the handler (validated, defaults applied). */
export interface CreateRunBody {
  type: RunType;
  project_id?: number | undefined;
  request: Record<string, unknown>;
  viewer_context?: ViewerContext | null | undefined;
  retry_token?: string | undefined;
}

/** Spec §3: bodies above this are 413. Runs carry queries and issue context, not attachments. */
export const BODY_LIMIT_BYTES = 256 * 1024;

export const CreateRunBody: z.ZodType<CreateRunBody, unknown> = z
  .discriminatedUnion(
    'type',
    RUN_TYPES.map(envelope) as [ReturnType<typeof envelope>, ...ReturnType<typeof envelope>[]],
  )
  .meta({
    description: [
      `The run to make, as JSON (Content-Type: application/json; anything else is 415) of at most ${BODY_LIMIT_BYTES} bytes (more is 413), nested at most ${MAX_NESTING} levels deep.`,
      "The API fills the request's organization field from the path, copies project_id into requests that carry one, and removes NUL characters and lone surrogates from strings.",
      "Beyond this schema, each of these is 400 invalid_request naming the path: bytes that are not UTF-8; a request's organization field naming another organization than the path;",
      "a request's project field differing from project_id; viewer_context.organization_id naming another organization than the path;",
      'a string that had to be non-empty and is empty once cleaned; two keys of one object equal once cleaned; a key that is, or cleans to, __proto__;',
      'a number beyond ±1.8e308.',
    ].join(' '),
    'x-max-body-bytes': BODY_LIMIT_BYTES,
    'x-max-nesting-depth': MAX_NESTING,
  });

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

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 50;
const PAGE_TOKEN_RULE = 'expected a token from a previous page';

export const ListRunsQuery = z.object({
  status: z
    .enum(SeerRunStatus)
    .optional()
    .meta({ description: 'FAILED includes runs terminated, cancelled or timed out' }),
  type: z.enum(RUN_TYPES).optional(),
  page_size: wholeNumberText(1, MAX_PAGE_SIZE, 'expected a whole number from 1 to 1000')
    .default(DEFAULT_PAGE_SIZE)
    .meta({
      description: `at most this many runs, ${DEFAULT_PAGE_SIZE} when absent (a page may hold fewer and still have a next_page_token)`,
    }),
  next_page_token: z
    .string()
    .min(1, { error: PAGE_TOKEN_RULE, abort: true })
    .max(8192, { error: PAGE_TOKEN_RULE, abort: true })
    .regex(/^[A-Za-z0-9_-]+$/, PAGE_TOKEN_RULE)
    .optional()
    .meta({
      description:
        "the previous page's next_page_token, for the same organization and filters; any other token is 400",
    }),
});

/** GET one run: `wait` is bounded by the sync wait, as a POST's wait is. */
export function getRunQuery(maxWaitS: number) {
  return z.object({
    wait: wholeNumberText(0, maxWaitS, `expected a whole number of seconds from 0 to ${maxWaitS}`)
      .optional()
      .meta({
        description: `seconds to wait while the run is PENDING: the answer comes when it leaves PENDING or the wait ends (then PENDING). At most SYNC_WAIT_TIMEOUT_MS (${maxWaitS} s); 0 or absent answers at once`,
      }),
  });
}

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
