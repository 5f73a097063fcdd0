// The Temporal server's own `action` counter (what Temporal Cloud bills: starts, commands, ...),
// scraped from each service's Prometheus endpoint, summed by action_type for one namespace.
import { setTimeout as sleep } from 'node:timers/promises';

/** action_type → count, e.g. `grpc_StartWorkflowExecution`, `command_BatchMarkers`. */
export type ActionCounts = Record<string, number>;

/**
 * The server reports its counters to the Prometheus endpoint once a second (tally), not at each
 * increment: a count that holds still for longer than that has every earlier increment in it.
 */
const SETTLED_AFTER_MS = 1_500;
const SETTLE_LIMIT_MS = 20_000;

const ACTION_LINE = /^action\{([^}]*)\}\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/**
 * The `action` samples of one namespace in a Prometheus text exposition, summed by action_type
 * over services and operations. The server's own system workflows (namespace `temporal_system`)
 * and other namespaces are left out.
 */
export function parseActions(text: string, namespace: string): ActionCounts {
  const counts: ActionCounts = {};
  for (const line of text.split('\n')) {
    const match = ACTION_LINE.exec(line);
    if (!match) continue;
    const labels = new Map<string, string>(
      [...match[1]!.matchAll(LABEL)].map((label) => [label[1]!, label[2]!]),
    );
    const type = labels.get('action_type');
    if (labels.get('namespace') !== namespace || type === undefined) continue;
    counts[type] = (counts[type] ?? 0) + Number(match[2]);
  }
  return counts;
}

export function sumCounts(all: readonly ActionCounts[]): ActionCounts {
  const sum: ActionCounts = {};
  for (const counts of all) {
    for (const [type, n] of Object.entries(counts)) sum[type] = (sum[type] ?? 0) + n;
  }
  return sum;
}

/** What moved between two readings, by type (types that did not move are left out). */
export function actionDelta(before: ActionCounts, after: ActionCounts): ActionCounts {
  const delta: ActionCounts = {};
  for (const [type, n] of Object.entries(after)) {
    const moved = n - (before[type] ?? 0);
    if (moved !== 0) delta[type] = moved;
  }
  return delta;
}

function same(a: ActionCounts, b: ActionCounts): boolean {
  return Object.keys(actionDelta(a, b)).length === 0 && Object.keys(actionDelta(b, a)).length === 0;
}

/** The counter of every Temporal service of one server (one URL on the dev server, four on the cluster). */
export class ServerActions {
  /** The last reading `settled` returned. */
  #settled: ActionCounts | undefined;

  constructor(
    private readonly metricsUrls: readonly string[],
    private readonly namespace: string,
  ) {}

  async read(): Promise<ActionCounts> {
    const texts = await Promise.all(
      this.metricsUrls.map(async (url) => {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        return response.text();
      }),
    );
    return sumCounts(texts.map((text) => parseActions(text, this.namespace)));
  }

  /**
   * Before a measurement: the counts as the last settled reading left them, when nothing has
   * moved since (free: the pause between measurements runs nothing), else settled afresh. An
   * action in the second before the call could still be unpublished: it would count in this
   * window, so a stray action shows up rather than hides.
   */
  async baseline(): Promise<ActionCounts> {
    const now = await this.read();
    return this.#settled && same(this.#settled, now) ? now : this.settled(now);
  }

  /**
   * After a measurement: the counts once they hold still for SETTLED_AFTER_MS, so every action
   * taken before the call is in them (a run's last workflow task may complete after its answer).
   */
  async settled(first?: ActionCounts): Promise<ActionCounts> {
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    let last = first ?? (await this.read());
    let since = Date.now();
    while (Date.now() - since < SETTLED_AFTER_MS) {
      if (Date.now() > deadline) {
        throw new Error(`the server's action counter kept moving for ${SETTLE_LIMIT_MS} ms`);
      }
      await sleep(SETTLED_AFTER_MS - (Date.now() - since));
      const next = await this.read();
      if (!same(next, last)) {
        last = next;
        since = Date.now();
      }
    }
    this.#settled = last;
    return last;
  }
}
