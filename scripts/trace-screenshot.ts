// Takes README's picture of a run's trace (docs/jaeger-trace.png): the stack with Jaeger, one
// explorer run whose first Seer request is answered 503, its trace opened in Jaeger's UI in
// headless Chromium. Needs a built jaeger-ui (JAEGER_UI_ASSETS): the Go build serves none.
// `JAEGER_UI_ASSETS=<dir> npx tsx scripts/trace-screenshot.ts [out.png]`
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../src/stack/stack';
import { freePort } from '../src/temporal/dev-server';
import { launchBrowser } from '../test/support/browser';

const out = process.argv[2] ?? join(__dirname, '../docs/jaeger-trace.png');

async function main(): Promise<void> {
  const assets = process.env.JAEGER_UI_ASSETS;
  if (!assets || !existsSync(join(assets, 'index.html'))) {
    process.stderr.write(
      'JAEGER_UI_ASSETS must name a built jaeger-ui (a folder with index.html)\n',
    );
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'seer-runs-screenshot-'));
  const [temporal, fakeSeer, api, metrics] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const stack = await startStack({
    env: {
      ...process.env,
      PORT: String(api),
      WORKER_METRICS_PORT: String(metrics),
      FAKE_SEER_CONTROL: 'on',
      FAKE_SEER_LATENCY_MS: '40',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      LOG_LEVEL: 'warn',
    },
    dataDir: dir,
    storage: 'memory',
    ports: { temporal, ui: null, fakeSeer, codec: null },
    tracing: { uiPort: 0 },
    onLine: () => undefined,
  });
  try {
    const control = (action: string, body: unknown) =>
      fetch(`${stack.seerUrl}/__control/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await control('config', { has_explorer_index: false });
    await control('faults', {
      route: '/v1/automation/explorer/chat',
      faults: [{ status: 503, headers: { 'retry-after': '1' } }],
    });
    const response = await fetch(`${stack.apiUrl}/v1/organizations/1/seer-runs`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'explorer',
        project_id: 11,
        request: { query: 'Why did checkout errors spike?' },
      }),
    });
    const { run_uuid: runUuid } = (await response.json()) as { run_uuid: string };
    const traceId = await waitForTrace(stack.jaegerUrl!, runUuid);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
      await page.goto(`${stack.jaegerUrl}/trace/${traceId}`);
      await page.getByText('POST /v1/automation/explorer/index').first().waitFor();
      await page.screenshot({ path: out });
    } finally {
      await browser.close();
    }
    process.stdout.write(`trace ${traceId} of run ${runUuid}: ${out}\n`);
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The run's trace id, once its follow-up's Seer span has reached Jaeger. */
async function waitForTrace(jaegerUrl: string, runUuid: string): Promise<string> {
  const tags = encodeURIComponent(JSON.stringify({ temporalWorkflowId: runUuid }));
  for (let i = 0; i < 100; i++) {
    const answer = await fetch(`${jaegerUrl}/api/traces?service=seer-runs-api&tags=${tags}`);
    const { data } = (await answer.json()) as {
      data: Array<{ traceID: string; spans: Array<{ operationName: string }> }> | null;
    };
    const trace = data?.find((t) =>
      t.spans.some((s) => s.operationName === 'POST /v1/automation/explorer/index'),
    );
    if (trace) return trace.traceID;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no trace of run ${runUuid} in Jaeger`);
}

main().catch((err: unknown) => {
  process.stderr.write(`trace-screenshot failed: ${(err as Error).message}\n`);
  process.exit(1);
});
