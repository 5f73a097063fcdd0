// The codec server (Temporal's remote codec protocol): the Web UI and `temporal --codec-endpoint`
// POST encrypted payloads to /decode (and clear ones to /encode). Built as an app; main.ts listens.
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginCallback,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bearerToken, sameDigest, tokenDigest } from '../http/bearer';
import { assertNever } from '../domain/run-types';
import { quoted } from '../contract/client-text';
import { fastifyClientError, HttpError } from '../http/http-error';
import { ROUTER_ERROR_OPTIONS, routeNotFound, sendHttpError } from '../http/router-errors';
import {
  AesGcmPayloadCodec,
  PayloadCodecError,
  type PayloadCodecFailure,
  type PayloadKey,
} from '../temporal/codec';

export interface CodecServerDeps {
  keys: readonly PayloadKey[];
  /** Required as `Authorization: Bearer <token>`; null leaves the server open (development). */
  token: string | null;
  /** Browser origins allowed to call (the Web UI's), matched exactly. */
  corsOrigins: readonly string[];
  logger: FastifyBaseLogger;
}

/** The UI sends a whole history's payloads when it downloads one; Temporal allows 2 MB each. */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export const CORS_ALLOW_HEADERS = 'content-type,x-namespace,authorization';

// Proto3 JSON writes bytes as base64 and accepts the URL-safe alphabet too.
const Bytes = z.codec(
  z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64'),
  z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected bytes'),
  {
    decode: (text) => Buffer.from(text, 'base64'),
    encode: (bytes) => Buffer.from(bytes).toString('base64'),
  },
);

/** `temporal.api.common.v1.Payloads` in proto3 JSON; one schema reads requests and writes answers. */
export const PayloadsJson = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), Bytes).nullish(),
      data: Bytes.nullish(),
    }),
  ),
});

const ErrorBody = z.object({ error: z.string(), detail: z.string() });

/** The codec routes with their CORS, auth and error handling, as a plugin. */
export const codecServer: FastifyPluginCallback<CodecServerDeps> = (app, deps, done) => {
  const codec = new AesGcmPayloadCodec(deps.keys);
  const origins: ReadonlySet<string> = new Set(deps.corsOrigins);
  // Digests have one length, so timingSafeEqual leaks neither the token's length nor a prefix.
  const expected = deps.token === null ? null : tokenDigest(deps.token);

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendHttpError(reply, routeNotFound(request, '; use POST /decode or /encode')),
  );

  // CORS first, so the Web UI can read even a 401 (and a stranger's origin gets no further).
  app.addHook('onRequest', (request, reply, next) => {
    const origin = request.headers.origin;
    if (origin === undefined) return next();
    if (!origins.has(origin)) {
      return next(
        new HttpError(
          403,
          'origin_not_allowed',
          `the origin ${quoted(origin)} is not in CODEC_CORS_ORIGINS`,
        ),
      );
    }
    void reply.headers({
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    });
    next();
  });

  // Browsers send preflights without credentials, so OPTIONS is exempt.
  app.addHook('onRequest', (request, _reply, next) => {
    if (expected === null || request.method === 'OPTIONS') return next();
    const presented = bearerToken(request.headers.authorization);
    if (presented !== undefined && sameDigest(tokenDigest(presented), expected)) return next();
    next(
      new HttpError(
        401,
        'unauthorized',
        'send the codec server token as "Authorization: Bearer <token>"',
        {},
        { 'www-authenticate': 'Bearer' },
      ),
    );
  });

  const routes = app.withTypeProvider<ZodTypeProvider>();
  for (const operation of ['decode', 'encode'] as const) {
    routes.options(`/${operation}`, (_request, reply) =>
      reply
        .code(204)
        .headers({
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': CORS_ALLOW_HEADERS,
          'access-control-max-age': '600',
        })
        .send(),
    );

    routes.post(
      `/${operation}`,
      {
        bodyLimit: BODY_LIMIT_BYTES,
        schema: {
          body: PayloadsJson,
          response: { 200: PayloadsJson, '4xx': ErrorBody, '5xx': ErrorBody },
        },
      },
      async (request) => {
        const payloads = await codec[operation](request.body.payloads);
        // The namespace (sent by the UI and the CLI) tells an auditor whose data was decoded.
        request.log.info(
          { operation, namespace: request.headers['x-namespace'], payloads: payloads.length },
          `payloads ${operation}d`,
        );
        return { payloads };
      },
    );
  }
  done();
};

/**
 * The caller's sentence for a payload the codec cannot decode. The codec's own message names the
 * configured key ids, which are the operator's to read in the log, not the caller's.
 */
function undecodable(reason: PayloadCodecFailure): HttpError {
  const detail = ((): string => {
    switch (reason) {
      case 'unknown_key':
        return 'a payload is encrypted with a key this codec server does not hold';
      case 'malformed':
        return 'a payload marked binary/encrypted is malformed (no key id, another cipher, or too short)';
      case 'unauthentic':
        return 'a payload failed authentication: altered, or encrypted with another key of that id';
      default:
        return assertNever(reason);
    }
  })();
  return new HttpError(400, 'undecodable_payload', detail);
}

function answerFor(err: FastifyError | Error): HttpError | null {
  if (err instanceof HttpError) return err;
  if (err instanceof PayloadCodecError) return undecodable(err.reason);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0];
    const path = (first?.instancePath ?? '').split('/').filter(Boolean).map(quoted).join('.');
    const problem = first?.message ?? 'is invalid';
    return new HttpError(
      400,
      'invalid_request',
      `the request body is invalid: ${path ? `${path}: ` : ''}${problem}`,
    );
  }
  return fastifyClientError(
    err,
    BODY_LIMIT_BYTES,
    () =>
      new HttpError(
        400,
        'invalid_request',
        'the request body is not JSON like {"payloads": [...]}',
      ),
  );
}

function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const known = answerFor(err);
  if (known === null) {
    request.log.error({ err }, 'codec request failed');
    return reply
      .code(500)
      .send({ error: 'internal_error', detail: 'the codec server failed to answer' });
  }
  request.log.info(
    { error: known.code, detail: known.detail, ...(err instanceof PayloadCodecError && { err }) },
    'codec request refused',
  );
  return sendHttpError(reply, known);
}

export function buildCodecServer(deps: CodecServerDeps): FastifyInstance {
  // The router's and Node's own refusals (404, 405, 414, 431, malformed URL) in the error shape.
  const app = Fastify({ loggerInstance: deps.logger, ...ROUTER_ERROR_OPTIONS });
  void app.register(codecServer, deps);
  return app;
}
