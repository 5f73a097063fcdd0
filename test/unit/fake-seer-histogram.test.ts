// The fake Seer's per-second request histogram: what a drill reads to check a cap on requests to
// Seer, as a pure count and through the control API (GET /__control/histogram?from=<epoch ms>).
import { request } from 'undici';
import { requestHistogram } from '../../src/fake-seer/histogram';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';

describe('requestHistogram', () => {
  it('counts requests in each whole second from `from`, leaves out earlier ones, and keeps empty seconds', () => {
    const from = 10_000;
    const times = [9_999, 10_000, 10_999, 12_500, 11_000, 12_000];

    expect(requestHistogram(times, from)).toEqual({
      from,
      per_second: [2, 1, 2],
      max_in_any_second: 2,
      total: 5,
    });
  });

  it('finds the busiest 1 s window across an aligned boundary: 2 + 2 in two seconds are 4 in one window', () => {
    // 0.6, 0.9 | 1.1, 1.4: each aligned second holds 2, the window [0.6 s, 1.6 s) holds 4.
    const times = [600, 900, 1_100, 1_400, 3_000];

    const histogram = requestHistogram(times, 0);

    expect(histogram.per_second).toEqual([2, 2, 0, 1]);
    expect(histogram.max_in_any_second).toBe(4);
  });

  it('a window is 1 s wide, end excluded: requests exactly 1 s apart are never in one window', () => {
    expect(requestHistogram([0, 1_000, 2_000], 0).max_in_any_second).toBe(1);
  });

  it('no request since `from`: an empty histogram', () => {
    expect(requestHistogram([1, 2], 5)).toEqual({
      from: 5,
      per_second: [],
      max_in_any_second: 0,
      total: 0,
    });
  });
});

describe('GET /__control/histogram', () => {
  let seer: FakeSeer;
  beforeEach(async () => {
    seer = await startFakeSeer({ sharedSecret: 'histogram-secret', control: true });
  });
  afterEach(() => seer.close());

  const send = () =>
    request(`${seer.url}/v1/automation/explorer/chat`, { method: 'POST', body: '{}' }).then((r) =>
      r.body.dump(),
    );
  const histogram = async (query: string) => {
    const response = await request(`${seer.url}/__control/histogram${query}`);
    return { status: response.statusCode, body: await response.body.json() };
  };

  it('counts every request the fake received since `from`, refused ones included', async () => {
    const from = Date.now();
    await Promise.all([send(), send(), send()]);

    const { status, body } = await histogram(`?from=${from}`);

    expect(status).toBe(200);
    expect(body).toMatchObject({ from, total: 3 });
    const { per_second } = body as { per_second: number[] };
    expect(per_second.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('without `from`, counts from the first request', async () => {
    await send();
    const first = seer.state.requests[0]!.at;

    await expect(histogram('')).resolves.toEqual({
      status: 200,
      body: { from: first, per_second: [1], max_in_any_second: 1, total: 1 },
    });
  });

  it('a `from` that is not a time is refused 400', async () => {
    await expect(histogram('?from=yesterday')).resolves.toMatchObject({ status: 400 });
  });
});
