// The custom search attributes a SeerRun carries (registered on the server at start).
// SQL visibility allows three custom Int attributes (we use exactly three) and three Double.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SearchAttr = {
  type: defineSearchAttributeKey('SeerRunType', SearchAttributeType.KEYWORD),
  organizationId: defineSearchAttributeKey('SeerOrganizationId', SearchAttributeType.INT),
  projectId: defineSearchAttributeKey('SeerProjectId', SearchAttributeType.INT),
  status: defineSearchAttributeKey('SeerRunStatus', SearchAttributeType.KEYWORD),
  runId: defineSearchAttributeKey('SeerRunId', SearchAttributeType.INT),
  failureReason: defineSearchAttributeKey('SeerFailureReason', SearchAttributeType.KEYWORD),
  /**
   * Requests sent to Seer, recorded when the run becomes LIVE or FAILED. A Double because the Int
   * slots are taken; still numeric in list queries (`SeerRunAttempts > 1`).
   */
  attempts: defineSearchAttributeKey('SeerRunAttempts', SearchAttributeType.DOUBLE),
} as const;

/** Each attribute type as `temporal operator search-attribute create --type` and the dev server name it. */
const TYPE_NAMES = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
} as const satisfies Record<SearchAttributeType, string>;

/**
 * `Name=Type` pairs: `temporal server start-dev --search-attribute`, register-namespace.sh (compose
 * and the cluster) take the same list.
 */
export const SEARCH_ATTRIBUTE_FLAGS: string[] = Object.values(SearchAttr).map(
  (key) => `${key.name}=${TYPE_NAMES[key.type]}`,
);
