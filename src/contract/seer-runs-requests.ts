// The requests of the /v1/organizations/{organization_id}/seer-runs routes as zod schemas: the
// path, the Idempotency-Key header, the POST body (built from the domain's request schemas), the
// list's and GET's query strings, and their bounds. The API validates with them (Fastify) and
// documents them (@fastify/swagger); the client checks a request with them before sending it.
import { z } from 'zod';
import { RUN_TYPES, runTypeSpec, type RunType } from '../domain/run-types';
import { requestSchemaFor } from '../domain/requests';
import { SeerRunStatus } from '../domain/seer-run';
import { ViewerContext } from '../domain/seer-run-input';
import { MAX_NESTING } from './body-shape';
import { wholeNumberText } from './whole-number-text';

/** A run's or project's id, as JSON carries it. */
export const Id = z.int().nonnegative();

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
