// Turns a validated POST body into the run it asks for: strings cleaned, the organization and
// project filled in from the path and envelope, conflicts with the path refused, defaults applied.
// The API runs it on every POST; the client runs it before sending one (the same 400, word for word).
import { cleanStrings } from '../domain/clean-strings';
import { requestSchemaFor } from '../domain/requests';
import { runTypeSpec, type RunType } from '../domain/run-types';
import type { ViewerContext } from '../domain/seer-run-input';
import { issuesOf, type Issue } from './invalid-request';
import type { CreateRunBody } from './seer-runs-requests';

/** What a run is made of; also what body_sha256 fingerprints (no retry_token, nulls explicit). */
export interface RunRequest {
  type: RunType;
  project_id: number | null;
  request: Record<string, unknown>;
  viewer_context: ViewerContext | null;
}

export type BoundRunRequest = { ok: true; run: RunRequest } | { ok: false; issues: Issue[] };

export function bindRunRequest(organizationId: number, body: CreateRunBody): BoundRunRequest {
  const cleaned = cleanStrings(body) as CreateRunBody;
  const { type } = cleaned;
  const request: Record<string, unknown> = { ...cleaned.request };
  const issues: Issue[] = [];
  const { organizationField, projectField } = runTypeSpec(type);

  if (organizationField !== null) {
    const named = request[organizationField];
    if (named !== undefined && named !== organizationId) {
      issues.push({
        path: `request.${organizationField}`,
        message: `names organization ${JSON.stringify(named)}, but the path names ${organizationId}`,
      });
    }
    request[organizationField] = organizationId;
  }

  let projectId = cleaned.project_id ?? null;
  if (projectField !== null) {
    const named = request[projectField] as number | undefined;
    if (named !== undefined && projectId !== null && named !== projectId) {
      issues.push({
        path: `request.${projectField}`,
        message: `is ${named}, but the run's project_id is ${projectId}`,
      });
    }
    projectId ??= named ?? null;
    if (projectId !== null) request[projectField] = projectId;
  }

  const viewerContext = cleaned.viewer_context ?? null;
  if (viewerContext !== null && viewerContext.organization_id !== organizationId) {
    issues.push({
      path: 'viewer_context.organization_id',
      message: `is ${viewerContext.organization_id}, but the path names organization ${organizationId}`,
    });
  }
  if (issues.length > 0) return { ok: false, issues };

  // Again with the domain's own schema: filling in may complete a request (autofix's project) and
  // cleaning may empty a string that had to be non-empty.
  const parsed = requestSchemaFor(type).safeParse(request);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error.issues, ['request']) };
  return {
    ok: true,
    run: { type, project_id: projectId, request: parsed.data, viewer_context: viewerContext },
  };
}
