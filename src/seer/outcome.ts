// What one request to Seer came to, as a value: the activity and the direct path turn it into a
// Temporal failure or an HTTP answer; nothing below them throws for an answer Seer gave.
import type { FailureReason } from '../domain';

export type SeerOutcome =
  | {
      kind: 'live';
      runId: number;
      /** null when Seer did not say (missing or not a boolean): unknown triggers nothing. */
      hasExplorerIndex: boolean | null;
      hasOrgProjectContext: boolean | null;
    }
  | {
      kind: 'terminal';
      reason: FailureReason;
      seerStatus?: number;
      /** The first 512 bytes of Seer's body, decoded leniently: for the log line only. */
      bodySnippet?: string;
    }
  | {
      kind: 'transient';
      seerStatus?: number;
      /** From Seer's Retry-After, uncapped: the caller owns the cap. */
      retryAfterMs?: number;
      /** `http_<status>`, or the network error's code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...). */
      cause: string;
    };

/** A follow-up request (explorer index) only needs to know whether Seer took it: 2xx = ok. */
export type SeerAck =
  | { kind: 'ok'; seerStatus: number }
  | { kind: 'terminal'; seerStatus: number; cause: string; bodySnippet?: string }
  | Extract<SeerOutcome, { kind: 'transient' }>;
