// The bench's activities: a wait as long as Seer's latency (engine_floor) and the same Seer call
// the mirror path makes, through the project's Seer client (naive).
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { ExplorerRequest, RunType } from '../src/domain';
import type { SeerClient } from '../src/seer/client';

export interface BenchRun {
  organizationId: number;
  projectId: number;
  query: string;
}

export function createBenchActivities(seer: SeerClient, run: BenchRun) {
  // The request the API would build from the bench's POST body (organization, defaults filled).
  const request = ExplorerRequest.parse({
    organization_id: run.organizationId,
    project_id: run.projectId,
    query: run.query,
  });
  return {
    async waitSeerLatency(ms: number): Promise<void> {
      await sleep(ms);
    },
    async callSeer(runUuid: string): Promise<number> {
      const outcome = await seer.startRun({
        type: RunType.explorer,
        runUuid,
        request,
        viewerContext: null,
      });
      if (outcome.kind === 'live') return outcome.runId;
      throw ApplicationFailure.create({
        type: outcome.kind === 'terminal' ? outcome.reason : 'seer_transient',
        message: `Seer answered ${outcome.kind}`,
        nonRetryable: outcome.kind === 'terminal',
      });
    },
  };
}

export type BenchActivities = ReturnType<typeof createBenchActivities>;
