// Progress lines on stderr, stamped with the seconds since the bench started, so stdout carries
// only the final table.
const started = performance.now();

export function progress(line: string): void {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${line}\n`);
}
