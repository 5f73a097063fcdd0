// The activities the worker registers, built once per process around one Seer client (and, with a
// Seer cap, the process's request budget).
import type { Logger } from 'pino';
import { START_SEER_RUN_ACTIVITY } from '../src/domain/attempts';
import type { SeerBudget } from './seer-budget';
import { createStartSeerRun, type SeerRunStarter } from './start-seer-run';
import { createTriggerExplorerIndex, type ExplorerIndexer } from './trigger-explorer-index';

export function createActivities(deps: {
  seer: SeerRunStarter & ExplorerIndexer;
  logger: Logger;
  seerBudget?: SeerBudget | undefined;
}) {
  return {
    [START_SEER_RUN_ACTIVITY]: createStartSeerRun(deps),
    triggerExplorerIndex: createTriggerExplorerIndex(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
