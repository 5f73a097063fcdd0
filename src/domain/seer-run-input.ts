// The zod schemas of a run's viewer context and of the workflow's input. Kept apart from the
// constants in seer-run.ts: workflow code imports only types from here, never zod itself.
import { z } from 'zod';
import { RUN_TYPES } from './run-types';

export const ViewerContext = z.strictObject({
  organization_id: z.int().nonnegative(),
  user_id: z.int().nonnegative().optional(),
  actor_type: z.string().min(1).max(64).optional(),
});
export type ViewerContext = z.infer<typeof ViewerContext>;

/** The workflow's input. `request` is validated again by the activity (invalid_payload). */
export const SeerRunInput = z.object({
  run_uuid: z.uuid(),
  type: z.enum(RUN_TYPES),
  organization_id: z.int().nonnegative(),
  project_id: z.int().nonnegative().nullable(),
  request: z.record(z.string(), z.unknown()),
  viewer_context: ViewerContext.nullable(),
  /** EXPLORER_INDEX_TRIGGER as the API saw it: the follow-up's killswitch. */
  explorer_index_trigger: z.boolean(),
  /** SEER_RUN_HEAL_WINDOW: how long the activity keeps retrying. */
  heal_window_ms: z.int().positive(),
  /** SEER_REQUEST_TIMEOUT_MS: one attempt's limit. */
  attempt_timeout_ms: z.int().positive(),
  /** Id of the HTTP request that started the run, echoed in the result (201 vs 200). */
  started_by: z.string(),
});
export type SeerRunInput = z.infer<typeof SeerRunInput>;
