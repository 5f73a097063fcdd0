// `npm run demo`: creates one run of each type through the running stack's API and prints where
// to see each one in the Temporal Web UI.
import { RUN_TYPES, type RunType } from '../domain';

const api = process.env.SEER_RUNS_API_URL ?? `http://127.0.0.1:${process.env.PORT || 8080}`;
const token = process.env.SEER_RUNS_API_TOKEN ?? 'dev-token';
const ui = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const org = 1;

/** One example body per run type: a new type fails to compile until it has its demo. */
const DEMO_BODIES = {
  explorer: { project_id: 11, request: { query: 'Why did checkout errors spike today?' } },
  assisted_query: {
    request: {
      org_slug: 'acme',
      project_ids: [11],
      natural_language_query: 'slowest endpoints this week',
      strategy: 'default',
    },
  },
  autofix: { project_id: 11, request: { issue: { id: 1001, title: 'TypeError: x is undefined' } } },
  feature_run: { request: { feature_id: 'issue-summary', payload: { issue_id: 1001 } } },
  pr_review: { request: { repo: 'acme/web', pr: 42 } },
} satisfies Record<RunType, { project_id?: number; request: Record<string, unknown> }>;
const runs = RUN_TYPES.map((type) => ({ type, ...DEMO_BODIES[type] }));

async function main(): Promise<void> {
  for (const run of runs) {
    const response = await fetch(`${api}/v1/organizations/${org}/seer-runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(run),
    });
    const body = (await response.json()) as {
      run_id?: number;
      run_uuid?: string | null;
      retry_token?: string;
      error?: string;
      reason?: string;
    };
    const uuid = body.run_uuid ?? body.retry_token;
    const what =
      body.run_id !== undefined ? `run_id ${body.run_id}` : `${body.error} (${body.reason ?? ''})`;
    process.stdout.write(`${run.type.padEnd(15)} ${response.status} ${what}\n`);
    if (uuid)
      process.stdout.write(`${''.padEnd(15)} ${ui}/namespaces/${namespace}/workflows/${uuid}\n`);
  }
  process.stdout.write(
    `\nAll runs: ${ui}/namespaces/${namespace}/workflows?query=${encodeURIComponent('WorkflowType="seerRun"')}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `demo failed: ${(err as Error).message}. Is the stack up? Start it with \`npm start\` (API ${api}).\n`,
  );
  process.exit(1);
});
