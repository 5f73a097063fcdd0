// What a SIGKILL cut, read from Seer's side: the runs' requests sent before the kill that never got
// their answer (the process waiting for it died), and when each of those runs sent its next request
// (another process took the run over). A drill that kills a process reports both.
import { runUuidFor } from '../src/api/idempotency';
import type { RecordedRequest } from '../src/fake-seer/server';
import type { RunRequest } from './client';

export interface CutAttempts {
  /** Requests of these runs in flight at the kill and never answered. */
  cut: number;
  /** Of those runs, how many sent Seer another request after the kill. */
  retried: number;
  /** Milliseconds from the kill to the first and to the last of those next requests. */
  takeover_ms: { first: number; last: number } | null;
}

export function cutAttempts(
  requests: readonly RecordedRequest[],
  runs: readonly RunRequest[],
  killedAt: number,
): CutAttempts {
  const keys = new Set(runs.map((r) => runUuidFor(r.org, r.key)));
  const byKey = new Map<string, RecordedRequest[]>();
  for (const request of requests) {
    if (request.key === null || !keys.has(request.key)) continue;
    byKey.set(request.key, [...(byKey.get(request.key) ?? []), request]);
  }
  let cut = 0;
  const takeovers: number[] = [];
  for (const sent of byKey.values()) {
    const ordered = sent.sort((a, b) => a.at - b.at);
    const cutHere = ordered.filter((r) => r.at < killedAt && r.status === null).at(-1);
    if (!cutHere) continue;
    cut++;
    const next = ordered.find((r) => r.at > cutHere.at && r.at >= killedAt);
    if (next) takeovers.push(next.at - killedAt);
  }
  return {
    cut,
    retried: takeovers.length,
    takeover_ms: takeovers.length
      ? { first: Math.min(...takeovers), last: Math.max(...takeovers) }
      : null,
  };
}

/** What a drill that SIGKILLs a process reports beside its books (DrillResult.kill). */
export interface KillFigures extends CutAttempts {
  process: string;
  /** Activity attempts the killed worker executed at the kill (its metrics); null for an API. */
  held_at_kill: number | null;
  /** Clients whose request the killed API was answering (cut mid-request); null for a worker. */
  clients_cut: number | null;
}

/** The figures in words, for a drill's notes. */
export function cutNote(what: string, figures: CutAttempts): string {
  const { cut, retried, takeover_ms: ms } = figures;
  const taken = ms ? `; taken over ${ms.first}–${ms.last} ms after the kill` : '';
  return `${cut} ${what} cut by the kill, ${retried} of them sent again${taken}`;
}
