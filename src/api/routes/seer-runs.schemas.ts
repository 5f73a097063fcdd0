// The zod schemas of the /v1/organizations/{organization_id}/seer-runs routes, built from the
// domain's request schemas: Fastify validates with them and @fastify/swagger documents them.
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

const Id = z.int().nonnegative();

/** A path or query id: digits only (no `1e3`, `0x10` or sign), and a safe integer. */
const IdText = z
  .string()
  .regex(/^\d{1,16}$/, 'expected a non-negative whole number')
  .transform(Number)
  .pipe(Id);

/** UUIDs are matched case-insensitively and answered in lower case (spec §3). */
const RunUuid = z.uuid({ error: 'expected a UUID' }).transform((uuid) => uuid.toLowerCase());

export const OrganizationParams = z.object({ organization_id: IdText });
export const RunParams = z.object({ organization_id: IdText, run_uuid: RunUuid });

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Other headers pass through untouched: only the Idempotency-Key has rules. */
export const CreateRunHeaders = z.looseObject({
  [IDEMPOTENCY_KEY_HEADER]: z
    .string()
    .regex(/^[\x20-\x7e]{1,255}$/, 'expected 1 to 255 printable ASCII characters')
    .optional(),
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

export const CreateRunBody: z.ZodType<CreateRunBody, unknown> = z.discriminatedUnion(
  'type',
  RUN_TYPES.map(envelope) as [ReturnType<typeof envelope>, ...ReturnType<typeof envelope>[]],
);

export const RunCreated = z.object({
  run_id: Id,
  /** null on the direct path: no SeerRun was made. */
  run_uuid: z.string().nullable(),
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

export const ListRunsQuery = z.object({
  status: z.enum(SeerRunStatus).optional(),
  type: z.enum(RUN_TYPES).optional(),
  page_size: z
    .string()
    .regex(/^\d{1,4}$/, 'expected a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.int().min(1).max(1000))
    .default(50),
  next_page_token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,8192}$/, 'expected a token from a previous page')
    .optional(),
});

export const RunList = z.object({
  runs: z.array(SeerRunViewSchema),
  next_page_token: z.string().nullable(),
});

/** Every error body: a stable code, a sentence, and the fields the spec adds per code. */
export const ErrorBody = z.looseObject({ error: z.string(), detail: z.string() });
