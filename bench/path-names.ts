// The names of the bench's paths, apart from the code that drives them (bench/paths.ts), so the
// plan and the report read them without loading Temporal's client and worker.

export const PATHS = [
  'direct',
  'mirror',
  'mirror_fairness_on',
  'mirror_fairness_off',
  'engine_floor',
  'naive',
] as const;
export type PathName = (typeof PATHS)[number];
/** The mirror path on the twin stacks, compared with each other only (bench/report.ts). */
export const TWIN_PATHS = ['mirror_fairness_on', 'mirror_fairness_off'] as const;
export type TwinPath = (typeof TWIN_PATHS)[number];
export const isTwinPath = (path: PathName): path is TwinPath =>
  (TWIN_PATHS as readonly PathName[]).includes(path);
/** The paths whose runs go through an API (the others: the bench's own client and worker). */
export const API_PATHS: ReadonlySet<PathName> = new Set([
  'direct',
  'mirror',
  'mirror_fairness_on',
  'mirror_fairness_off',
]);
