// The bench's own workflows: the least a durable run can cost (engineFloor) and the textbook
// implementation (naiveSeerRun). Deterministic: they import only @temporalio/workflow and types.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { BenchActivities } from './activities';

/** A local activity runs in the worker that holds the workflow task: no activity task hop. */
const floor = proxyLocalActivities<BenchActivities>({ startToCloseTimeout: '30s' });

/** Textbook: a regular activity with a timeout and the SDK's default retry policy. */
const textbook = proxyActivities<BenchActivities>({ startToCloseTimeout: '30s' });

export async function engineFloor(seerLatencyMs: number): Promise<void> {
  await floor.waitSeerLatency(seerLatencyMs);
}

export async function naiveSeerRun(runUuid: string): Promise<number> {
  return textbook.callSeer(runUuid);
}
