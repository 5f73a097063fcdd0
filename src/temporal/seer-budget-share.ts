// A worker process's share of SEER_MAX_REQUESTS_PER_SECOND: the cap divided by the worker processes
// polling the task queue's activities (DescribeTaskQueue: distinct poller identities, this one
// included), refreshed every 10 s, so the budgets together stay at the cap as workers come and go.
import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import type { RequestBudget } from '../seer/request-budget';
import { dateOf } from './client/list';

export interface BudgetShareOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** This worker's identity as Temporal sees its polls; counted even before its first poll. */
  identity: string;
  maxRequestsPerSecond: number;
  budget: RequestBudget;
  logger: Logger;
  refreshMs?: number;
  /** A poller whose last poll is older than this has gone (the same bound as /readyz). */
  stalePollerMs?: number;
}

export interface BudgetShare {
  /** The worker processes the last answer counted (1 until one came). */
  workers(): number;
  /** Stops refreshing; waits for a describe in flight (bounded by its deadline). */
  stop(): Promise<void>;
}

export const BUDGET_SHARE_REFRESH_MS = 10_000;
/**
 * Workers of one deployment start together, and each counts only itself until the others have
 * polled: for this long after its start a worker describes every second, so a cold start spends
 * at most a few seconds above its share (the drills saw 1.5x the cap in a stampede's first 10 s).
 */
const WARM_UP_MS = 30_000;
const WARM_UP_REFRESH_MS = 1_000;
const STALE_POLLER_MS = 75_000;
/** One describe's bound: it never long-polls. */
const DESCRIBE_TIMEOUT_MS = 5_000;

/**
 * Describes at once, every second while warming up, then every `refreshMs`; a failed describe keeps
 * the last share.
 */
export function startBudgetShare(options: BudgetShareOptions): BudgetShare {
  const refreshMs = options.refreshMs ?? BUDGET_SHARE_REFRESH_MS;
  const staleMs = options.stalePollerMs ?? STALE_POLLER_MS;
  const log = options.logger.child({ task_queue: options.taskQueue });
  let workers = 1;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  const startedAt = Date.now();

  const countWorkers = async (): Promise<number> => {
    const { connection } = options;
    const answer = await connection.withDeadline(Date.now() + DESCRIBE_TIMEOUT_MS, () =>
      connection.workflowService.describeTaskQueue({
        namespace: options.namespace,
        taskQueue: {
          name: options.taskQueue,
          kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
        },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      }),
    );
    const freshSince = Date.now() - staleMs;
    const identities = new Set([options.identity]);
    for (const poller of answer.pollers) {
      const lastPoll = dateOf(poller.lastAccessTime)?.getTime() ?? 0;
      if (poller.identity && lastPoll >= freshSince) identities.add(poller.identity);
    }
    return identities.size;
  };

  const refresh = async (): Promise<void> => {
    try {
      const counted = await countWorkers();
      if (counted === workers || stopped) return;
      workers = counted;
      options.budget.setRate(options.maxRequestsPerSecond / workers);
      log.info(
        {
          workers,
          share_per_second: options.budget.perSecond,
          max_requests_per_second: options.maxRequestsPerSecond,
        },
        "Seer request budget: this worker's share changed",
      );
    } catch (err) {
      if (!stopped) log.warn({ err, workers }, 'Seer request budget: describe failed; share kept');
    }
  };

  const tick = (): void => {
    inFlight = refresh().finally(() => {
      inFlight = undefined;
      const warmingUp = Date.now() - startedAt < WARM_UP_MS;
      if (!stopped)
        timer = setTimeout(tick, warmingUp ? Math.min(WARM_UP_REFRESH_MS, refreshMs) : refreshMs);
    });
  };
  tick();

  return {
    workers: () => workers,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
