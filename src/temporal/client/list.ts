// Listing runs: the visibility query for one organization's runs, and a raw list item decoded into
// the RunExecution a run's view is read from (memo through our data converter, our search attributes).
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import {
  defaultPayloadConverter,
  TypedSearchAttributes,
  type LoadedDataConverter,
  type Payload,
  type SearchAttributePair,
  type SerializationContext,
} from '@temporalio/common';
import { google, temporal } from '@temporalio/proto';
import { assertNever, SearchAttr, SeerRunStatus, type RunType } from '../../domain';
import type { RunExecution } from './run-view';
import { SEER_RUN_WORKFLOW } from '../runs';

export interface ListFilter {
  status?: SeerRunStatus | undefined;
  type?: RunType | undefined;
}

/** The visibility query for one organization's runs; `status` reads as GET reads it. */
export function listQuery(organizationId: number, filter: ListFilter): string {
  const clauses = [
    `WorkflowType = '${SEER_RUN_WORKFLOW}'`,
    `${SearchAttr.organizationId.name} = ${organizationId}`,
  ];
  const status = SearchAttr.status.name;
  switch (filter.status) {
    case undefined:
      break;
    case SeerRunStatus.PENDING:
      clauses.push(`ExecutionStatus = 'Running'`, `${status} = '${SeerRunStatus.PENDING}'`);
      break;
    case SeerRunStatus.LIVE:
      clauses.push(`${status} = '${SeerRunStatus.LIVE}'`);
      break;
    case SeerRunStatus.FAILED:
      // Closed and never LIVE: the run's own failures and terminated, cancelled, timed out.
      clauses.push(`ExecutionStatus != 'Running'`, `${status} != '${SeerRunStatus.LIVE}'`);
      break;
    default:
      return assertNever(filter.status);
  }
  // Both values come from closed enums (validated by the route), never from free text.
  if (filter.type !== undefined) clauses.push(`${SearchAttr.type.name} = '${filter.type}'`);
  return clauses.join(' AND ');
}

type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;
const Status = temporal.api.enums.v1.WorkflowExecutionStatus;

const STATUS_NAMES: Record<
  temporal.api.enums.v1.WorkflowExecutionStatus,
  WorkflowExecutionStatusName
> = {
  [Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED]: 'UNSPECIFIED',
  [Status.WORKFLOW_EXECUTION_STATUS_RUNNING]: 'RUNNING',
  [Status.WORKFLOW_EXECUTION_STATUS_COMPLETED]: 'COMPLETED',
  [Status.WORKFLOW_EXECUTION_STATUS_FAILED]: 'FAILED',
  [Status.WORKFLOW_EXECUTION_STATUS_CANCELED]: 'CANCELLED',
  [Status.WORKFLOW_EXECUTION_STATUS_TERMINATED]: 'TERMINATED',
  [Status.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: 'CONTINUED_AS_NEW',
  [Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: 'TIMED_OUT',
  [Status.WORKFLOW_EXECUTION_STATUS_PAUSED]: 'PAUSED',
};

/**
 * A list item as a RunExecution. The SDK decodes list items inside client.workflow.list(), which
 * hides the page token the API hands out, and its decoder is not public (lib/ only): so this
 * decodes the few fields a run's view reads, with the public converters.
 */
export async function executionOfRaw(
  raw: RawExecution,
  converter: LoadedDataConverter,
  namespace: string,
): Promise<RunExecution> {
  const workflowId = raw.execution?.workflowId ?? '';
  const status = raw.status ?? Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
  const startTime = dateOf(raw.startTime);
  if (startTime === undefined) throw new TypeError('a listed workflow execution has no start time');
  return {
    workflowId,
    status: { code: status, name: STATUS_NAMES[status] ?? 'UNKNOWN' },
    startTime,
    closeTime: dateOf(raw.closeTime),
    memo: await decodeMemo(raw.memo?.fields, converter, {
      type: 'workflow',
      namespace,
      workflowId,
    }),
    typedSearchAttributes: decodeSearchAttributes(raw.searchAttributes?.indexedFields),
  };
}

/** A proto Timestamp as a Date (undefined when unset). */
export function dateOf(ts: google.protobuf.ITimestamp | null | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date((ts.seconds?.toNumber() ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}

/** Through each codec, last first (as the SDK encodes them, first first), then the converter. */
async function decodeMemo(
  fields: Record<string, Payload> | null | undefined,
  converter: LoadedDataConverter,
  context: SerializationContext,
): Promise<Record<string, unknown> | undefined> {
  if (!fields) return undefined;
  const entries = await Promise.all(
    Object.entries(fields).map(async ([key, payload]): Promise<[string, unknown]> => {
      let payloads = [payload];
      for (const codec of [...converter.payloadCodecs].reverse()) {
        payloads = await codec.decode(payloads, context);
      }
      return [key, converter.payloadConverter.fromPayload(payloads[0]!, context)];
    }),
  );
  return Object.fromEntries(entries);
}

/** Our own search attributes only: the keys (and so their types) come from the domain. */
function decodeSearchAttributes(
  fields: Record<string, Payload> | null | undefined,
): TypedSearchAttributes {
  const pairs = Object.values(SearchAttr).flatMap((key): SearchAttributePair[] => {
    const payload = fields?.[key.name];
    if (!payload) return [];
    const value: unknown = defaultPayloadConverter.fromPayload(payload);
    // Older servers wrap single values in a list.
    const single: unknown = Array.isArray(value) && value.length === 1 ? value[0] : value;
    return [{ key, value: single } as SearchAttributePair];
  });
  return new TypedSearchAttributes(pairs);
}
