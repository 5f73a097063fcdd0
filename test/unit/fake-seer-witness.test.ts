// The fake Seer is an independent witness: it checks signatures with its own code
// (src/fake-seer/signature.ts), and the real client's signing must pass that check while any
// wrongly signed request is refused over HTTP with 401 and makes no run (seer-api.md).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { request } from 'undici';
import type { RunType } from '../../src/domain';
import { bodySignatureOk, viewerContextOk } from '../../src/fake-seer/signature';
import { SeerClient } from '../../src/seer/client';
import { rpcAuthorization, signBody, viewerContextHeaders } from '../../src/seer/sign';
import { fakeSeerPerTest } from '../support/fake-seer';

const SECRET = 'witness-secret';
const OTHER_SECRET = 'not-the-secret';
const CHAT = '/v1/automation/explorer/chat';
// Computed with `openssl dgst -sha256 -hmac dev-secret` over "hello", apart from any of our code.
const HELLO_HMAC = '4481d0598468fd448fe1a51f0a7bf58163ddd3290290b1c9928960200373d3fe';

const fakeSeer = fakeSeerPerTest(SECRET);

describe("the fake's own signature check", () => {
  test('accepts the openssl HMAC of the body under the rpc0 scheme', () => {
    expect(
      bodySignatureOk('dev-secret', Buffer.from('hello'), `Rpcsignature rpc0:${HELLO_HMAC}`),
    ).toBe(true);
  });

  test.each([
    ['no Authorization', undefined],
    ['another scheme', `Bearer ${HELLO_HMAC}`],
    ['a truncated signature', `Rpcsignature rpc0:${HELLO_HMAC.slice(2)}`],
    ['a signature with extra bytes', `Rpcsignature rpc0:${HELLO_HMAC}00`],
    ['a signature that is not hex', `Rpcsignature rpc0:${'z'.repeat(64)}`],
  ])('refuses %s without throwing', (_name, authorization) => {
    expect(bodySignatureOk('dev-secret', Buffer.from('hello'), authorization)).toBe(false);
  });

  test("accepts the client's signature of any bytes, and only under the same secret and bytes", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1 }),
        fc.uint8Array({ minLength: 1 }),
        fc.nat(),
        (secret, bytes, at) => {
          const authorization = rpcAuthorization(secret, bytes);
          expect(bodySignatureOk(secret, bytes, authorization)).toBe(true);
          expect(bodySignatureOk(`${secret}!`, bytes, authorization)).toBe(false);
          const tampered = Uint8Array.from(bytes);
          const index = at % tampered.length;
          tampered[index] = (tampered[index]! + 1) % 256;
          expect(bodySignatureOk(secret, tampered, authorization)).toBe(false);
        },
      ),
    );
  });

  test("accepts the client's viewer-context headers for any viewer, non-ASCII actors included", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            organization_id: fc.nat(),
            user_id: fc.nat(),
            actor_type: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }),
          },
          { requiredKeys: ['organization_id'] },
        ),
        (viewer) => {
          const headers = viewerContextHeaders(SECRET, viewer);
          const context = headers['x-viewer-context'];
          const signature = headers['x-viewer-context-signature'];
          expect(viewerContextOk(SECRET, context, signature)).toBe(true);
          expect(viewerContextOk(OTHER_SECRET, context, signature)).toBe(false);
          expect(viewerContextOk(SECRET, `${context} `, signature)).toBe(false);
        },
      ),
    );
  });

  test('checks the viewer-context header bytes as they arrived, latin1 beyond ASCII', () => {
    const context = '{"actor_type":"usér","organization_id":42}';
    const wireBytes = Buffer.from(context, 'latin1');

    expect(viewerContextOk(SECRET, context, signBody(SECRET, wireBytes))).toBe(true);
    expect(viewerContextOk(SECRET, context, signBody(SECRET, Buffer.from(context)))).toBe(false);
  });

  test('has nothing to check when no viewer context was sent', () => {
    expect(viewerContextOk(SECRET, undefined, undefined)).toBeNull();
  });
});

describe("over HTTP, the real client's requests are accepted", () => {
  const requests: Record<Exclude<RunType, 'pr_review'>, Record<string, unknown>> = {
    explorer: {
      organization_id: 42,
      query: 'why is checkout slow?',
      run_id: null,
      insert_index: null,
      on_page_context: null,
    },
    assisted_query: {
      org_id: 42,
      org_slug: 'acme',
      project_ids: [7],
      natural_language_query: 'slow checkouts',
      strategy: 'default',
    },
    autofix: { organization_id: 42, project_id: 7, issue: { id: 1, title: 'TypeError' } },
    feature_run: { feature_id: 'weekly-digest', payload: { week: 47 } },
  };

  test.each(Object.entries(requests))(
    'a signed %s run with a non-ASCII viewer goes live, both signatures verified',
    async (type, body) => {
      const seer = await fakeSeer();
      const client = new SeerClient({
        baseUrl: seer.url,
        sharedSecret: SECRET,
        requestTimeoutMs: 2_000,
      });
      const outcome = client
        .startRun({
          type: type as RunType,
          runUuid: randomUUID(),
          request: body,
          viewerContext: { organization_id: 42, user_id: 9, actor_type: 'usér✓' },
        })
        .finally(() => client.close());

      await expect(outcome).resolves.toMatchObject({ kind: 'live', runId: 1 });
      expect(seer.state.requests).toMatchObject([
        { signature_ok: true, viewer_context_ok: true, status: 200 },
      ]);
    },
  );
});

describe('over HTTP, a wrongly signed request gets 401 and makes no run', () => {
  const body = {
    organization_id: 42,
    query: 'why is checkout slow?',
    run_id: null,
    insert_index: null,
    on_page_context: null,
    external_idempotency_key: randomUUID(),
  };
  const bytes = Buffer.from(JSON.stringify(body));
  const viewer = '{"actor_type":"user","organization_id":42}';
  const signedViewer = {
    'x-viewer-context': viewer,
    'x-viewer-context-signature': signBody(SECRET, Buffer.from(viewer)),
  };
  const INVALID_SIGNATURE = '{"detail":"invalid signature"}';
  const INVALID_VIEWER = '{"detail":"invalid viewer context signature"}';

  test.each([
    [
      'signed with another secret',
      { authorization: rpcAuthorization(OTHER_SECRET, bytes) },
      INVALID_SIGNATURE,
    ],
    [
      'body changed after signing',
      {
        authorization: rpcAuthorization(
          SECRET,
          Buffer.from(JSON.stringify({ ...body, query: 'x' })),
        ),
      },
      INVALID_SIGNATURE,
    ],
    ['unsigned', {}, INVALID_SIGNATURE],
    [
      'signed under another scheme',
      { authorization: `Bearer ${signBody(SECRET, bytes)}` },
      INVALID_SIGNATURE,
    ],
    [
      'viewer context changed after signing',
      {
        authorization: rpcAuthorization(SECRET, bytes),
        ...signedViewer,
        'x-viewer-context': viewer.replace('42', '43'),
      },
      INVALID_VIEWER,
    ],
    [
      'viewer context signed with another secret',
      {
        authorization: rpcAuthorization(SECRET, bytes),
        ...signedViewer,
        'x-viewer-context-signature': signBody(OTHER_SECRET, Buffer.from(viewer)),
      },
      INVALID_VIEWER,
    ],
    [
      'viewer context without its signature',
      { authorization: rpcAuthorization(SECRET, bytes), 'x-viewer-context': viewer },
      INVALID_VIEWER,
    ],
  ])('%s', async (_name, headers: Record<string, string>, answer) => {
    const seer = await fakeSeer();

    const response = await request(`${seer.url}${CHAT}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: bytes,
    });

    expect(response.statusCode).toBe(401);
    await expect(response.body.text()).resolves.toBe(answer);
    expect(seer.state.requests).toMatchObject([{ status: 401 }]);
    expect(seer.state.runs).toEqual([]);
  });

  test('the same request correctly signed is accepted, so the refusals are about the signatures', async () => {
    const seer = await fakeSeer();

    const response = await request(`${seer.url}${CHAT}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: rpcAuthorization(SECRET, bytes),
        ...signedViewer,
      },
      body: bytes,
    });

    expect(response.statusCode).toBe(200);
    await expect(response.body.json()).resolves.toMatchObject({ run_id: 1 });
  });
});
