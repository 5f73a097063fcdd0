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
  InvalidRequestError,
  SeerRunsApiError,
  SeerRunsError,
  SeerRunsUnreachableError,
} from './errors';
/** Every `error` code the API answers (README "HTTP API"); another code still arrives as a string. */
export { ApiErrorCode } from '../contract/error-codes';
/** A 400's `issues`: where in the request, and what is wrong there. */
export type { Issue } from '../contract/invalid-request';
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
