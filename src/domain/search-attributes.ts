// The custom search attributes a SeerRun carries (registered on the server at start).
// SQL visibility allows three custom Int attributes: we use exactly three.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SearchAttr = {
  type: defineSearchAttributeKey('SeerRunType', SearchAttributeType.KEYWORD),
  organizationId: defineSearchAttributeKey('SeerOrganizationId', SearchAttributeType.INT),
  projectId: defineSearchAttributeKey('SeerProjectId', SearchAttributeType.INT),
  status: defineSearchAttributeKey('SeerRunStatus', SearchAttributeType.KEYWORD),
  runId: defineSearchAttributeKey('SeerRunId', SearchAttributeType.INT),
  failureReason: defineSearchAttributeKey('SeerFailureReason', SearchAttributeType.KEYWORD),
} as const;

/** `name=Type` pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS: string[] = Object.values(SearchAttr).map(
  (key) => `${key.name}=${key.type === SearchAttributeType.INT ? 'Int' : 'Keyword'}`,
);
