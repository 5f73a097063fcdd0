// Route plugin for the operations routes (no token, spec §3): liveness, readiness (Temporal
// answers and a live worker polls our task queue), Prometheus metrics and the OpenAPI document.
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { ApiErrorCode } from '../../contract/error-codes';
import type { ApiMetrics } from '../metrics';
import { answer, errorAnswer, Header, ROUTER_ANSWERS, SHUTTING_DOWN } from '../openapi';
import type { RunGateway } from '../../temporal/client/gateway';

export interface OpsRoutesOptions {
  runs: RunGateway;
  metrics: ApiMetrics;
}

export const OPS_PATHS: ReadonlySet<string> = new Set([
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
]);

const TaskQueueState = {
  task_queue: z.string(),
  pollers: z.int().nonnegative().meta({ description: 'workers polling it within the last 75 s' }),
};

/** What every operations route answers besides its own: no token is asked. */
const OPS_ANSWERS = {
  ...ROUTER_ANSWERS,
  400: errorAnswer('the request is not valid HTTP, or its URL does not decode', [
    'invalid_request',
  ]),
  500: errorAnswer('an unexpected failure', ['internal_error'], {
    request_id: z.string().optional(),
  }),
};

function opsSchema(summary: string, answers: Record<number, z.ZodType | object>) {
  return { summary, tags: ['operations'], security: [], response: { ...OPS_ANSWERS, ...answers } };
}

export const opsRoutes: FastifyPluginCallback<OpsRoutesOptions> = (
  app,
  { runs, metrics },
  done,
) => {
  app.get(
    '/healthz',
    {
      schema: opsSchema('Liveness: the process is up, whatever Temporal does', {
        200: answer('the process is up', z.object({ status: z.literal('ok') })),
      }),
    },
    (_request, reply) => reply.send({ status: 'ok' }),
  );

  const readyz = opsSchema('Readiness: Temporal answers and a worker polls the task queue', {
    200: answer(
      'ready',
      z.object({ status: z.literal('ready'), temporal: z.literal('ok'), ...TaskQueueState }),
    ),
    503: errorAnswer(
      `not_ready: detail names what is missing (Temporal, or a worker polling the task queue). ${SHUTTING_DOWN}`,
      ['not_ready', 'shutting_down'],
      {
        temporal: z.enum(['ok', 'unreachable']).optional(),
        task_queue: TaskQueueState.task_queue.optional(),
        pollers: TaskQueueState.pollers.optional(),
      },
      { 'retry-after': Header.retryAfter(false, 'sent with shutting_down') },
    ),
  });
  app.get('/readyz', { schema: readyz }, async (_request, reply) => {
    const { temporal, pollers, stalePollers } = await runs.readiness();
    // Temporal lists a dead worker's pollers for minutes: those whose last poll is old don't count.
    const stale = stalePollers === 0 ? '' : ` (${stalePollers} stale pollers not counted)`;
    const missing = !temporal
      ? 'Temporal does not answer'
      : pollers === 0
        ? `no worker polls the task queue "${runs.taskQueue}"${stale}`
        : null;
    if (missing !== null) {
      return reply.code(503).send({
        error: ApiErrorCode.not_ready,
        detail: missing,
        temporal: temporal ? 'ok' : 'unreachable',
        task_queue: runs.taskQueue,
        pollers,
      });
    }
    return { status: 'ready', temporal: 'ok', task_queue: runs.taskQueue, pollers };
  });

  const prometheusText = {
    description: "the API's metrics in the Prometheus text format (seer_runs_api_*)",
    content: { 'text/plain': { schema: z.string() } },
  };
  const metricsSchema = opsSchema('Prometheus metrics', { 200: prometheusText });
  app.get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const document = answer(
    'this document (docs/openapi.json holds a copy: npm run openapi writes it)',
    z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
  );
  app.get(
    '/openapi.json',
    { schema: opsSchema('The OpenAPI document', { 200: document }) },
    (_request, reply) => reply.send(app.swagger()),
  );
  done();
};
