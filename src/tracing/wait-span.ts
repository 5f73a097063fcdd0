// The API's wait for a run as a span: Temporal's client interceptor traces the start, not the
// history polls that wait for the close, and the wait is most of a slow POST.
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { RunAttribute } from './run-attributes';

const tracer = trace.getTracer('seer-runs');

/** Runs the wait inside a `WaitForRun:seerRun` span naming the run and how the wait ended. */
export function inWaitSpan<T extends { kind: string }>(
  runUuid: string,
  wait: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    'WaitForRun:seerRun',
    { attributes: { [RunAttribute.runUuid]: runUuid } },
    async (span) => {
      try {
        const outcome = await wait();
        span.setAttribute('wait.outcome', outcome.kind);
        return outcome;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
