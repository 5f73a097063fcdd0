// The API's Prometheus metrics (prom-client): requests and latency by route and status, runs
// created by type and path, runs joined, how sync waits ended, and the per-organization admission's
// queue. One registry per app for tests.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type RunPath = 'mirror' | 'direct';
export type SyncWaitOutcome =
  | 'live_created'
  | 'live_joined'
  | 'failed'
  | 'pending_deadline'
  | 'pending_error'
  | 'pending_client_gone'
  | 'pending_queued'
  | 'temporal_unavailable';

export class ApiMetrics {
  readonly registry: Registry;
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #duration: Histogram<'method' | 'route' | 'status'>;
  readonly #runsStarted: Counter<'type' | 'path'>;
  readonly #runsJoined: Counter<'type'>;
  readonly #syncWaits: Counter<'outcome'>;
  readonly #eagerStarts: Counter;
  readonly #admissionQueued: Counter;
  readonly #admissionQueue: Gauge;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.#requests = new Counter({
      name: 'seer_runs_api_requests_total',
      help: 'HTTP requests answered, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'seer_runs_api_request_duration_seconds',
      help: 'HTTP request latency, by route template and status',
      labelNames: ['method', 'route', 'status'],
      // Up to the default sync wait (10 s) and a little past it.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers,
    });
    this.#runsStarted = new Counter({
      name: 'seer_runs_api_runs_started_total',
      help: 'Runs this API created: mirror = POSTs answered 201 (the run is LIVE), direct = runs Seer created on the direct path; joins are in seer_runs_api_runs_joined_total',
      labelNames: ['type', 'path'],
      registers,
    });
    this.#runsJoined = new Counter({
      name: 'seer_runs_api_runs_joined_total',
      help: 'POSTs answered 200 with a LIVE run another request created (its Idempotency-Key or retry_token)',
      labelNames: ['type'],
      registers,
    });
    this.#syncWaits = new Counter({
      name: 'seer_runs_api_sync_waits_total',
      help: 'How POST waits for a mirror-path run ended',
      labelNames: ['outcome'],
      registers,
    });
    this.#eagerStarts = new Counter({
      name: 'seer_runs_api_eager_starts_total',
      help: 'Workflow starts answered with their first workflow task, run by the embedded worker (API_EMBEDDED_WORKER=on)',
      registers,
    });
    // No organization label: one series per organization would grow without bound.
    this.#admissionQueued = new Counter({
      name: 'seer_runs_api_admission_queued_total',
      help: 'POSTs that waited behind their organization\'s other POSTs before starting (SEER_RUNS_FAIRNESS); those still waiting at their sync wait\'s end are seer_runs_api_sync_waits_total{outcome="pending_queued"}',
      registers,
    });
    this.#admissionQueue = new Gauge({
      name: 'seer_runs_api_admission_queue_length',
      help: 'POSTs waiting now in the per-organization admission queues, all organizations together',
      registers,
    });
  }

  /** A POST joined its organization's admission queue. */
  admissionQueued(): void {
    this.#admissionQueued.inc();
    this.#admissionQueue.inc();
  }

  /** A queued POST left its queue: admitted, or not at its sync wait's end. */
  admissionDequeued(): void {
    this.#admissionQueue.dec();
  }

  eagerStarted(): void {
    this.#eagerStarts.inc();
  }

  requestAnswered(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.#requests.inc(labels);
    this.#duration.observe(labels, seconds);
  }

  runStarted(type: string, path: RunPath): void {
    this.#runsStarted.inc({ type, path });
  }

  runJoined(type: string): void {
    this.#runsJoined.inc({ type });
  }

  syncWaitEnded(outcome: SyncWaitOutcome): void {
    this.#syncWaits.inc({ outcome });
  }
}
