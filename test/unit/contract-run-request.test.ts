import { bindRunRequest } from '../../src/contract/run-request';
import type { CreateRunBody } from '../../src/contract/seer-runs-requests';

const ORG = 42;

function bound(body: CreateRunBody) {
  const result = bindRunRequest(ORG, body);
  if (!result.ok) throw new Error(`unexpected issues: ${JSON.stringify(result.issues)}`);
  return result.run;
}

function issues(body: CreateRunBody) {
  const result = bindRunRequest(ORG, body);
  if (result.ok) throw new Error('expected issues');
  return result.issues;
}

describe('binding a POST body to its organization', () => {
  it('fills the organization field from the path and defaults the nullable fields', () => {
    expect(bound({ type: 'explorer', request: { query: 'q' } })).toEqual({
      type: 'explorer',
      project_id: null,
      request: {
        organization_id: ORG,
        query: 'q',
        run_id: null,
        insert_index: null,
        on_page_context: null,
      },
      viewer_context: null,
    });
    expect(
      bound({
        type: 'assisted_query',
        request: { org_slug: 's', project_ids: [], natural_language_query: 'q', strategy: 's' },
      }).request.org_id,
    ).toBe(ORG);
  });

  it('accepts the same organization in the request', () => {
    expect(
      bound({ type: 'explorer', request: { query: 'q', organization_id: ORG } }).request,
    ).toMatchObject({ organization_id: ORG });
  });

  it('refuses a request naming another organization, by its field', () => {
    expect(issues({ type: 'explorer', request: { query: 'q', organization_id: 7 } })).toEqual([
      { path: 'request.organization_id', message: expect.stringContaining('7') },
    ]);
    expect(
      issues({
        type: 'assisted_query',
        request: {
          org_id: 7,
          org_slug: 's',
          project_ids: [],
          natural_language_query: 'q',
          strategy: 's',
        },
      }),
    ).toEqual([{ path: 'request.org_id', message: expect.any(String) }]);
  });

  it("copies the run's project_id into a request that has one, and takes the request's when the envelope has none", () => {
    expect(
      bound({ type: 'autofix', project_id: 5, request: { issue: { id: 1, title: 't' } } }),
    ).toMatchObject({ project_id: 5, request: { project_id: 5, organization_id: ORG } });
    expect(bound({ type: 'explorer', request: { query: 'q', project_id: 6 } }).project_id).toBe(6);
  });

  it('keeps project_id out of requests that have none', () => {
    const run = bound({
      type: 'feature_run',
      project_id: 5,
      request: { feature_id: 'f', payload: {} },
    });
    expect(run.project_id).toBe(5);
    expect(run.request).not.toHaveProperty('project_id');
  });

  it('refuses a request project_id unlike the run project_id', () => {
    expect(
      issues({ type: 'explorer', project_id: 5, request: { query: 'q', project_id: 6 } }),
    ).toEqual([{ path: 'request.project_id', message: expect.any(String) }]);
  });

  it('refuses a viewer_context of another organization', () => {
    expect(
      issues({ type: 'explorer', request: { query: 'q' }, viewer_context: { organization_id: 7 } }),
    ).toEqual([{ path: 'viewer_context.organization_id', message: expect.any(String) }]);
  });

  it('turns an absent viewer_context into null, never into an object', () => {
    expect(bound({ type: 'explorer', request: { query: 'q' } }).viewer_context).toBeNull();
    expect(
      bound({ type: 'explorer', request: { query: 'q' }, viewer_context: null }).viewer_context,
    ).toBeNull();
  });

  it('cleans NUL characters and lone surrogates, then validates again', () => {
    expect(bound({ type: 'explorer', request: { query: 'a\u0000b\ud800' } }).request.query).toBe(
      'ab',
    );
    expect(issues({ type: 'explorer', request: { query: '\u0000' } })).toEqual([
      { path: 'request.query', message: expect.any(String) },
    ]);
  });

  it('still needs what the type requires once filled in (autofix without a project)', () => {
    expect(issues({ type: 'autofix', request: { issue: { id: 1, title: 't' } } })).toEqual([
      { path: 'request.project_id', message: expect.any(String) },
    ]);
  });
});
