// The zod schema of each run type's Seer request (fields as in shared/spec/seer-api.md).
// Nullable fields default to null so one schema serves the API (input) and Seer (output).
import { z } from 'zod';
import type { RunType } from './run-types';

const Id = z.int().nonnegative();
const JsonObject = z.record(z.string(), z.unknown());

export const ExplorerRequest = z.strictObject({
  organization_id: Id,
  query: z.string().min(1),
  run_id: z.null().default(null),
  insert_index: z.int().nonnegative().nullable().default(null),
  on_page_context: z.string().nullable().default(null),
  project_id: Id.optional(),
  page_name: z.string().optional(),
  user_org_context: JsonObject.optional(),
  intelligence_level: z.string().optional(),
  reasoning_effort: z.string().optional(),
  is_interactive: z.boolean().optional(),
  query_metadata: z.unknown().optional(),
  metadata: z.unknown().optional(),
  agent_run_options: JsonObject.optional(),
  max_iterations: z.int().positive().optional(),
});
export type ExplorerRequest = z.infer<typeof ExplorerRequest>;

export const AssistedQueryRequest = z.strictObject({
  org_id: Id,
  org_slug: z.string().min(1),
  project_ids: z.array(Id),
  natural_language_query: z.string().min(1),
  strategy: z.string().min(1),
  user_email: z.string().optional(),
  timezone: z.string().optional(),
  options: JsonObject.optional(),
});
export type AssistedQueryRequest = z.infer<typeof AssistedQueryRequest>;

export const AutofixRequest = z.strictObject({
  organization_id: Id,
  project_id: Id,
  issue: z.looseObject({ id: Id, title: z.string() }),
  repos: z.array(z.unknown()).optional(),
  instruction: z.string().optional(),
  options: JsonObject.optional(),
});
export type AutofixRequest = z.infer<typeof AutofixRequest>;

export const FeatureRunRequest = z.strictObject({
  feature_id: z.string().min(1),
  payload: JsonObject,
  agent_run_options: JsonObject.optional(),
});
export type FeatureRunRequest = z.infer<typeof FeatureRunRequest>;

/** Seer has no pr_review route yet: any object is recorded as it came. */
export const PrReviewRequest = JsonObject;
export type PrReviewRequest = z.infer<typeof PrReviewRequest>;

/**
 * Each type's request schema: the second table keyed by run type, beside RUN_TYPE_TABLE
 * (run-types.ts) rather than in it. That table is imported by the workflow bundle, which must stay
 * zod-free (zod took the bundle every worker loads from 1.6 to 4.2 MiB; eslint.config.mjs forbids
 * it in workflows/), so the schemas cannot sit there.
 */
export const REQUEST_SCHEMAS = {
  explorer: ExplorerRequest,
  assisted_query: AssistedQueryRequest,
  autofix: AutofixRequest,
  feature_run: FeatureRunRequest,
  pr_review: PrReviewRequest,
} as const satisfies Record<RunType, z.ZodType>;

export function requestSchemaFor<T extends RunType>(type: T): (typeof REQUEST_SCHEMAS)[T] {
  return REQUEST_SCHEMAS[type];
}
