// The 400 `invalid_request` as the API words it: the `issues` list (zod's issues as `{path,
// message}`) and the detail naming the first. Plain data: the API sends it as an HttpError
// (src/api/api-error.ts), the client throws it as an InvalidRequestError before sending.
import type { z } from 'zod';
import { quoted } from './client-text';
import { ApiErrorCode } from './error-codes';

export interface Issue {
  /** Dotted path into the body (`request.organization_id`), or the parameter or header name. */
  path: string;
  message: string;
}

/** The body of a 400 `invalid_request`, in the order the API sends its fields. */
export interface InvalidRequestBody {
  error: typeof ApiErrorCode.invalid_request;
  detail: string;
  issues: Issue[];
}

/**
 * 400 `invalid_request` whose detail names the first problem and whose `issues` list them all.
 * `where` is the part of the request: `the request body`, `the path`, `the query string`, `a header`.
 */
export function invalidRequestBody(where: string, issues: Issue[]): InvalidRequestBody {
  const first = issues[0];
  const detail = first
    ? `${where} is invalid: ${first.path ? `${first.path}: ` : ''}${first.message}`
    : `${where} is invalid`;
  return { error: ApiErrorCode.invalid_request, detail, issues };
}

/** Each name quoted as the client may see it again (at most 100 characters). */
export function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part) => quoted(String(part))).join('.');
}

/**
 * zod's issues as `{path, message}`, under `prefix`. An unknown key becomes one issue at its own
 * path, so the client sees which field to drop rather than the object that holds it.
 */
export function issuesOf(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  prefix: PropertyKey[] = [],
): Issue[] {
  return issues.flatMap((issue): Issue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: pathText([...path, key]),
        message: 'is not a field of this object',
      }));
    }
    return [{ path: pathText(path), message: issue.message }];
  });
}
