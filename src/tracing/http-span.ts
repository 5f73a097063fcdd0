// The HTTP request's span, from Fastify's official instrumentation (@fastify/otel): the root of a
// run's trace, or a child of the caller's `traceparent`. Probes and scrapes are not traced.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { FastifyPluginCallback } from 'fastify';
import { RunAttribute } from './run-attributes';

export function httpTracingPlugin(untracedPaths: ReadonlySet<string>): FastifyPluginCallback {
  const instrumentation = new FastifyOtelInstrumentation({
    ignorePaths: (route) => untracedPaths.has(route.url.split('?')[0] ?? ''),
    // One span per request: hook and handler spans would add a dozen spans to every run's trace.
    instrumentHooks: false,
    instrumentHandler: false,
    requestHook: (span, request) => {
      const params = request.params as Record<string, unknown> | undefined;
      const organization = Number(params?.organization_id);
      if (Number.isSafeInteger(organization))
        span.setAttribute(RunAttribute.organizationId, organization);
    },
  });
  return instrumentation.plugin();
}
