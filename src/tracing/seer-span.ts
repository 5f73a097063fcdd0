// Each request to Seer as a client span (a child of the attempt's span), with the run's attributes
// and Seer's answer, and the W3C `traceparent` that carries the trace into Seer.
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { currentRunAttributes, RunAttribute } from './run-attributes';

const tracer = trace.getTracer('seer-runs');

/** Runs one request to Seer inside its client span; a no-op span when tracing is off. */
export function inSeerSpan<T>(url: URL, fn: (span: Span) => Promise<T>): Promise<T> {
  const attributes: Attributes = {
    ...currentRunAttributes(),
    'http.request.method': 'POST',
    'server.address': url.hostname,
    'url.path': url.pathname,
  };
  if (url.port) attributes['server.port'] = Number(url.port);
  return tracer.startActiveSpan(
    `POST ${url.pathname}`,
    { kind: SpanKind.CLIENT, attributes },
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(err) });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** The active trace context as headers (`traceparent`, `tracestate`); empty when tracing is off. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** What Seer answered: its HTTP status, and the outcome the client classified it as. */
export function recordSeerAnswer(
  span: Span,
  answer: { status?: number; outcome: string; failureReason?: string; cause?: string },
): void {
  span.setAttributes({
    ...(answer.status === undefined
      ? {}
      : { [RunAttribute.seerStatus]: answer.status, 'http.response.status_code': answer.status }),
    'seer.outcome': answer.outcome,
    ...(answer.failureReason === undefined
      ? {}
      : { [RunAttribute.failureReason]: answer.failureReason }),
    ...(answer.cause === undefined ? {} : { 'error.type': answer.cause }),
  });
  if (answer.outcome === 'terminal' || answer.cause !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: answer.failureReason ?? answer.cause ?? '',
    });
  }
}

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : 'Error';
}
