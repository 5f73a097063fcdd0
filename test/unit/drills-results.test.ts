// What `npm run drills` leaves in drills/results/latest.json: a run of every drill replaces its
// backend's rows; a run of some drills (`--only`) replaces just theirs and keeps every other row.
import type { DrillResult } from '../../drills/ledger';
import { mergeResults } from '../../drills/main';

const machine = { cores: 2, node: 'v20' };
const row = (name: string, backend: 'dev' | 'cluster', seconds = 1): DrillResult => ({
  name,
  backend,
  requested: 1,
  live: 1,
  failed: 0,
  failed_by_reason: {},
  pending: 0,
  lost: 0,
  duplicates: 0,
  seer_runs: 1,
  max_requests_per_key: 1,
  seconds,
  notes: [],
});
const previous = {
  machine,
  dates: { dev: 'dev-date', cluster: 'cluster-date' },
  drills: [row('load', 'dev'), row('noisy_neighbour', 'dev'), row('load', 'cluster')],
};

it("a run of every drill replaces its backend's rows and keeps the other backend's", () => {
  const merged = mergeResults(previous, 'dev', [row('worker_killed', 'dev')], {
    date: 'now',
    machine,
  });

  expect(merged.dates).toEqual({ dev: 'now', cluster: 'cluster-date' });
  expect(merged.drills.map((r) => `${r.backend} ${r.name}`)).toEqual([
    'dev worker_killed',
    'cluster load',
  ]);
});

it('a run of some drills replaces their rows in place, dated, adds new ones, and keeps every other row and date', () => {
  const merged = mergeResults(
    previous,
    'dev',
    [row('noisy_neighbour', 'dev', 9), row('seer_stampede', 'dev', 7)],
    { date: 'now', machine, only: true },
  );

  expect(merged.dates).toEqual(previous.dates);
  expect(merged.drills.map((r) => [`${r.backend} ${r.name}`, r.seconds, r.date])).toEqual([
    ['dev load', 1, undefined],
    ['dev noisy_neighbour', 9, 'now'],
    ['dev seer_stampede', 7, 'now'],
    ['cluster load', 1, undefined],
  ]);
});
