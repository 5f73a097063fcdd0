// Tracing with OpenTelemetry, off unless configured: the standard OTEL_* variables turn it on, one
// tracer provider per process exports over OTLP/HTTP, and Temporal's interceptors ride on it.
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Logger } from 'pino';
import { RunAttributesActivityInterceptor } from './run-attributes';
import { WarnOnceExporter } from './warn-once-exporter';

/**
 * Temporal's workflow interceptors (spans inside the sandbox, exported through a sink). Only in the
 * tracing twin of the workflow bundle (src/temporal/worker.ts tracingBundlePath): they cost every
 * activation CPU even with tracing off.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

export interface Tracing {
  /** True when OTEL_* configured an exporter. */
  readonly enabled: boolean;
  /** Where spans go (for the start log), or null when off. */
  readonly endpoint: string | null;
  /** For every Client: the start span, and the trace context in the workflow's headers. */
  clientInterceptors(): WorkflowClientInterceptor[];
  /** For every Worker: a span per activity attempt, with the run's attributes. */
  activityInterceptors(): ActivityInterceptorsFactory[];
  /** The sink the workflow interceptors export through (a no-op when off: the bundle calls it). */
  workflowSinks(): InjectedSinks<OpenTelemetrySinks>;
  /** Exports what is buffered, then stops; never rejects. */
  shutdown(): Promise<void>;
}

/** Tracing as OTEL_* asks; warns once and stays off when the configuration cannot be used. */
export function startTracing(options: {
  /** OTEL_SERVICE_NAME wins; this names the process otherwise (`seer-runs-api`, ...). */
  defaultServiceName: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}): Tracing {
  const env = options.env ?? process.env;
  const endpoint = configuredEndpoint(env);
  if (endpoint === null) return TRACING_OFF;
  const logger = options.logger.child({ component: 'tracing' });
  try {
    new URL(endpoint);
  } catch {
    logger.warn(
      { endpoint },
      'tracing is off: the OTLP endpoint is not a URL (OTEL_EXPORTER_OTLP_ENDPOINT)',
    );
    return TRACING_OFF;
  }
  // The SDK reports export failures through diag: route them to our one warning, not the console.
  diag.setLogger(quietDiag, DiagLogLevel.NONE);
  const resource = new Resource({
    'service.name': env.OTEL_SERVICE_NAME || options.defaultServiceName,
  });
  const exporter = new WarnOnceExporter(new OTLPTraceExporter(), endpoint, logger);
  const processor: SpanProcessor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global: @fastify/otel, Temporal's interceptors and the Seer client find it through the API.
  provider.register();
  return {
    enabled: true,
    endpoint,
    clientInterceptors: () => [new OpenTelemetryWorkflowClientInterceptor()],
    activityInterceptors: () => [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
      (ctx) => ({ inbound: new RunAttributesActivityInterceptor(ctx) }),
    ],
    workflowSinks: () => ({ exporter: makeWorkflowExporter(processor, resource) }),
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}

/** No spans, no headers; the workflow sink still answers (the bundle calls it). */
export const TRACING_OFF: Tracing = {
  enabled: false,
  endpoint: null,
  clientInterceptors: () => [],
  activityInterceptors: () => [],
  workflowSinks: () => ({ exporter: { export: { fn: () => undefined } } }),
  shutdown: () => Promise.resolve(),
};

/** Off unless an OTLP endpoint is set, and off when OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none. */
function configuredEndpoint(env: NodeJS.ProcessEnv): string | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return null;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return endpoint ? endpoint.trim() : null;
}

const ignore = () => undefined;
const quietDiag: DiagLogger = {
  error: ignore,
  warn: ignore,
  info: ignore,
  debug: ignore,
  verbose: ignore,
};
