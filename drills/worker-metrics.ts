// What a standalone worker holds, read as an operator reads it: from its SDK metrics endpoint
// (WORKER_METRICS_PORT, Prometheus text). The API's embedded worker exports none.

/** The sum of a metric's samples whose labels include every one of `labels`; 0 when absent. */
function sampleSum(text: string, metric: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    if (!match || match[1] !== metric) continue;
    const has = Object.entries(labels).every(([k, v]) => match[2]!.includes(`${k}="${v}"`));
    if (has) sum += Number(match[3]);
  }
  return sum;
}

async function scrape(metricsUrl: string): Promise<string> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`worker metrics ${metricsUrl}: ${response.status}`);
  return response.text();
}

/** Activity attempts (regular activities: a run's retries) the worker executes right now. */
export async function activitiesInFlight(metricsUrl: string): Promise<number> {
  return sampleSum(await scrape(metricsUrl), 'temporal_worker_task_slots_used', {
    worker_type: 'ActivityWorker',
  });
}

/** Local activities (runs' first attempts) the worker has run since it started. */
export async function localActivitiesRun(metricsUrl: string): Promise<number> {
  return sampleSum(await scrape(metricsUrl), 'temporal_local_activity_total', {});
}
