import { listQuery } from '../../src/temporal/client/list';
import { openPageToken, sealPageToken } from '../../src/temporal/client/page-token';

describe('list page tokens', () => {
  const query = listQuery(42, {});
  const temporalToken = Buffer.from('{"CloseTime":"2026-11-25T10:00:00Z"}');

  it("open to Temporal's token for the list that sealed them", () => {
    const sealed = sealPageToken(query, temporalToken);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(openPageToken(query, sealed)!)).toEqual(temporalToken);
  });

  it("do not open for another organization's or filter's list", () => {
    const sealed = sealPageToken(query, temporalToken);
    expect(openPageToken(listQuery(43, {}), sealed)).toBeNull();
    expect(openPageToken(listQuery(42, { status: 'LIVE' }), sealed)).toBeNull();
  });

  it('do not open when made up or cut short', () => {
    expect(openPageToken(query, 'bm90LWEtdG9rZW4')).toBeNull();
    expect(openPageToken(query, 'AAAA')).toBeNull();
    expect(openPageToken(query, sealPageToken(query, temporalToken).slice(0, -4))).toBeNull();
  });
});

describe('the list query', () => {
  it("selects one organization's seerRun workflows", () => {
    expect(listQuery(42, {})).toBe("WorkflowType = 'seerRun' AND SeerOrganizationId = 42");
  });

  it.each([
    ['PENDING', "ExecutionStatus = 'Running' AND SeerRunStatus = 'PENDING'"],
    ['LIVE', "SeerRunStatus = 'LIVE'"],
    ['FAILED', "ExecutionStatus != 'Running' AND SeerRunStatus != 'LIVE'"],
  ] as const)('reads status=%s as GET does', (status, clauses) => {
    expect(listQuery(42, { status, type: 'autofix' })).toBe(
      `WorkflowType = 'seerRun' AND SeerOrganizationId = 42 AND ${clauses} AND SeerRunType = 'autofix'`,
    );
  });
});
