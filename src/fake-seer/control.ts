// The control API (/__control/*, off unless enabled): tests and drills script faults and runtime
// config, and read back the requests and runs the fake saw. Each request's schema is beside it.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { isSeerRoute } from './contract';
import { requestHistogram } from './histogram';
import { FakeFault, FakeSeerConfig, type FakeSeerState } from './state';
import { parseJson, sendJson } from './wire';

export const CONTROL_PREFIX = '/__control/';

const FaultsRequest = z.strictObject({ route: z.string(), faults: z.array(FakeFault) });
const ConfigRequest = FakeSeerConfig.partial();
/** `?from=<epoch ms>`: count from then on; without it, from the first request. */
const HistogramQuery = z.strictObject({ from: z.coerce.number().int().nonnegative().optional() });

/** `action` is the path after the prefix: `GET requests`, `POST faults`, ... */
export function answerControl(
  state: FakeSeerState,
  method: string | undefined,
  action: string,
  query: URLSearchParams,
  raw: Buffer,
  res: ServerResponse,
): void {
  const route = `${method ?? ''} ${action}`;
  if (route === 'GET requests') return sendJson(res, 200, { requests: state.requests });
  if (route === 'GET histogram') {
    const parsed = HistogramQuery.safeParse(Object.fromEntries(query));
    if (!parsed.success) return sendJson(res, 400, { detail: z.prettifyError(parsed.error) });
    const times = state.requests.map((r) => r.at);
    const from = parsed.data.from ?? times.reduce((a, b) => Math.min(a, b), Date.now());
    return sendJson(res, 200, requestHistogram(times, from));
  }
  if (route === 'GET runs') return sendJson(res, 200, { runs: state.runs });
  if (route === 'POST reset') {
    state.reset();
    return sendJson(res, 200, {});
  }
  if (route === 'POST faults') {
    const parsed = FaultsRequest.safeParse(parseJson(raw));
    if (!parsed.success) return sendJson(res, 400, { detail: z.prettifyError(parsed.error) });
    if (!isSeerRoute(parsed.data.route)) {
      return sendJson(res, 400, { detail: `no route ${parsed.data.route}` });
    }
    state.queueFaults(parsed.data.route, parsed.data.faults);
    return sendJson(res, 200, { queued: parsed.data.faults.length });
  }
  if (route === 'POST config') {
    const parsed = ConfigRequest.safeParse(parseJson(raw));
    if (!parsed.success) return sendJson(res, 400, { detail: z.prettifyError(parsed.error) });
    return sendJson(res, 200, state.configure(parsed.data));
  }
  return sendJson(res, 404, { detail: `no control route ${route}` });
}
