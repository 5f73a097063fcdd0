// The closed set of run types and what each one fixes: its Seer route and its request schema.
// The one place a run type is defined; adding one fails to compile until every switch handles it.
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

/** Seer's route for each type; null while Seer has none (the run fails as unsupported_type). */
export function seerRouteFor(type: RunType): string | null {
  switch (type) {
    case RunType.explorer:
      return '/v1/automation/explorer/chat';
    case RunType.assisted_query:
      return '/v1/assisted-query/start';
    case RunType.autofix:
      return '/v1/automation/autofix/start';
    case RunType.feature_run:
      return '/v1/automation/agent/feature/run';
    case RunType.pr_review:
      return null;
    default:
      return assertNever(type);
  }
}

/** The request field that names the organization, filled by the API from the path. */
export function organizationFieldOf(type: RunType): 'organization_id' | 'org_id' | null {
  switch (type) {
    case RunType.explorer:
    case RunType.autofix:
      return 'organization_id';
    case RunType.assisted_query:
      return 'org_id';
    case RunType.feature_run:
    case RunType.pr_review:
      return null;
    default:
      return assertNever(type);
  }
}

/** Whether the type's request carries the run's project_id (copied in by the API when absent). */
export function hasRequestProjectId(type: RunType): boolean {
  switch (type) {
    case RunType.explorer:
    case RunType.autofix:
      return true;
    case RunType.assisted_query:
    case RunType.feature_run:
    case RunType.pr_review:
      return false;
    default:
      return assertNever(type);
  }
}

export const ExplorerIndexRoute = {
  projects: '/v1/automation/explorer/index',
  orgProjectKnowledge: '/v1/automation/explorer/index/org-project-knowledge',
} as const;
