// The client's check of a request before it is sent: the API's own schemas and checks (the wire
// contract, src/contract), in the API's order, so a refused request gets the 400 body the API would
// have answered, word for word.
import { shapeIssue } from '../contract/body-shape';
import { invalidRequestBody, issuesOf, type Issue } from '../contract/invalid-request';
import { bindRunRequest } from '../contract/run-request';
import {
  CreateRunBody,
  CreateRunHeaders,
  IDEMPOTENCY_KEY_HEADER,
  ListRunsQuery,
  OrganizationParams,
  RunParams,
} from '../contract/seer-runs-requests';
import { InvalidRequestError } from './errors';

type Where = 'the request body' | 'the path' | 'the query string' | 'a header';

function refused(where: Where, issues: Issue[]): InvalidRequestError {
  return new InvalidRequestError(invalidRequestBody(where, issues), false);
}

/** The organization as the path carries it: digits only, a safe integer. */
function organizationIssue(organizationId: number): InvalidRequestError | null {
  const parsed = OrganizationParams.safeParse({ organization_id: String(organizationId) });
  return parsed.success ? null : refused('the path', issuesOf(parsed.error.issues));
}

/**
 * A POST's refusal, or null when the API would take it: the body as JSON carries it (strict shape:
 * nesting, keys), the path, the body's schema, the Idempotency-Key, then the body bound to the
 * organization (another organization or project named inside it).
 */
export function checkRunPost(
  organizationId: number,
  body: unknown,
  idempotencyKey: string | null,
): InvalidRequestError | null {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch {
    return refused('the request body', [{ path: '', message: 'is not valid JSON' }]);
  }
  if (text === undefined) {
    return refused('the request body', [{ path: '', message: 'is empty; expected a JSON object' }]);
  }
  const json: unknown = JSON.parse(text);
  const shape = shapeIssue(json);
  if (shape !== null) return refused('the request body', [shape]);
  const path = organizationIssue(organizationId);
  if (path !== null) return path;
  const parsed = CreateRunBody.safeParse(json);
  if (!parsed.success) return refused('the request body', issuesOf(parsed.error.issues));
  const header = CreateRunHeaders.safeParse(
    idempotencyKey === null ? {} : { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey },
  );
  if (!header.success) {
    return refused(
      'a header',
      issuesOf(header.error.issues).map((issue) => ({ ...issue, path: 'Idempotency-Key' })),
    );
  }
  const bound = bindRunRequest(organizationId, parsed.data);
  return bound.ok ? null : refused('the request body', bound.issues);
}

/** A GET of one run's refusal (path), or null. */
export function checkRunPath(organizationId: number, runUuid: string): InvalidRequestError | null {
  const parsed = RunParams.safeParse({
    organization_id: String(organizationId),
    run_uuid: runUuid,
  });
  return parsed.success ? null : refused('the path', issuesOf(parsed.error.issues));
}

/** A list's refusal (path, then query string), or null. */
export function checkListQuery(
  organizationId: number,
  query: Record<string, string>,
): InvalidRequestError | null {
  const path = organizationIssue(organizationId);
  if (path !== null) return path;
  const parsed = ListRunsQuery.safeParse(query);
  return parsed.success ? null : refused('the query string', issuesOf(parsed.error.issues));
}
