// The decision table of seer-api.md, row by row, on the pure classifier (no HTTP, no Temporal).
// The same rows through real HTTP are in seer-client.test.ts and the workflow tests.
import { classifyAck, classifyAnswer, type SeerAnswer } from '../../src/seer/classify-answer';

const NOW = Date.parse('2026-11-25T12:00:00Z');

function answer(
  status: number,
  body: string | Uint8Array = '',
  headers: SeerAnswer['headers'] = {},
): SeerAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

const classify = (...args: Parameters<typeof answer>) => classifyAnswer(answer(...args), NOW);

describe('a 2xx answer', () => {
  test('an object with an integer run_id makes the run live with that id', () => {
    expect(classify(200, '{"run_id": 42}')).toEqual({
      kind: 'live',
      runId: 42,
      hasExplorerIndex: null,
      hasOrgProjectContext: null,
    });
  });

  test('run_id 0 is a valid id', () => {
    expect(classify(200, '{"run_id": 0}')).toMatchObject({ kind: 'live', runId: 0 });
  });

  test('run_id 1.0 is the integer 1', () => {
    expect(classify(200, '{"run_id": 1.0}')).toMatchObject({ kind: 'live', runId: 1 });
  });

  test('any 2xx status counts, not only 200', () => {
    expect(classify(201, '{"run_id": 7}')).toMatchObject({ kind: 'live', runId: 7 });
  });

  test('the explorer flags are kept when they are booleans', () => {
    const body = '{"run_id": 3, "has_explorer_index": false, "has_org_project_context": true}';
    expect(classify(200, body)).toEqual({
      kind: 'live',
      runId: 3,
      hasExplorerIndex: false,
      hasOrgProjectContext: true,
    });
  });

  test('explorer flags that are null or not booleans read as unknown', () => {
    const body = '{"run_id": 3, "has_explorer_index": null, "has_org_project_context": "false"}';
    expect(classify(200, body)).toMatchObject({
      hasExplorerIndex: null,
      hasOrgProjectContext: null,
    });
  });

  test('a body that is not JSON is terminal invalid_json_body', () => {
    expect(classify(200, '<html>oops</html>')).toEqual({
      kind: 'terminal',
      reason: 'invalid_json_body',
      seerStatus: 200,
      bodySnippet: '<html>oops</html>',
    });
  });

  test('a body that is not valid UTF-8 is terminal invalid_json_body', () => {
    const bytes = Uint8Array.from([...Buffer.from('{"run_id": 1, "x": "'), 0xff, 0xfe, 0x22, 0x7d]);
    expect(classify(200, bytes)).toMatchObject({ kind: 'terminal', reason: 'invalid_json_body' });
  });

  test.each([
    ['a list', '[{"run_id": 1}]'],
    ['a string', '"run_id"'],
    ['a number', '1'],
    ['null', 'null'],
  ])('a JSON body that is %s is terminal invalid_json_body', (_, body) => {
    expect(classify(200, body)).toMatchObject({ kind: 'terminal', reason: 'invalid_json_body' });
  });

  test('an object without run_id is terminal missing_run_id', () => {
    expect(classify(200, '{"id": 1}')).toMatchObject({
      kind: 'terminal',
      reason: 'missing_run_id',
      seerStatus: 200,
      bodySnippet: '{"id": 1}',
    });
  });

  test('a null run_id is terminal missing_run_id', () => {
    expect(classify(200, '{"run_id": null}')).toMatchObject({
      kind: 'terminal',
      reason: 'missing_run_id',
    });
  });

  test.each([
    ['a string', '"1"'],
    ['a fraction', '1.5'],
    ['negative', '-1'],
    ['a boolean', 'true'],
    ['an object', '{"id": 1}'],
    ['beyond the safe integers', '9007199254740993'],
  ])('a run_id that is %s is terminal invalid_run_id', (_, runId) => {
    expect(classify(200, `{"run_id": ${runId}}`)).toMatchObject({
      kind: 'terminal',
      reason: 'invalid_run_id',
      seerStatus: 200,
    });
  });

  test('an empty 200 body is terminal invalid_json_body', () => {
    expect(classify(200, '')).toEqual({
      kind: 'terminal',
      reason: 'invalid_json_body',
      seerStatus: 200,
      bodySnippet: '',
    });
  });

  test('a 204 is terminal invalid_json_body', () => {
    expect(classify(204)).toMatchObject({
      kind: 'terminal',
      reason: 'invalid_json_body',
      seerStatus: 204,
    });
  });

  test("the body snippet keeps the first 512 bytes of Seer's body", () => {
    const outcome = classify(200, `{"detail": "${'x'.repeat(2000)}"}`);
    expect(outcome.kind === 'terminal' && outcome.bodySnippet).toHaveLength(512);
  });
});

describe('408 and 429', () => {
  test.each([408, 429])('%i is transient', (status) => {
    expect(classify(status, '{"detail": "slow down"}')).toEqual({
      kind: 'transient',
      seerStatus: status,
      cause: `http_${status}`,
    });
  });

  test('Retry-After in seconds sets the delay', () => {
    expect(classify(429, '', { 'retry-after': '7' })).toMatchObject({
      kind: 'transient',
      retryAfterMs: 7_000,
    });
  });

  test('Retry-After as an HTTP date sets the delay until that date', () => {
    expect(classify(429, '', { 'retry-after': 'Wed, 25 Nov 2026 12:00:30 GMT' })).toMatchObject({
      kind: 'transient',
      retryAfterMs: 30_000,
    });
  });

  test('a Retry-After longer than any cap is passed on uncapped', () => {
    expect(classify(408, '', { 'retry-after': '3600' })).toMatchObject({
      retryAfterMs: 3_600_000,
    });
  });

  test('a Retry-After date in the past means no wait', () => {
    expect(classify(429, '', { 'retry-after': 'Wed, 25 Nov 2026 11:00:00 GMT' })).toMatchObject({
      retryAfterMs: 0,
    });
  });

  test('a negative Retry-After means no wait', () => {
    expect(classify(429, '', { 'retry-after': '-5' })).toMatchObject({ retryAfterMs: 0 });
  });

  test('an unreadable Retry-After leaves the delay to the backoff', () => {
    const outcome = classify(429, '', { 'retry-after': 'soon' });
    expect(outcome).toEqual({ kind: 'transient', seerStatus: 429, cause: 'http_429' });
  });

  test('a repeated Retry-After header uses the first value, whatever its case', () => {
    expect(classify(429, '', { 'Retry-After': ['2', '9'] })).toMatchObject({
      retryAfterMs: 2_000,
    });
  });
});

describe('other 4xx and 3xx', () => {
  test.each([400, 401, 403, 404, 409, 413, 422])(
    'a %i is terminal seer_rejected with the status',
    (status) => {
      expect(classify(status, '{"detail": "no"}')).toEqual({
        kind: 'terminal',
        reason: 'seer_rejected',
        seerStatus: status,
        bodySnippet: '{"detail": "no"}',
      });
    },
  );

  test.each([301, 302, 307, 308])(
    'a %i is terminal seer_rejected: no redirect is followed',
    (status) => {
      expect(classify(status, '', { location: 'http://elsewhere/' })).toMatchObject({
        kind: 'terminal',
        reason: 'seer_rejected',
        seerStatus: status,
      });
    },
  );
});

describe('5xx', () => {
  test.each([500, 502, 503, 504])('a %i is transient with the status', (status) => {
    expect(classify(status, 'upstream error')).toEqual({
      kind: 'transient',
      seerStatus: status,
      cause: `http_${status}`,
    });
  });

  test("a 503's Retry-After is passed on", () => {
    expect(classify(503, '', { 'retry-after': '12' })).toMatchObject({
      kind: 'transient',
      retryAfterMs: 12_000,
    });
  });
});

describe('a follow-up acknowledgement', () => {
  test('any 2xx is ok whatever the body', () => {
    expect(classifyAck(answer(202, 'not json'), NOW)).toEqual({ kind: 'ok', seerStatus: 202 });
  });

  test('a 4xx is terminal with the status as its cause', () => {
    expect(classifyAck(answer(404, 'nope'), NOW)).toEqual({
      kind: 'terminal',
      seerStatus: 404,
      cause: 'http_404',
      bodySnippet: 'nope',
    });
  });

  test('a 503 is transient', () => {
    expect(classifyAck(answer(503), NOW)).toEqual({
      kind: 'transient',
      seerStatus: 503,
      cause: 'http_503',
    });
  });
});
