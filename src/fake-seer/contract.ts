// The fake Seer's own copy of the wire contract (seer-api.md "Routes by run type"): routes and
// their required fields. Written from the spec, never imported from src/domain or src/seer.

/** What a required field must hold; each kind's check is beside its name. */
const FIELD_CHECKS = {
  integer: (value) => Number.isInteger(value),
  string: (value) => typeof value === 'string',
  'non-empty string': (value) => typeof value === 'string' && value.length > 0,
  object: (value) => isObject(value),
  list: (value) => Array.isArray(value),
  'integer list': (value) => Array.isArray(value) && value.every((item) => Number.isInteger(item)),
  null: (value) => value === null,
  'integer or null': (value) => value === null || Number.isInteger(value),
  'string or null': (value) => value === null || typeof value === 'string',
} as const satisfies Record<string, (value: unknown) => boolean>;
export type FieldKind = keyof typeof FIELD_CHECKS;

/** Required fields by dotted path (`issue.id` reaches into the `issue` object). */
type RequiredFields = Readonly<Record<string, FieldKind>>;

const KEY_FIELD = { external_idempotency_key: 'non-empty string' } as const;

export const EXPLORER_CHAT_ROUTE = '/v1/automation/explorer/chat';

/** Routes that create a run, one per idempotency key. */
const RUN_ROUTES: Readonly<Record<string, RequiredFields>> = {
  [EXPLORER_CHAT_ROUTE]: {
    ...KEY_FIELD,
    organization_id: 'integer',
    query: 'non-empty string',
    run_id: 'null',
    insert_index: 'integer or null',
    on_page_context: 'string or null',
  },
  '/v1/assisted-query/start': {
    ...KEY_FIELD,
    org_id: 'integer',
    org_slug: 'string',
    project_ids: 'integer list',
    natural_language_query: 'string',
    strategy: 'string',
  },
  '/v1/automation/autofix/start': {
    ...KEY_FIELD,
    organization_id: 'integer',
    project_id: 'integer',
    issue: 'object',
    'issue.id': 'integer',
    'issue.title': 'string',
  },
  '/v1/automation/agent/feature/run': {
    ...KEY_FIELD,
    feature_id: 'string',
    payload: 'object',
    ref: 'non-empty string',
  },
};

/** The explorer follow-up routes: accepted, recorded, answered `{}`. */
const INDEX_ROUTES: Readonly<Record<string, RequiredFields>> = {
  '/v1/automation/explorer/index': { projects: 'list' },
  '/v1/automation/explorer/index/org-project-knowledge': { org_id: 'integer', projects: 'list' },
};

export function isSeerRoute(route: string): boolean {
  return isRunRoute(route) || Object.hasOwn(INDEX_ROUTES, route);
}

/** Run routes are the ones outages and random 503s apply to. */
export function isRunRoute(route: string): boolean {
  return Object.hasOwn(RUN_ROUTES, route);
}

/** The first required field of the route that is missing or of the wrong kind, as a sentence; else null. */
export function invalidField(route: string, body: unknown): string | null {
  if (!isObject(body)) return 'body is not a JSON object';
  const fields = RUN_ROUTES[route] ?? INDEX_ROUTES[route] ?? {};
  for (const [path, kind] of Object.entries(fields)) {
    let value: unknown = body;
    for (const part of path.split('.')) value = isObject(value) ? value[part] : undefined;
    if (!FIELD_CHECKS[kind](value)) {
      return value === undefined ? `missing field ${path}` : `field ${path}: expected ${kind}`;
    }
  }
  return null;
}

/** The idempotency key of a body, when it has a string one. */
export function idempotencyKey(body: unknown): string | null {
  return isObject(body) && typeof body.external_idempotency_key === 'string'
    ? body.external_idempotency_key
    : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
