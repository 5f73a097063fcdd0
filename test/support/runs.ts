// Runs a SeerRun workflow to its end as a user of the service sees it: the result or the failure
// the client gets, and the search attributes and memo operators see afterwards.
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { SeerRunInput, SeerRunResult } from '../../src/domain';
import { startSeerRunWorkflow } from '../../src/temporal/runs';

export interface RunEnd {
  result: SeerRunResult | null;
  /** The ApplicationFailure at the end of the client's cause chain (WorkflowFailedError → ...). */
  failure: ApplicationFailure | null;
  searchAttributes: Record<string, unknown>;
  memo: Record<string, unknown>;
  historyLength: number;
}

export async function runToEnd(
  client: Client,
  taskQueue: string,
  input: SeerRunInput,
): Promise<RunEnd> {
  const handle = await startSeerRunWorkflow(client, taskQueue, input, { body_sha256: 'test' });
  let result: SeerRunResult | null = null;
  let failure: ApplicationFailure | null = null;
  try {
    result = await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure))
      throw err;
    failure = err.cause;
  }
  const description = await handle.describe();
  const searchAttributes: Record<string, unknown> = {};
  for (const { key, value } of description.typedSearchAttributes.getAll())
    searchAttributes[key.name] = value;
  return {
    result,
    failure,
    searchAttributes,
    memo: description.memo ?? {},
    historyLength: description.historyLength,
  };
}

/** A history's JSON plus the decoded bytes of every payload in it: all the text Temporal keeps. */
export function withPayloadText(historyJson: string): string {
  const decoded = [...historyJson.matchAll(/"data":\s*"([A-Za-z0-9+/=]*)"/g)].map((m) =>
    Buffer.from(m[1]!, 'base64').toString('latin1'),
  );
  return [historyJson, ...decoded].join('\n');
}
