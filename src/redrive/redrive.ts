// The re-drive: select runs that ran out of heal window, then reset each to its first workflow task
// (ResetWorkflowExecution): the same workflow id, so the same external_idempotency_key, and a fresh
// heal window (workflows/seer-run.ts). Prints progress, at most `rate` resets a second, a summary.
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { v5 as uuidv5 } from 'uuid';
import { SearchAttr } from '../domain';
import type { RedriveArgs } from './args';
import { Close, selectionQuery, verdictOf, type Candidate } from './eligibility';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;
type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;
const Status = temporal.api.enums.v1.WorkflowExecutionStatus;
const EventType = temporal.api.enums.v1.EventType;

/** Namespace of the reset's request ids: one base run, one reset, however often the CLI runs. */
const RESET_REQUEST_NAMESPACE = '4f1f7a0e-2c4b-4d0e-9a63-1c0f3d1f6a21';

export interface RedriveDeps {
  service: WorkflowService;
  namespace: string;
  print(line: string): void;
}

export interface RedriveSummary {
  redriven: number;
  skipped: number;
  failed: number;
}

/** The server refused the visibility query (its reason, one line): bad input, exit 2. */
export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError';
}

const CLOSE_OF: Record<temporal.api.enums.v1.WorkflowExecutionStatus, Close> = {
  [Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED]: Close.Unknown,
  [Status.WORKFLOW_EXECUTION_STATUS_RUNNING]: Close.Running,
  [Status.WORKFLOW_EXECUTION_STATUS_COMPLETED]: Close.Completed,
  [Status.WORKFLOW_EXECUTION_STATUS_FAILED]: Close.Failed,
  [Status.WORKFLOW_EXECUTION_STATUS_CANCELED]: Close.Canceled,
  [Status.WORKFLOW_EXECUTION_STATUS_TERMINATED]: Close.Terminated,
  [Status.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: Close.ContinuedAsNew,
  [Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: Close.TimedOut,
  [Status.WORKFLOW_EXECUTION_STATUS_PAUSED]: Close.Running,
};

export async function redrive(args: RedriveArgs, deps: RedriveDeps): Promise<RedriveSummary> {
  const candidates = [
    ...(args.query === null ? [] : await listCandidates(args, deps)),
    ...(await Promise.all(args.runs.map((runUuid) => describeCurrent(runUuid, deps)))),
  ];
  const summary: RedriveSummary = { redriven: 0, skipped: 0, failed: 0 };
  const skippedWhy = new Map<string, number>();
  const skip = (label: string, why: string, group: string) => {
    summary.skipped += 1;
    skippedWhy.set(group, (skippedWhy.get(group) ?? 0) + 1);
    deps.print(`${label} skipped ${why}`);
  };

  const chosen: Candidate[] = [];
  for (const found of candidates) {
    if (typeof found === 'string') {
      skip('', `${found}: no such run`, 'no such run');
      continue;
    }
    const verdict = verdictOf(found, args.include);
    if (verdict.kind === 'refused') skip('', `${found.runUuid}: ${verdict.why}`, verdict.label);
    else if (!chosen.some((c) => c.runUuid === found.runUuid)) chosen.push(found);
  }

  if (args.dryRun) {
    deps.print(`would re-drive ${chosen.length} run${chosen.length === 1 ? '' : 's'}:`);
    for (const run of chosen) deps.print(`  ${describeRun(run)}`);
    return { redriven: 0, skipped: summary.skipped, failed: 0 };
  }

  const intervalMs = 1_000 / args.ratePerSecond;
  const started = Date.now();
  for (const [i, run] of chosen.entries()) {
    const wait = started + i * intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    const label = `[${i + 1}/${chosen.length}]`;
    try {
      const outcome = await resetRun(run, args, deps);
      if (outcome.kind === 'skipped') {
        skip(label, `${run.runUuid}: ${outcome.why}`, outcome.label);
      } else {
        summary.redriven += 1;
        deps.print(`${label} re-driven ${describeRun(run)} → run ${outcome.newRunId}`);
      }
    } catch (err) {
      summary.failed += 1;
      deps.print(`${label} failed to re-drive ${run.runUuid}: ${oneLine(err)}`);
    }
  }
  const why = [...skippedWhy].map(([reason, n]) => `${n} ${reason}`).join(', ');
  deps.print(
    `re-driven ${summary.redriven}, skipped ${summary.skipped}${why ? ` (${why})` : ''}, failed to re-drive ${summary.failed}`,
  );
  return summary;
}

/** Every run the query selects (visibility pages; a base run a reset replaced is among them). */
async function listCandidates(args: RedriveArgs, deps: RedriveDeps): Promise<Candidate[]> {
  const query = selectionQuery(args.query ?? '', args.include);
  const out: Candidate[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    let page: temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
    try {
      page = await deps.service.listWorkflowExecutions({
        namespace: deps.namespace,
        query,
        pageSize: 500,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
    } catch (err) {
      if (grpcCode(err) === 3) throw new InvalidQueryError(oneLine(err));
      throw err;
    }
    out.push(...page.executions.map(candidateOf));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return out;
}

/** The current run of a UUID, or the UUID itself when no run has it. */
async function describeCurrent(runUuid: string, deps: RedriveDeps): Promise<Candidate | string> {
  try {
    const described = await deps.service.describeWorkflowExecution({
      namespace: deps.namespace,
      execution: { workflowId: runUuid },
    });
    return candidateOf(described.workflowExecutionInfo ?? {});
  } catch (err) {
    if (grpcCode(err) === 5) return runUuid;
    throw err;
  }
}

type ResetOutcome =
  { kind: 'reset'; newRunId: string } | { kind: 'skipped'; label: string; why: string };

/**
 * Resets the run to its first workflow task, if it is still its UUID's current run (a second
 * re-drive, or a list page that still shows the run a reset replaced, finds the newer run).
 * Signals and updates after that point are not reapplied: seerRun takes none, and nothing is sent
 * twice but the Seer request itself, under the same idempotency key.
 */
async function resetRun(
  run: Candidate,
  args: RedriveArgs,
  deps: RedriveDeps,
): Promise<ResetOutcome> {
  const current = await describeCurrent(run.runUuid, deps);
  if (typeof current === 'string')
    return { kind: 'skipped', label: 'no such run', why: 'no such run' };
  if (current.runId !== run.runId) {
    const verdict = verdictOf(current, args.include);
    return {
      kind: 'skipped',
      label: 'already re-driven',
      why: `already re-driven: its current run ${current.runId} is ${verdict.kind === 'eligible' ? 'FAILED again (re-drive that one)' : verdict.why}`,
    };
  }
  const firstTask = await firstCompletedWorkflowTask(deps, run);
  if (!firstTask?.eventId) {
    return {
      kind: 'skipped',
      label: 'no workflow task',
      why: 'no completed workflow task to reset to',
    };
  }
  const Exclude = temporal.api.enums.v1.ResetReapplyExcludeType;
  const reset = await deps.service.resetWorkflowExecution({
    namespace: deps.namespace,
    workflowExecution: { workflowId: run.runUuid, runId: run.runId },
    reason: `seer-runs redrive: ${args.reason}`,
    workflowTaskFinishEventId: firstTask.eventId,
    requestId: uuidv5(run.runId, RESET_REQUEST_NAMESPACE),
    resetReapplyExcludeTypes: [
      Exclude.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL,
      Exclude.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE,
    ],
  });
  return { kind: 'reset', newRunId: reset.runId ?? '?' };
}

function candidateOf(raw: RawExecution): Candidate {
  const fields = raw.searchAttributes?.indexedFields ?? {};
  const read = (name: string): unknown => {
    const payload = fields[name];
    if (!payload) return null;
    const value: unknown = defaultPayloadConverter.fromPayload(payload);
    return Array.isArray(value) ? (value[0] ?? null) : value;
  };
  const text = (name: string) => {
    const value = read(name);
    return typeof value === 'string' ? value : null;
  };
  const number = (name: string) => {
    const value = read(name);
    return typeof value === 'number' ? value : null;
  };
  return {
    runUuid: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    workflowType: raw.type?.name ?? '',
    close: CLOSE_OF[raw.status ?? Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED],
    status: text(SearchAttr.status.name),
    failureReason: text(SearchAttr.failureReason.name),
    seerRunId: number(SearchAttr.runId.name),
    organizationId: number(SearchAttr.organizationId.name),
    type: text(SearchAttr.type.name),
  };
}

function describeRun(run: Candidate): string {
  const why =
    run.close === Close.Failed ? (run.failureReason ?? 'failed') : run.close.toLowerCase();
  return `${run.runUuid} (organization ${run.organizationId ?? '?'}, ${run.type ?? '?'}, ${why})`;
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The server's reason without gRPC's "3 INVALID_ARGUMENT: " prefix, on one line. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The run's first WorkflowTaskCompleted event, page after page: each reset keeps the history up to
 * its reset point and adds a failed task, so after a few re-drives (or timed-out first tasks) it
 * sits past any one small page.
 */
async function firstCompletedWorkflowTask(
  deps: Pick<RedriveDeps, 'service' | 'namespace'>,
  run: { runUuid: string; runId: string },
): Promise<temporal.api.history.v1.IHistoryEvent | undefined> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await deps.service.getWorkflowExecutionHistory({
      namespace: deps.namespace,
      execution: { workflowId: run.runUuid, runId: run.runId },
      maximumPageSize: 100,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    const found = page.history?.events?.find(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    );
    if (found) return found;
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return undefined;
}
