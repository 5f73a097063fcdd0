// How the kill drills read a kill's damage from Seer's records (drills/cut-attempts.ts): a request
// sent before the kill and never answered was cut, and its run's next request is the takeover.
import { runUuidFor } from '../../src/api/idempotency';
import type { RecordedRequest } from '../../src/fake-seer/server';
import type { RunRequest } from '../../drills/client';
import { cutAttempts, cutNote } from '../../drills/cut-attempts';

const KILL = 10_000;
const run = (key: string): RunRequest => ({ org: 7, key, body: {} });

function sent(r: RunRequest, at: number, status: number | null): RecordedRequest {
  return {
    route: '/v1/automation/explorer/chat',
    key: runUuidFor(r.org, r.key),
    signature_ok: true,
    viewer_context_ok: null,
    status,
    at,
    headers: {},
    traceparent: null,
    body: null,
    body_sha256: '',
    fault: null,
  };
}

it("a request sent before the kill and never answered is cut; its run's next request is the takeover", () => {
  const [a, b] = [run('a'), run('b')];
  const figures = cutAttempts(
    [sent(a, 9_000, null), sent(a, 19_800, 200), sent(b, 9_500, null), sent(b, 20_100, 200)],
    [a, b],
    KILL,
  );
  expect(figures).toEqual({ cut: 2, retried: 2, takeover_ms: { first: 9_800, last: 10_100 } });
  expect(cutNote('first attempts', figures)).toBe(
    '2 first attempts cut by the kill, 2 of them sent again; taken over 9800–10100 ms after the kill',
  );
});

it('answered requests, requests after the kill and other runs are not cut', () => {
  const [a, b, other] = [run('a'), run('b'), run('other')];
  const figures = cutAttempts(
    [sent(a, 9_000, 503), sent(a, 9_900, 200), sent(b, 10_500, null), sent(other, 9_000, null)],
    [a, b],
    KILL,
  );
  expect(figures).toEqual({ cut: 0, retried: 0, takeover_ms: null });
});

it('a cut run that never sent again counts as cut, not retried', () => {
  const a = run('a');
  expect(cutAttempts([sent(a, 9_000, null)], [a], KILL)).toEqual({
    cut: 1,
    retried: 0,
    takeover_ms: null,
  });
});
