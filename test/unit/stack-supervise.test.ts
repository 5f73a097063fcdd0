import type { ExitStatus, Incarnation } from '../../src/stack/processes';
import { StackProcess } from '../../src/stack/processes';
import { supervise } from '../../src/stack/supervise';

/** A process whose runs the test ends by hand: `die()` ends the current one. */
function fakeProcess() {
  const runs: Array<{ pid: number; end: (status: ExitStatus) => void; running: boolean }> = [];
  const launch = (): Promise<Incarnation> => {
    let end!: (status: ExitStatus) => void;
    const exited = new Promise<ExitStatus>((resolve) => (end = resolve));
    const run = { pid: 100 + runs.length, end, running: true };
    void exited.then(() => (run.running = false));
    runs.push(run);
    return Promise.resolve({
      pid: run.pid,
      exited,
      isRunning: () => run.running,
      signal: () => end('SIGTERM'),
    });
  };
  const child = new StackProcess('worker', {
    launch,
    ready: () => Promise.resolve(),
    graceMs: 1_000,
  });
  const die = async () => {
    runs.at(-1)!.end('SIGKILL');
    // Every promise the supervisor chains on this exit settles before the next macrotask.
    await new Promise(setImmediate);
  };
  return { child, runs, die };
}

describe('a supervised stack process', () => {
  it('is restarted when it dies, and the stack says so with the new pid', async () => {
    const { child, runs, die } = fakeProcess();
    await child.start();
    const lines: string[] = [];
    const giveUp = jest.fn();
    void supervise(child, {
      maxRestarts: 5,
      windowMs: 60_000,
      say: (line) => lines.push(line),
      isStopping: () => false,
      giveUp,
    });
    await die();
    expect(runs).toHaveLength(2);
    expect(child.running).toBe(true);
    expect(lines).toEqual([
      'worker exited unexpectedly (SIGKILL); restarting it (restart 1 of at most 5 within 60 s)',
      'worker restarted (pid 101)',
    ]);
    expect(giveUp).not.toHaveBeenCalled();
  });

  it('stops the stack with the reason when it dies a sixth time within the window', async () => {
    const { child, runs, die } = fakeProcess();
    await child.start();
    const giveUp = jest.fn();
    void supervise(child, {
      maxRestarts: 5,
      windowMs: 60_000,
      say: () => undefined,
      isStopping: () => false,
      giveUp,
    });
    for (let i = 0; i < 5; i++) await die();
    expect(runs).toHaveLength(6);
    expect(giveUp).not.toHaveBeenCalled();
    await die();
    expect(runs).toHaveLength(6);
    expect(giveUp).toHaveBeenCalledWith(
      'worker exited (SIGKILL) after 5 restarts within 60 s; stopping the stack',
    );
  });

  it('lets it go when the stack is stopping', async () => {
    const { child, runs, die } = fakeProcess();
    await child.start();
    const say = jest.fn();
    void supervise(child, {
      maxRestarts: 5,
      windowMs: 60_000,
      say,
      isStopping: () => true,
      giveUp: () => undefined,
    });
    await die();
    expect(runs).toHaveLength(1);
    expect(say).not.toHaveBeenCalled();
  });
});
