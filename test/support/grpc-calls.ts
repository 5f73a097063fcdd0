// A gRPC interceptor for the API's Temporal connection in tests: counts each method's calls and
// those still in flight (a leaked long poll stays in flight), and makes chosen methods fail.
import { InterceptingCall, Metadata, status, type Interceptor } from '@grpc/grpc-js';

/** Temporal's method names, as the tail of a gRPC path. */
export const TemporalMethod = {
  history: 'GetWorkflowExecutionHistory',
  describe: 'DescribeWorkflowExecution',
  list: 'ListWorkflowExecutions',
  start: 'StartWorkflowExecution',
} as const;
export type TemporalMethod = (typeof TemporalMethod)[keyof typeof TemporalMethod];

export class GrpcCalls {
  readonly #started = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  readonly #failing = new Map<string, status>();

  /** Calls of `method` sent so far. */
  started(method: TemporalMethod): number {
    return this.#started.get(method) ?? 0;
  }

  /** Calls of `method` sent and not yet answered (nor cancelled). */
  inFlight(method: TemporalMethod): number {
    return this.#inFlight.get(method) ?? 0;
  }

  /**
   * From now on, calls of `method` fail at once with `code`: UNAVAILABLE by default, as if Temporal
   * were gone; RESOURCE_EXHAUSTED as a rate-limited frontend answers.
   */
  fail(method: TemporalMethod, code: status = status.UNAVAILABLE): void {
    this.#failing.set(method, code);
  }

  readonly interceptor: Interceptor = (options, nextCall) => {
    const method = options.method_definition.path.split('/').pop() ?? '';
    const failWith = this.#failing.get(method);
    if (failWith !== undefined) {
      // Never sent: the caller gets the chosen status at once.
      return new InterceptingCall(nextCall(options), {
        start: (_metadata, listener) => {
          this.#bump(this.#started, method, 1);
          listener.onReceiveStatus({
            code: failWith,
            details: 'made to fail by the test',
            metadata: new Metadata(),
          });
        },
        sendMessage: () => undefined,
        halfClose: () => undefined,
      });
    }
    return new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) => {
        this.#bump(this.#started, method, 1);
        this.#bump(this.#inFlight, method, 1);
        next(metadata, {
          onReceiveStatus: (received, nextStatus) => {
            this.#bump(this.#inFlight, method, -1);
            nextStatus(received);
          },
        });
      },
    });
  };

  #bump(counts: Map<string, number>, method: string, by: number): void {
    counts.set(method, (counts.get(method) ?? 0) + by);
  }
}
