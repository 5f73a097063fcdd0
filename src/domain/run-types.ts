// The closed set of run types and what each one fixes, as one table: its Seer route, where its
// request names the organization and the project, and its follow-up. The request schemas sit in a
// second table keyed the same way (requests.ts), because they need zod and this file must not.
// Adding a type fails to compile until both tables have its row (test/types/run-type-exhaustiveness.ts).
export const RunType = {
  explorer: 'explorer',
  assisted_query: 'assisted_query',
  autofix: 'autofix',
  feature_run: 'feature_run',
  pr_review: 'pr_review',
} as const;
export type RunType = (typeof RunType)[keyof typeof RunType];
export const RUN_TYPES = Object.values(RunType) as [RunType, ...RunType[]];

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}

/** Every Seer route this service calls (shared/spec/seer-api.md). Tests and drills use these too. */
export const SeerRoute = {
  explorerChat: '/v1/automation/explorer/chat',
  assistedQueryStart: '/v1/assisted-query/start',
  autofixStart: '/v1/automation/autofix/start',
  featureRun: '/v1/automation/agent/feature/run',
  /** Explorer follow-up: index the project. */
  explorerIndex: '/v1/automation/explorer/index',
  /** Explorer follow-up: build the organization's project knowledge. */
  explorerOrgProjectKnowledge: '/v1/automation/explorer/index/org-project-knowledge',
} as const;
export type SeerRoute = (typeof SeerRoute)[keyof typeof SeerRoute];

/** What Seer is asked to do once a new run of the type is LIVE. */
export const FollowUp = {
  /** Index the project when Seer's answer says the index or the project knowledge is missing. */
  explorerIndex: 'explorer_index',
} as const;
export type FollowUp = (typeof FollowUp)[keyof typeof FollowUp];

export interface RunTypeSpec {
  /** Where Seer creates the run; null while Seer has no route (the run fails as unsupported_type). */
  readonly seerRoute: SeerRoute | null;
  /** The request field naming the organization: the API fills it in from the path. */
  readonly organizationField: 'organization_id' | 'org_id' | null;
  /**
   * The request field naming the run's project, or null when the request has none (the project
   * then lives on the envelope only). The API copies the run's project_id into it when absent
   * and refuses a request whose value differs.
   */
  readonly projectField: 'project_id' | null;
  /** Seer dedupes every run on external_idempotency_key; these types are also looked up by `ref`. */
  readonly runUuidAsRef: boolean;
  readonly followUp: FollowUp | null;
}

export const RUN_TYPE_TABLE = {
  explorer: {
    seerRoute: SeerRoute.explorerChat,
    organizationField: 'organization_id',
    projectField: 'project_id',
    runUuidAsRef: false,
    followUp: FollowUp.explorerIndex,
  },
  assisted_query: {
    seerRoute: SeerRoute.assistedQueryStart,
    organizationField: 'org_id',
    projectField: null,
    runUuidAsRef: false,
    followUp: null,
  },
  autofix: {
    seerRoute: SeerRoute.autofixStart,
    organizationField: 'organization_id',
    projectField: 'project_id',
    runUuidAsRef: false,
    followUp: null,
  },
  feature_run: {
    seerRoute: SeerRoute.featureRun,
    organizationField: null,
    projectField: null,
    runUuidAsRef: true,
    followUp: null,
  },
  pr_review: {
    seerRoute: null,
    organizationField: null,
    projectField: null,
    runUuidAsRef: false,
    followUp: null,
  },
} as const satisfies Record<RunType, RunTypeSpec>;

/** The type's row, typed as the general spec (not the literal row). */
export function runTypeSpec(type: RunType): RunTypeSpec {
  return RUN_TYPE_TABLE[type];
}
