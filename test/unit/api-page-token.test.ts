import { createHash } from 'node:crypto';
import { listQuery } from '../../src/temporal/client/list';
import { openPageToken, sealPageToken } from '../../src/temporal/client/page-token';

describe('list page tokens', () => {
  const key = 'this-deployment-page-token-key-0001';
  const query = listQuery(42, {});
  const temporalToken = Buffer.from('{"CloseTime":"2026-11-25T10:00:00Z"}');

  it("open to Temporal's token for the list that sealed them", () => {
    const sealed = sealPageToken(key, query, temporalToken);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(openPageToken(key, query, sealed)!)).toEqual(temporalToken);
  });

  it("do not open for another organization's or filter's list", () => {
    const sealed = sealPageToken(key, query, temporalToken);
    expect(openPageToken(key, listQuery(43, {}), sealed)).toBeNull();
    expect(openPageToken(key, listQuery(42, { status: 'LIVE' }), sealed)).toBeNull();
  });

  it('do not open when made up or cut short', () => {
    expect(openPageToken(key, query, 'bm90LWEtdG9rZW4')).toBeNull();
    expect(openPageToken(key, query, 'AAAA')).toBeNull();
    expect(
      openPageToken(key, query, sealPageToken(key, query, temporalToken).slice(0, -4)),
    ).toBeNull();
  });

  it("do not open under another deployment's key", () => {
    const sealed = sealPageToken(key, query, temporalToken);
    expect(openPageToken('another-deployment-page-token-key', query, sealed)).toBeNull();
  });

  it('cannot be forged by recomputing an unkeyed hash of the query and token', () => {
    // The seal before 2026-11-30: sha256(query \0 token), anyone could compute it.
    const forgedWith = (bytes: number) =>
      Buffer.concat([
        createHash('sha256')
          .update(query, 'utf8')
          .update('\0')
          .update(temporalToken)
          .digest()
          .subarray(0, bytes),
        temporalToken,
      ]).toString('base64url');
    expect(openPageToken(key, query, forgedWith(8))).toBeNull();
    expect(openPageToken(key, query, forgedWith(32))).toBeNull();
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
