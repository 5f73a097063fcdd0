// What the fake Seer remembers (requests seen, runs made, faults queued, runtime config) and the
// zod schemas of what tests may script; the same state is reachable in-process and over /__control.
import { z } from 'zod';
import { isSeerRoute } from './contract';

export const FakeFault = z.strictObject({
  /** Answer this status instead of the normal one (200 when only a body is given). */
  status: z.int().min(200).max(599).optional(),
  body: z.string().optional(),
  body_base64: z.base64().optional(),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  /** Wait this long before acting; alone, it delays the normal answer. */
  delay_ms: z.int().nonnegative().optional(),
  /** Destroy the socket without answering; `after_create` makes the run first (a lost answer). */
  drop: z.enum(['before', 'after_create']).optional(),
  /** Never answer (until the client gives up or the fake closes). */
  hang: z.literal(true).optional(),
  /** Whether a scripted status still creates the run first. */
  create: z.boolean().optional(),
});
export type FakeFault = z.infer<typeof FakeFault>;

export const FakeSeerConfig = z.strictObject({
  latency_ms: z.int().nonnegative(),
  /** null leaves the flag out of the explorer answer (an older Seer). */
  has_explorer_index: z.boolean().nullable(),
  has_org_project_context: z.boolean().nullable(),
  /** An outage for every run route until turned off: answer 503, or drop the connection. */
  outage: z.enum(['none', 'status_503', 'drop']),
  /** Share (0..1) of run requests answered 503 at random, before any run is made. */
  transient_error_rate: z.number().min(0).max(1),
});
export type FakeSeerConfig = z.infer<typeof FakeSeerConfig>;

export interface RecordedRequest {
  route: string;
  key: string | null;
  signature_ok: boolean;
  /** null when no viewer context was sent. */
  viewer_context_ok: boolean | null;
  /** What was answered; null when the connection was dropped, hung, or gone before the answer. */
  status: number | null;
  at: number;
  headers: Record<string, string | undefined>;
  /** The W3C trace context the caller sent (`00-<trace id>-<span id>-<flags>`); null without one. */
  traceparent: string | null;
  /** The parsed JSON body, or null when it was not JSON. */
  body: unknown;
  /** SHA-256 (hex) of the raw bytes received: tests compare it with what was signed. */
  body_sha256: string;
  fault: FakeFault | null;
}

export interface FakeRun {
  key: string;
  route: string;
  run_id: number;
  created_at: number;
}

/** Everything the fake remembers. */
export class FakeSeerState {
  readonly requests: RecordedRequest[] = [];
  config: FakeSeerConfig;
  readonly #runs = new Map<string, FakeRun>();
  readonly #faults = new Map<string, FakeFault[]>();
  readonly #firstRunId: number;
  #nextRunId: number;

  constructor(firstRunId: number, config: FakeSeerConfig) {
    this.#firstRunId = firstRunId;
    this.#nextRunId = firstRunId;
    this.config = config;
  }

  get runs(): FakeRun[] {
    return [...this.#runs.values()];
  }

  /** One run per (route, key): a repeated key gets the run made the first time. */
  runFor(route: string, key: string): FakeRun {
    const id = `${route} ${key}`;
    let run = this.#runs.get(id);
    if (run === undefined) {
      run = { key, route, run_id: this.#nextRunId++, created_at: Date.now() };
      this.#runs.set(id, run);
    }
    return run;
  }

  configure(change: Partial<FakeSeerConfig>): FakeSeerConfig {
    this.config = FakeSeerConfig.parse({ ...this.config, ...change });
    return this.config;
  }

  queueFaults(route: string, faults: FakeFault[]): void {
    if (!isSeerRoute(route)) throw new Error(`the fake Seer has no route ${route}`);
    this.#faults.set(route, [...(this.#faults.get(route) ?? []), ...faults]);
  }

  takeFault(route: string): FakeFault | undefined {
    return this.#faults.get(route)?.shift();
  }

  reset(): void {
    this.requests.length = 0;
    this.#runs.clear();
    this.#faults.clear();
    this.#nextRunId = this.#firstRunId;
  }
}
