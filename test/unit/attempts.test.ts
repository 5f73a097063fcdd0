// How requests to Seer are counted (src/domain/attempts.ts): each request's number in the
// activity, and a run's count as GET reads it from SeerRunAttempts, the memo and the pending
// activity.
import { attemptsSent, requestNumber, type PendingSeerAttempt } from '../../src/domain';

const started = (attempt: number): PendingSeerAttempt => ({ attempt, started: true });
const scheduled = (attempt: number): PendingSeerAttempt => ({ attempt, started: false });

describe("a request's number", () => {
  it.each<[string, Parameters<typeof requestNumber>[1], number, number]>([
    ['the first attempt (no earlier requests)', undefined, 1, 1],
    ['a retry of the regular activity after the local attempt', { sent_before: 1 }, 3, 4],
    ['an activity scheduled by an older worker (a bare number in history)', 1, 3, 4],
    ['nothing sent before, as an object', { sent_before: 0 }, 2, 2],
  ])('%s', (_case, before, activityAttempt, expected) => {
    expect(requestNumber(activityAttempt, before)).toBe(expected);
  });
});

describe("a run's requests as GET counts them", () => {
  it.each<[string, Parameters<typeof attemptsSent>[0], number]>([
    [
      'LIVE or FAILED by its own hand: the recorded total (SeerRunAttempts), whatever is pending',
      { recorded: 3, memo: { local_attempts: 1 }, closed: true, pending: started(5) },
      3,
    ],
    [
      'a recorded total of 0 (unsupported_type, invalid_payload) is a total, not a gap',
      { recorded: 0, memo: { local_attempts: 1 }, closed: true },
      0,
    ],
    [
      'the attribute wins over a total in the memo',
      { recorded: 2, memo: { attempts: 5 }, closed: true },
      2,
    ],
    [
      'a run recorded before SeerRunAttempts: the total in its memo',
      {
        recorded: undefined,
        memo: { attempts: 3, local_attempts: 1 },
        closed: false,
        pending: started(5),
      },
      3,
    ],
    [
      'open, local attempt failed, a retry in flight: 1 + its attempt',
      { recorded: undefined, memo: { local_attempts: 1 }, closed: false, pending: started(2) },
      3,
    ],
    [
      'open, local attempt failed, a retry waiting out its backoff: 1 + attempts before it',
      { recorded: null, memo: { local_attempts: 1 }, closed: false, pending: scheduled(2) },
      2,
    ],
    [
      'open, no earlier request recorded, its third attempt in flight',
      { recorded: undefined, memo: {}, closed: false, pending: started(3) },
      3,
    ],
    [
      'open, the local first attempt still in flight (no pending activity shows it)',
      { recorded: undefined, memo: { body_sha256: 'x' }, closed: false, pending: null },
      0,
    ],
    [
      'open, read from a list item (no pending activities known)',
      { recorded: undefined, memo: { local_attempts: 1 }, closed: false },
      1,
    ],
    [
      'closed from outside (terminated) with an attempt pending: what the memo knows',
      { recorded: undefined, memo: { local_attempts: 1 }, closed: true, pending: started(4) },
      1,
    ],
    ['no attribute and no memo at all', { recorded: undefined, memo: undefined, closed: true }, 0],
    [
      'memo values of the wrong type count as absent',
      {
        recorded: undefined,
        memo: { attempts: '3', local_attempts: null },
        closed: false,
        pending: null,
      },
      0,
    ],
  ])('%s', (_case, run, expected) => {
    expect(attemptsSent(run)).toBe(expected);
  });
});
