// Builds the HTTP API as a Fastify app from its dependencies (config, the Temporal gateway, Seer
// client, logger) and never listens: tests inject() or hand it to server.ts.
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { orgWeight, type Config } from '../config';
import type { SeerClient } from '../seer/client';
import type { RunGateway } from '../temporal/client/gateway';
import { httpTracingPlugin } from '../tracing/http-span';
import { ApiErrorCode } from '../contract/error-codes';
import { BODY_LIMIT_BYTES } from '../contract/seer-runs-requests';
import { HttpError } from '../http/http-error';
import { ROUTER_ERROR_OPTIONS } from '../http/router-errors';
import { Admission } from './admission';
import { errorHandlerFor, notFoundFor } from './error-handler';
import { parseJsonBody } from './json-body';
import { ApiMetrics } from './metrics';
import { finishDocument, OPENAPI_VERSION } from './openapi';
import { OPS_PATHS, opsRoutes } from './routes/ops';
import { seerRunsRoutes } from './routes/seer-runs';

export interface AppDeps {
  config: Config;
  /** Everything the API asks Temporal (src/temporal/client/connect.ts makes one). */
  runs: RunGateway;
  /** For the direct path. */
  seer: Pick<SeerClient, 'startRun'>;
  /** A pino logger in production; typed as Fastify's so the app is a plain FastifyInstance. */
  logger: FastifyBaseLogger;
  /** Where /metrics reads from; a fresh registry when omitted. */
  metricsRegistry?: Registry;
  /** A span per request (@fastify/otel) when OTEL_* turned tracing on (src/tracing). */
  tracing?: boolean;
}

/** The API as a plugin: error handling, metrics, OpenAPI and the route plugins. */
export const seerRunsApi: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  const metrics = new ApiMetrics(deps.metricsRegistry);
  const { runs } = deps;
  const { fairness } = deps.config;
  const admission = fairness.enabled
    ? new Admission({
        budget: fairness.inFlightBudget,
        weightOf: (org) => orgWeight(fairness.weights, org),
      })
    : null;

  app.setValidatorCompiler(validatorCompiler);
  // Error answers are built in one shape by sendHttpError and sent as they are: their schemas
  // document the codes (test/integration/openapi.test.ts holds the answers to them), and a code the
  // document forgot must not turn a 4xx into a 500 at serialization.
  const errorsAsBuilt: typeof serializerCompiler = (route) =>
    /^[45]/.test(route.httpStatus ?? '')
      ? (data) => JSON.stringify(data)
      : serializerCompiler(route);
  app.setSerializerCompiler(errorsAsBuilt);
  // Fastify parses text/plain by default; the spec takes JSON only (anything else is 415).
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const notFound = notFoundFor(deps.config.apiTokens);
  app.setErrorHandler(errorHandlerFor(BODY_LIMIT_BYTES, notFound));
  app.setNotFoundHandler({ preHandler: notFound.preHandler }, notFound.handler);

  // Fastify's own answer while closing is not in the error shape (return503OnClosing: false).
  let draining = false;
  app.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  app.addHook('onRequest', (_request, _reply, done) => done(draining ? shuttingDown() : undefined));

  // Callback hooks, not async ones: every request runs them, and a promise each is a burst's cost.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestAnswered(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: OPENAPI_VERSION,
      info: {
        title: 'seer-runs',
        description: 'Creates Seer runs durably and exactly once, on Temporal.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              "a token of SEER_RUNS_API_TOKENS, allowed to act for the path's organization",
          },
        },
      },
      // Every /v1 route; the operations routes say `security: []`.
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: finishDocument,
  });
  await app.register(opsRoutes, { runs, metrics });
  await app.register(seerRunsRoutes, {
    config: deps.config,
    runs,
    seer: deps.seer,
    metrics,
    admission,
    tokens: deps.config.apiTokens,
  });
};

/** A request that reaches a closing API: another replica (or this one, restarted) answers it. */
function shuttingDown(): HttpError {
  return new HttpError(
    503,
    ApiErrorCode.shutting_down,
    'this API is shutting down; send the request again',
    {},
    { 'retry-after': '1', connection: 'close' },
  );
}

/**
 * One line per request at info, when it is answered: the request (method, URL, host, remote
 * address) with its answer (status, response time). Fastify's own "incoming request" line, the
 * same request again, is debug: at info it doubled the log's cost per request, and a burst of a
 * thousand POSTs paid it on the thread that answers every other organization.
 */
class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const fields = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Our ids, never the client's: the id is also the run's `started_by` (201 vs 200).
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    logController: new RequestLog({
      requestIdLogLabel: 'request_id',
      // Probes and scrapes would drown the request log.
      disableRequestLogging: (request) => OPS_PATHS.has(request.url.split('?')[0] ?? ''),
    }),
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: false,
    // The router's and Node's own refusals (404, 405, 414, 431, malformed URL) in the error shape.
    ...ROUTER_ERROR_OPTIONS,
  });
  // First, at the root: the request's span then wraps every hook and route below it.
  if (deps.tracing) void app.register(httpTracingPlugin(OPS_PATHS));
  void app.register(seerRunsApi, deps);
  return app;
}
