import { randomBytes } from 'node:crypto';
// Only to check our decoder against the SDK's own (not public, so src/ may not use it).
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import {
  defaultFailureConverter,
  defaultPayloadConverter,
  type LoadedDataConverter,
  type Payload,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { SearchAttr } from '../../src/domain';
import { executionOfRaw } from '../../src/temporal/client/list';
import { runViewOf } from '../../src/temporal/client/run-view';
import { AesGcmPayloadCodec } from '../../src/temporal/codec';

const UUID = '3b241101-e2bb-4255-8caf-4136c566a962';
const Status = temporal.api.enums.v1.WorkflowExecutionStatus;

const encrypted: LoadedDataConverter = {
  payloadConverter: defaultPayloadConverter,
  failureConverter: defaultFailureConverter,
  payloadCodecs: [new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }])],
};

/** A search attribute as the server lists it: JSON with its indexed type in the metadata. */
function attr(value: unknown, type: 'Int' | 'Keyword' | 'Double'): Payload {
  const payload = defaultPayloadConverter.toPayload(value);
  return { ...payload, metadata: { ...payload.metadata, type: Buffer.from(type) } };
}

async function memo(fields: Record<string, unknown>, converter: LoadedDataConverter) {
  const entries = await Promise.all(
    Object.entries(fields).map(async ([key, value]): Promise<[string, Payload]> => {
      let payloads = [defaultPayloadConverter.toPayload(value)];
      for (const codec of converter.payloadCodecs) payloads = await codec.encode(payloads);
      return [key, payloads[0]!];
    }),
  );
  return { fields: Object.fromEntries(entries) };
}

function ts(iso: string) {
  const ms = Date.parse(iso);
  return { seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

async function rawExecution(
  status: temporal.api.enums.v1.WorkflowExecutionStatus,
  converter: LoadedDataConverter,
): Promise<temporal.api.workflow.v1.WorkflowExecutionInfo> {
  return temporal.api.workflow.v1.WorkflowExecutionInfo.create({
    execution: { workflowId: UUID.toUpperCase(), runId: 'run-1' },
    type: { name: 'seerRun' },
    status,
    startTime: ts('2026-11-25T10:00:00.250Z'),
    ...(status === Status.WORKFLOW_EXECUTION_STATUS_RUNNING
      ? {}
      : { closeTime: ts('2026-11-25T10:00:01.500Z') }),
    historyLength: Long.fromNumber(12),
    memo: await memo({ body_sha256: 'abc', seer_status: 403 }, converter),
    searchAttributes: {
      indexedFields: {
        [SearchAttr.type.name]: attr('explorer', 'Keyword'),
        [SearchAttr.organizationId.name]: attr(42, 'Int'),
        [SearchAttr.projectId.name]: attr(7, 'Int'),
        [SearchAttr.status.name]: attr('FAILED', 'Keyword'),
        [SearchAttr.failureReason.name]: attr('seer_rejected', 'Keyword'),
        [SearchAttr.attempts.name]: attr(2, 'Double'),
        // Not ours: left out.
        BuildIds: attr(['unversioned'], 'Keyword'),
      },
    },
  });
}

describe('a listed run', () => {
  it.each([
    ['RUNNING', Status.WORKFLOW_EXECUTION_STATUS_RUNNING],
    ['FAILED', Status.WORKFLOW_EXECUTION_STATUS_FAILED],
    ['TERMINATED', Status.WORKFLOW_EXECUTION_STATUS_TERMINATED],
    ['CANCELLED', Status.WORKFLOW_EXECUTION_STATUS_CANCELED],
    ['TIMED_OUT', Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT],
    ['COMPLETED', Status.WORKFLOW_EXECUTION_STATUS_COMPLETED],
  ] as const)('reads as the SDK decodes it when %s, encrypted memo included', async (_, status) => {
    const raw = await rawExecution(status, encrypted);
    const ours = await executionOfRaw(raw, encrypted, 'default');
    const sdks = await executionInfoFromRaw(raw, encrypted, raw, 'default');

    expect(ours.status).toEqual(sdks.status);
    expect(ours.memo).toEqual(sdks.memo);
    expect(ours.startTime).toEqual(sdks.startTime);
    expect(ours.closeTime).toEqual(sdks.closeTime);
    expect(runViewOf(ours, null)).toEqual(runViewOf(sdks, null));
  });

  it('keeps the fields a run view reads', async () => {
    const raw = await rawExecution(Status.WORKFLOW_EXECUTION_STATUS_FAILED, encrypted);
    expect(runViewOf(await executionOfRaw(raw, encrypted, 'default'), null)).toEqual({
      run_uuid: UUID,
      type: 'explorer',
      organization_id: 42,
      project_id: 7,
      status: 'FAILED',
      run_id: null,
      failure: { reason: 'seer_rejected', seer_status: 403 },
      attempts: 2,
      started_at: '2026-11-25T10:00:00.250Z',
      closed_at: '2026-11-25T10:00:01.500Z',
    });
  });
});
