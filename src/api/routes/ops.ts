// Route plugin for the operations routes (no token, spec §3): liveness, readiness (Temporal
// answers and a live worker polls our task queue), Prometheus metrics and the OpenAPI document.
import type { FastifyPluginCallback } from 'fastify';
import type { ApiMetrics } from '../metrics';
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

export const opsRoutes: FastifyPluginCallback<OpsRoutesOptions> = (
  app,
  { runs, metrics },
  done,
) => {
  app.get('/healthz', { schema: { hide: true } }, (_request, reply) =>
    reply.send({ status: 'ok' }),
  );

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
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
        error: 'not_ready',
        detail: missing,
        temporal: temporal ? 'ok' : 'unreachable',
        task_queue: runs.taskQueue,
        pollers,
      });
    }
    return { status: 'ready', temporal: 'ok', task_queue: runs.taskQueue, pollers };
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) =>
    reply.send(app.swagger()),
  );
  done();
};
