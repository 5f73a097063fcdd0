// `npm run drills`: every drill against one real stack (separate processes), one table, and the
// JSON in drills/results/latest.json. `--ci` runs the small sizes; `--only a,b` picks drills.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CI, DRILLS, FULL, OWN_STACK } from './drills';
import type { DrillResult } from './ledger';
import { startDrillStack } from './stack';

export function formatTable(results: DrillResult[]): string {
  const header = [
    'drill',
    'requested',
    'LIVE',
    'FAILED',
    'lost',
    'duplicates',
    'seconds',
    'p99 ms',
  ];
  const rows = results.map((r) => [
    r.name,
    String(r.requested),
    String(r.live),
    String(r.failed),
    String(r.lost),
    String(r.duplicates),
    String(r.seconds),
    r.p99_ms === undefined ? '' : String(r.p99_ms),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const ci = process.argv.includes('--ci');
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex > 0 ? process.argv[onlyIndex + 1]?.split(',') : undefined;
  const unknown = only?.filter((name) => !(name in DRILLS)) ?? [];
  if (unknown.length) {
    process.stderr.write(
      `unknown drill(s): ${unknown.join(', ')}; known: ${Object.keys(DRILLS).join(', ')}\n`,
    );
    process.exit(2);
  }
  const size = ci ? CI : FULL;
  const stack = await startDrillStack();
  process.stdout.write(`stack up (logs: ${stack.logFile})\n`);
  const results: DrillResult[] = [];
  const earlier = new Set<string>();
  try {
    for (const [name, drill] of Object.entries(DRILLS)) {
      if (only && !only.includes(name)) continue;
      process.stdout.write(`running ${name}...\n`);
      const own = OWN_STACK[name];
      const ownStack = own ? await startDrillStack(own) : undefined;
      try {
        const result = await drill(ownStack ?? stack, size, ownStack ? new Set() : earlier);
        results.push(result);
        process.stdout.write(`  ${JSON.stringify(result)}\n`);
      } finally {
        await ownStack?.close();
      }
    }
  } finally {
    await stack.close();
  }
  process.stdout.write(`\n${formatTable(results)}\n`);
  if (!ci && !only) {
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const machine = { cores: (await import('node:os')).cpus().length, node: process.version };
    writeFileSync(
      join(dir, 'latest.json'),
      `${JSON.stringify({ date: new Date().toISOString(), machine, drills: results }, null, 2)}\n`,
    );
    process.stdout.write(`\nwritten: drills/results/latest.json\n`);
  }
  const bad = results.filter((r) => r.lost > 0 || r.duplicates > 0);
  process.exit(bad.length ? 1 : 0);
}

if (require.main === module) void main();
