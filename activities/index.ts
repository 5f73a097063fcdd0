// The activities the worker registers, built once per process around one Seer client.
import type { Logger } from 'pino';
import { createStartSeerRun, type SeerRunStarter } from './start-seer-run';
import { createTriggerExplorerIndex, type ExplorerIndexer } from './trigger-explorer-index';

export function createActivities(deps: { seer: SeerRunStarter & ExplorerIndexer; logger: Logger }) {
  return {
    startSeerRun: createStartSeerRun(deps),
    triggerExplorerIndex: createTriggerExplorerIndex(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
