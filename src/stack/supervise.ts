// Keeps one process of the stack up (spec §5: the worker): a run that dies is restarted and the
// stack says so, at most `maxRestarts` times within `windowMs`; past that, the stack stops.
import type { StackProcess } from './processes';

export interface SuperviseOptions {
  maxRestarts: number;
  windowMs: number;
  /** Where the supervisor reports what it did (the stack's own output). */
  say: (line: string) => void;
  /** True once the stack is going down: an exit then is expected, not a death. */
  isStopping: () => boolean;
  /** Called once, with the reason, when the process dies more often than the budget allows. */
  giveUp: (reason: string) => void;
}

/** Resolves when supervision ends: the stack is stopping, or it gave up on the process. */
export async function supervise(child: StackProcess, options: SuperviseOptions): Promise<void> {
  const { maxRestarts, windowMs, say } = options;
  const restarts: number[] = [];
  for (;;) {
    const status = await child.exited;
    if (options.isStopping()) return;
    const now = Date.now();
    while (restarts.length > 0 && now - restarts[0]! >= windowMs) restarts.shift();
    if (restarts.length >= maxRestarts) {
      return options.giveUp(
        `${child.name} exited (${String(status)}) after ${maxRestarts} restarts within ` +
          `${windowMs / 1000} s; stopping the stack`,
      );
    }
    restarts.push(now);
    say(
      `${child.name} exited unexpectedly (${String(status)}); restarting it ` +
        `(restart ${restarts.length} of at most ${maxRestarts} within ${windowMs / 1000} s)`,
    );
    try {
      await child.restart();
      say(`${child.name} restarted (pid ${String(child.pid)})`);
    } catch (err) {
      if (options.isStopping()) return;
      say(`${child.name} did not start again: ${(err as Error).message}`);
      // A run that is up but never got ready counts as dead too: the next turn restarts it.
      if (child.running) await child.kill('SIGKILL');
    }
  }
}
