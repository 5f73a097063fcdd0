// The errors the API answers on purpose: a status, a stable code, a sentence for humans and the
// body fields the spec adds. Thrown by routes and hooks; the one error handler sends them.
import type { z } from 'zod';

export interface Issue {
  /** Dotted path into the body (`request.organization_id`), or the parameter or header name. */
  path: string;
  message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly detail: string,
    readonly fields: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/** 400 `invalid_request` whose detail names the first problem and whose `issues` list them all. */
export function invalidRequest(where: string, issues: Issue[]): ApiError {
  const first = issues[0];
  const detail = first
    ? `${where} is invalid: ${first.path ? `${first.path}: ` : ''}${first.message}`
    : `${where} is invalid`;
  return new ApiError(400, 'invalid_request', detail, { issues });
}

export function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('.');
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
