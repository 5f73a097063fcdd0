// A client in a process of its own, for a drill that times one organization's runs while another
// floods the API from the drill's process: timed there, a run's latency would include the drill's
// own work on the flood's thousand answers, which no real client of that organization shares.
// Reads one job per stdin line ({id, apis, run, deadline_ms}), drives the run by the retry rule
// (client.ts) and writes {id, ms, outcome} as one stdout line when it has its final answer.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { driveRun, type RunOutcome, type RunRequest } from './client';

interface Job {
  id: number;
  apis: string[];
  run: RunRequest;
  deadline_ms: number;
}

export interface Timed {
  ms: number;
  outcome: RunOutcome;
}

/** The client process: `send` drives one run there and resolves with its time and outcome. */
export interface TimedClient {
  send(apis: string[], run: RunRequest, deadlineMs: number): Promise<Timed>;
  close(): Promise<void>;
}

export function startTimedClient(): TimedClient {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', __filename, '--serve'], {
    cwd: join(__dirname, '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = new Map<number, (timed: Timed) => void>();
  let nextId = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const answer = JSON.parse(line) as { id: number } & Timed;
    waiting.get(answer.id)?.({ ms: answer.ms, outcome: answer.outcome });
    waiting.delete(answer.id);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    send(apis, run, deadlineMs) {
      const id = nextId++;
      const job: Job = { id, apis, run, deadline_ms: deadlineMs };
      return new Promise<Timed>((resolve) => {
        waiting.set(id, resolve);
        child.stdin!.write(`${JSON.stringify(job)}\n`);
      });
    },
    async close() {
      child.stdin!.end();
      await exited;
    },
  };
}

async function serve(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const inFlight = new Set<Promise<void>>();
  for await (const line of lines) {
    const job = JSON.parse(line) as Job;
    const done = (async () => {
      const sent = performance.now();
      const outcome = await driveRun(job.apis, job.run, job.deadline_ms);
      const ms = performance.now() - sent;
      process.stdout.write(`${JSON.stringify({ id: job.id, ms, outcome })}\n`);
    })();
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  }
  await Promise.all(inFlight);
}

if (process.argv.includes('--serve')) void serve();
