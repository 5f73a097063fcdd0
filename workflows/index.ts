// The workflows this worker registers (bundled once; imports only the domain and the SDK).
export { seerRun, statusQuery } from './seer-run';
export { explorerIndex } from './explorer-index';
