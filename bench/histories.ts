// History events per run: the histories of a few of a measurement's runs, read back through the
// bench's own Temporal client once the runs have closed. Each event is persisted and indexed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { median } from './load';

const { EventType } = temporal.api.enums.v1;

/** Runs read per measurement, spread over it (the first, the last and between). */
export const HISTORIES_PER_MEASUREMENT = 5;
/** A run answered LIVE may still be closing (its last workflow task): wait this long at most. */
const CLOSE_WAIT_MS = 10_000;

const CLOSING = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

/** `EVENT_TYPE_WORKFLOW_TASK_COMPLETED` → `WorkflowTaskCompleted`, as the Web UI names it. */
export function eventTypeName(type: number): string {
  const name: string | undefined = EventType[type];
  if (name === undefined) return `EventType${type}`;
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `count` items spread evenly over `items`, the first and the last included. */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from(
    { length: count },
    (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))]!,
  );
}

export interface HistorySample {
  /** Events of each run read. */
  events: number[];
  /** The event types of the run whose count is the median. */
  eventTypes: string[];
  /** Runs read that had not closed after CLOSE_WAIT_MS (their events are counted as they stood). */
  open: number;
}

async function eventTypes(
  client: Client,
  workflowId: string,
): Promise<{ types: number[]; closed: boolean }> {
  const deadline = Date.now() + CLOSE_WAIT_MS;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const types = (history.events ?? []).map((event) => event.eventType ?? 0);
    const closed = CLOSING.has(types.at(-1) ?? 0);
    if (closed || Date.now() > deadline) return { types, closed };
    await sleep(200);
  }
}

/** Reads the histories of a few of `workflowIds` (HISTORIES_PER_MEASUREMENT, spread over them). */
export async function sampleHistories(
  client: Client,
  workflowIds: readonly string[],
): Promise<HistorySample | null> {
  const read = await Promise.all(
    spread(workflowIds, HISTORIES_PER_MEASUREMENT).map((id) => eventTypes(client, id)),
  );
  if (read.length === 0) return null;
  const events = read.map((r) => r.types.length);
  const mid = median(events)!;
  const typical = read.reduce((best, r) =>
    Math.abs(r.types.length - mid) < Math.abs(best.types.length - mid) ? r : best,
  );
  return {
    events,
    eventTypes: typical.types.map(eventTypeName),
    open: read.filter((r) => !r.closed).length,
  };
}
