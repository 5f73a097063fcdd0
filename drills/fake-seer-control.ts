// The fake Seer's control API (`/__control/*`, on with FAKE_SEER_CONTROL=1) as the drills use it
// from outside its process: change its behaviour mid-drill, read what it received and made.
import type {
  FakeFault,
  FakeRun,
  FakeSeerConfig,
  RecordedRequest,
  RequestHistogram,
} from '../src/fake-seer/server';

export class FakeSeerControl {
  constructor(private readonly seerUrl: string) {}

  configure(config: Partial<FakeSeerConfig>): Promise<FakeSeerConfig> {
    return this.#call('POST', 'config', config);
  }

  queueFaults(route: string, faults: FakeFault[]): Promise<unknown> {
    return this.#call('POST', 'faults', { route, faults });
  }

  async requests(): Promise<RecordedRequest[]> {
    return (await this.#call<{ requests: RecordedRequest[] }>('GET', 'requests')).requests;
  }

  /** Requests per second from `from` (epoch ms) on, and the most in any 1 s window. */
  histogram(from: number): Promise<RequestHistogram> {
    return this.#call('GET', `histogram?from=${from}`);
  }

  /** Forgets every request and run, and goes back to its started configuration. */
  reset(): Promise<unknown> {
    return this.#call('POST', 'reset');
  }

  async runs(): Promise<FakeRun[]> {
    return (await this.#call<{ runs: FakeRun[] }>('GET', 'runs')).runs;
  }

  async #call<T>(method: 'GET' | 'POST', action: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.seerUrl}/__control/${action}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`fake Seer control ${action}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
}
