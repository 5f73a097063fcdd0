// What the seer-runs client sends and gets back: the API's wire shapes (README "HTTP API") and the
// typed outcome of startRun. Types only; the names are the API's own (snake_case on the wire).
import type { RunType } from '../domain/run-types';
import type { FailureReason, SeerRunStatus, SeerRunView } from '../domain/seer-run';

export type { FailureReason, RunType, SeerRunStatus };

/** A run as GET, the list and waitForRun answer it. */
export type RunView = SeerRunView;

/** The POST body (README "POST /v1/organizations/{organization_id}/seer-runs"), without retry_token. */
export interface RunBody {
  type: RunType;
  /** The run's project; copied into requests that carry one. */
  project_id?: number;
  /** The type's fields (shared/spec/seer-api.md); the organization is filled in from the path. */
  request: Record<string, unknown>;
  viewer_context?: { organization_id: number; user_id?: number; actor_type?: string } | null;
}

/** One page of GET /v1/organizations/{org}/seer-runs. */
export interface RunPage {
  runs: RunView[];
  /** null on the last page. */
  next_page_token: string | null;
}

/**
 * One answer the client got (or failed to get) while it followed the retry rule: what it sent and
 * what came back. `onAnswer` sees each as it comes; startRun's outcome lists them all.
 */
export interface ClientAnswer {
  method: 'GET' | 'POST';
  /** The path and query sent, e.g. `/v1/organizations/1/seer-runs`. */
  path: string;
  /** The retry_token the POST carried (null when none; always null for a GET). */
  sentToken: string | null;
  /** The HTTP status, or 0 when the API could not be reached or did not answer in time. */
  status: number;
  /** The answer's `error` code, when it was an error answer. */
  error: string | null;
  /** The Retry-After header in seconds, when the answer had one. */
  retryAfterS: number | null;
  /** The parsed JSON body (the text when it was not JSON; null when unreachable). */
  body: unknown;
  /** Why the API was not reached (undici's error code, e.g. ECONNREFUSED), when status is 0. */
  unreachable: string | null;
}

/** Fields every startRun outcome carries: the key that names the run, and what was seen. */
interface OutcomeTrail {
  /**
   * The Idempotency-Key sent (the caller's, or the UUID v4 the client made): send it again to
   * resume. null when the call resumed from a retryToken alone (no key was sent).
   */
  idempotency_key: string | null;
  answers: ClientAnswer[];
}

/** The codes of a 502 that end a run FAILED (README's POST table); seer_unavailable is not one. */
export type FailedCode = 'seer_rejected' | 'seer_invalid_response' | 'seer_run_failed';

/** How startRun ended: the run is LIVE, FAILED, or still pending when the deadline came. */
export type StartRunOutcome =
  | (OutcomeTrail & {
      status: 'LIVE';
      run_id: number;
      /** null on the direct path (an organization not mirrored): no SeerRun was made. */
      run_uuid: string | null;
      /** true when one of this call's requests created the run (201), false when it joined it (200). */
      created: boolean;
    })
  | (OutcomeTrail & {
      status: 'FAILED';
      run_uuid: string | null;
      reason: FailureReason;
      /** Seer's HTTP status, for seer_rejected. */
      seer_status: number | null;
      error: FailedCode;
      detail: string;
    })
  | (OutcomeTrail & {
      status: 'PENDING';
      /**
       * Come back with this (startRun's `retryToken`, or waitForRun on it): the run's UUID. null when
       * no answer named one yet (only 503s, a start not yet made): come back with the same key.
       */
      retry_token: string | null;
    });
