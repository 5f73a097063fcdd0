// What a POST for a run comes to, on either path: the one outcome type the Temporal gateway and
// the direct path produce and src/api/outcome-to-http.ts answers. Types only.
import type { SeerRunFailure } from './seer-run';

/** Why a mirror-path wait ended without the run's result. */
export type PendingWhy =
  /** The run did not close within the sync wait. */
  | 'deadline'
  /** The start or the wait failed part-way: the run may exist. */
  | 'error'
  /** The HTTP client left, so the wait stopped; the run carries on. */
  | 'client_gone'
  /**
   * The POST waited behind its organization's other POSTs (src/api/admission.ts) for its whole
   * sync wait: nothing was started, and a retry with the token answers 404 (spec §3's rule).
   */
  | 'queued';

export type RunOutcome =
  /** Mirror path: the run is LIVE; `created` when this request started it. */
  | { kind: 'live'; organizationId: number; runUuid: string; runId: number; created: boolean }
  /** Direct path: Seer made a run, no SeerRun exists. */
  | { kind: 'direct_live'; runId: number }
  /** runUuid is null on the direct path. */
  | { kind: 'failed'; runUuid: string | null; failure: SeerRunFailure }
  /**
   * Not LIVE in time, or the start may have reached Temporal: the client retries with the token.
   * `retryAfterS`: when to come back, for a POST that was never started ('queued').
   */
  | { kind: 'pending'; runUuid: string; why: PendingWhy; retryAfterS?: number }
  /** Temporal could not be reached before anything was sent: nothing was started. */
  | { kind: 'temporal_unavailable' }
  /** Direct path: Seer answered 5xx/408/429 or could not be reached. */
  | { kind: 'seer_unavailable'; seerStatus?: number; retryAfterMs?: number };

/** The outcomes of a start or wait on Temporal (the mirror path). */
export type MirrorOutcome = Extract<
  RunOutcome,
  { kind: 'live' | 'failed' | 'pending' | 'temporal_unavailable' }
>;

/** The outcomes of the direct path's one request to Seer. */
export type DirectOutcome = Extract<
  RunOutcome,
  { kind: 'direct_live' | 'failed' | 'seer_unavailable' }
>;
