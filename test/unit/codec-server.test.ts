// The codec server as the Web UI and `temporal --codec-endpoint` see it: proto-JSON payloads in and
// out, CORS for the UI's origin only, a bearer token, and one-line errors naming what is wrong.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import pino from 'pino';
import { Pool } from 'undici';
import { buildCodecServer, type CodecServerDeps } from '../../src/codec-server/app';
import { DEV_UI_ORIGINS, loadCodecServerConfig } from '../../src/codec-server/main';
import { AesGcmPayloadCodec, type PayloadKey } from '../../src/temporal/codec';
import { httpRequest, rawRequest } from '../support/raw-http';

const UI = 'http://127.0.0.1:8233';
const TOKEN = 'codec-test-token';
const keys: PayloadKey[] = [{ id: 'k1', key: randomBytes(32) }];
const input = { query: 'why does checkout fail?', viewer: { id: 42 } };

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toJson = (payload: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const fromJson = (json: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(json.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(json.data ?? '', 'base64'),
});
const metadataText = (json: JsonPayload, key: string) =>
  Buffer.from(json.metadata?.[key] ?? '', 'base64').toString('utf8');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // Tests read answers field by field; the shape is what they assert.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

interface Served {
  url: string;
  call(
    method: 'POST' | 'OPTIONS',
    path: string,
    headers?: Record<string, string>,
    body?: unknown,
  ): Promise<Answer>;
  close(): Promise<void>;
}

// A real socket on port 0: under this Jest setup (Node 20, no ESM transform of node_modules)
// Fastify's inject() cannot load light-my-request's ESM-only `cookie` dependency.
async function serve(overrides: Partial<CodecServerDeps> = {}): Promise<Served> {
  const app = buildCodecServer({
    keys,
    token: TOKEN,
    corsOrigins: [UI],
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const pool = new Pool(`http://127.0.0.1:${port}`);
  return {
    url: `http://127.0.0.1:${port}`,
    async call(method, path, headers = {}, body = undefined) {
      const answer = await pool.request({
        method,
        path,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await answer.body.text();
      return {
        status: answer.statusCode,
        headers: answer.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
    },
    async close() {
      await pool.close();
      await app.close();
    },
  };
}

const auth = { authorization: `Bearer ${TOKEN}` };

describe('the codec server', () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve();
  });
  afterAll(() => server.close());

  it('decodes what the workers encrypted and encodes what the CLI sends, in proto JSON', async () => {
    const [encrypted] = await new AesGcmPayloadCodec(keys).encode([
      defaultPayloadConverter.toPayload(input),
    ]);
    const decoded = await server.call(
      'POST',
      '/decode',
      { ...auth, 'x-namespace': 'default' },
      { payloads: [toJson(encrypted!)] },
    );
    expect(decoded.status).toBe(200);
    const [clear] = (decoded.body as { payloads: JsonPayload[] }).payloads;
    expect(metadataText(clear!, 'encoding')).toBe('json/plain');
    expect(JSON.parse(Buffer.from(clear!.data!, 'base64').toString('utf8'))).toEqual(input);

    const encoded = await server.call('POST', '/encode', auth, { payloads: [clear] });
    expect(encoded.status).toBe(200);
    const [again] = (encoded.body as { payloads: JsonPayload[] }).payloads;
    expect(metadataText(again!, 'encoding')).toBe('binary/encrypted');
    expect(metadataText(again!, 'encryption-key-id')).toBe('k1');
    const [back] = await new AesGcmPayloadCodec(keys).decode([fromJson(again!)]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual(input);
  });

  it('answers the Web UI preflight for its origin, credentials allowed', async () => {
    const preflight = await server.call('OPTIONS', '/decode', {
      origin: UI,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-namespace,authorization',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': UI,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type,x-namespace,authorization',
      vary: 'Origin',
    });
  });

  it('refuses a preflight and a request from any other origin, without CORS headers', async () => {
    for (const method of ['OPTIONS', 'POST'] as const) {
      const answer = await server.call(
        method,
        '/decode',
        { ...auth, origin: 'https://evil.example' },
        method === 'POST' ? { payloads: [] } : undefined,
      );
      expect(answer.status).toBe(403);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      expect(answer.body).toEqual({
        error: 'origin_not_allowed',
        detail: 'the origin https://evil.example is not in CODEC_CORS_ORIGINS',
      });
    }
  });

  it.each([
    ['without a token', {}],
    ['with a wrong token', { authorization: 'Bearer not-the-token' }],
    ['with the token but not as a bearer', { authorization: TOKEN }],
  ])('answers 401 %s, readable by the Web UI', async (_, headers) => {
    const answer = await server.call(
      'POST',
      '/decode',
      { ...headers, origin: UI },
      { payloads: [] },
    );
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer');
    expect(answer.headers['access-control-allow-origin']).toBe(UI);
    expect(answer.body).toEqual({
      error: 'unauthorized',
      detail: 'send the codec server token as "Authorization: Bearer <token>"',
    });
  });

  it.each([
    [{}, 'the request body is invalid: payloads: '],
    [
      { payloads: [{ data: 'not base64!' }] },
      'the request body is invalid: payloads.0.data: expected base64',
    ],
    [
      { payloads: [{ metadata: { encoding: 7 } }] },
      'the request body is invalid: payloads.0.metadata.encoding: ',
    ],
  ])('answers 400 naming the field for the body %j', async (body, detail) => {
    const answer = await server.call('POST', '/decode', auth, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'invalid_request',
      detail: expect.stringContaining(detail),
    });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const answer = await server.call('POST', '/decode', auth, '{"payloads": [');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'invalid_request',
      detail: 'the request body is not JSON like {"payloads": [...]}',
    });
  });

  it('answers 400 for a payload encrypted with an unknown key, naming no configured key id', async () => {
    const [foreign] = await new AesGcmPayloadCodec([{ id: 'other', key: randomBytes(32) }]).encode([
      defaultPayloadConverter.toPayload(input),
    ]);
    const answer = await server.call('POST', '/decode', auth, { payloads: [toJson(foreign!)] });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'undecodable_payload',
      detail: 'a payload is encrypted with a key this codec server does not hold',
    });
    expect(JSON.stringify(answer.body)).not.toContain('k1');
  });

  it('is open when no token is configured (development)', async () => {
    const open = await serve({ token: null });
    try {
      const answer = await open.call('POST', '/decode', {}, { payloads: [] });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ payloads: [] });
    } finally {
      await open.close();
    }
  });
});

describe("the codec server's router refusals", () => {
  let server: Served;
  let url: string;
  beforeAll(async () => {
    server = await serve();
    url = server.url;
  });
  afterAll(() => server.close());
  const bearer = `Authorization: Bearer ${TOKEN}`;

  it.each<[string, string, number, string]>([
    ['an unknown route', httpRequest('GET', '/nope', [bearer]), 404, 'not_found'],
    ['a wrong method', httpRequest('GET', '/decode', [bearer]), 405, 'method_not_allowed'],
    ['a 100 KB path', httpRequest('GET', `/${'p'.repeat(100_000)}`), 414, 'request_too_large'],
    [
      'a 20 KB header',
      httpRequest('POST', '/decode', [`X-Big: ${'h'.repeat(20_000)}`]),
      431,
      'request_too_large',
    ],
    [
      'a CR inside a header',
      httpRequest('POST', '/decode', ['X-Bad: a\rb']),
      400,
      'invalid_request',
    ],
  ])('%s answers its status in the error shape, as JSON', async (_case, request, status, error) => {
    const answer = await rawRequest(url, request);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.body).toEqual({ error, detail: expect.any(String) });
  });

  it('names the allowed methods of a route, and quotes at most 100 characters of a path', async () => {
    const wrong = await rawRequest(url, httpRequest('GET', '/decode', [bearer]));
    expect(wrong.headers.allow).toBe('POST, OPTIONS');
    const unknown = await rawRequest(url, httpRequest('GET', `/${'u'.repeat(5_000)}`, [bearer]));
    expect(unknown.body).toEqual({
      error: 'not_found',
      detail: `no route GET /${'u'.repeat(99)}…; use POST /decode or /encode`,
    });
  });

  it('quotes at most 100 characters of a refused origin', async () => {
    const origin = `https://${'o'.repeat(5_000)}.example`;
    const answer = await server.call('POST', '/decode', { ...auth, origin }, { payloads: [] });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({
      error: 'origin_not_allowed',
      detail: `the origin https://${'o'.repeat(92)}… is not in CODEC_CORS_ORIGINS`,
    });
  });
});

describe('the codec server configuration', () => {
  const PAYLOAD_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;

  it('defaults to port 8089 and the dev Web UI origins, open on loopback with a warning', () => {
    const config = loadCodecServerConfig({ PAYLOAD_ENCRYPTION_KEYS });
    expect(config).toMatchObject({
      port: 8089,
      host: '127.0.0.1',
      token: null,
      corsOrigins: DEV_UI_ORIGINS,
    });
    expect(config.warnings).toEqual([expect.stringContaining('CODEC_SERVER_TOKEN is not set')]);
  });

  it('requires the token in production and listens on every interface with it', () => {
    expect(() =>
      loadCodecServerConfig({ NODE_ENV: 'production', PAYLOAD_ENCRYPTION_KEYS }),
    ).toThrow('invalid configuration: CODEC_SERVER_TOKEN: required when NODE_ENV=production');
    const config = loadCodecServerConfig({
      NODE_ENV: 'production',
      PAYLOAD_ENCRYPTION_KEYS,
      CODEC_SERVER_TOKEN: TOKEN,
      CODEC_CORS_ORIGINS: 'https://temporal.example.com, https://ui.example.com:8443',
      CODEC_SERVER_PORT: '9000',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      token: TOKEN,
      corsOrigins: ['https://temporal.example.com', 'https://ui.example.com:8443'],
      warnings: [],
    });
  });

  it.each([
    [{}, 'PAYLOAD_ENCRYPTION_KEYS: required'],
    [
      { PAYLOAD_ENCRYPTION_KEYS: 'k1:short' },
      'PAYLOAD_ENCRYPTION_KEYS: key "k1" is not valid base64',
    ],
    [
      { PAYLOAD_ENCRYPTION_KEYS, CODEC_CORS_ORIGINS: '*' },
      'CODEC_CORS_ORIGINS: "*" is not an origin',
    ],
    [
      { PAYLOAD_ENCRYPTION_KEYS, CODEC_CORS_ORIGINS: 'https://ui.example.com/' },
      'CODEC_CORS_ORIGINS: "https://ui.example.com/" is not an origin',
    ],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadCodecServerConfig(env)).toThrow(message);
  });

  it('takes an empty CODEC_CORS_ORIGINS as "no browser may call" (CLI only)', () => {
    expect(
      loadCodecServerConfig({ PAYLOAD_ENCRYPTION_KEYS, CODEC_CORS_ORIGINS: '' }).corsOrigins,
    ).toEqual([]);
  });
});
