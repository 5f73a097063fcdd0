// Ctrl-C for a launcher of child processes (npm start, npm run cluster): the first SIGINT/SIGTERM
// stops them in order; another one a few seconds later says "now" and kills them outright.
const RELAYED_TWICE_MS = 2_000;

export interface StopSignalHandlers {
  /** True once an orderly stop has begun (by a signal or by the launcher itself). */
  stopping(): boolean;
  /** The orderly stop, exiting with `code` once done. */
  stop(code: number): Promise<void>;
  /** The impatient path: kill everything now and exit. */
  killNow(): Promise<void>;
}

/**
 * The children run in their own process groups, so a terminal's Ctrl-C reaches only the launcher
 * (and npm/tsx in front of it, which may relay it: one press can arrive twice, hence the grace).
 */
export function onStopSignals(what: string, handlers: StopSignalHandlers): void {
  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!handlers.stopping()) {
        firstSignalAt = Date.now();
        return void handlers.stop(0);
      }
      if (Date.now() - firstSignalAt < RELAYED_TWICE_MS) return;
      process.stdout.write(`\nkilling the ${what} now\n`);
      void handlers.killNow();
    });
  }
}
