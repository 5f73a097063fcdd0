// The package entry point `seer-runs/client`: the typed client of the seer-runs HTTP API, its
// outcomes and its errors (README "Client"). Nothing of the server runs in the caller's process.
export {
  SeerRunsClient,
  DEFAULT_DEADLINE_MS,
  type Deadline,
  type ListRunsOptions,
  type SeerRunsClientOptions,
  type StartRunOptions,
  type WaitOptions,
} from './client';
export {
  ApiErrorCode,
  InvalidRequestError,
  SeerRunsApiError,
  SeerRunsError,
  SeerRunsUnreachableError,
  type Issue,
} from './errors';
export type {
  ClientAnswer,
  FailedCode,
  FailureReason,
  RunBody,
  RunPage,
  RunType,
  RunView,
  SeerRunStatus,
  StartRunOutcome,
} from './types';
