// The run's attributes on its spans: an activity interceptor sets them on each attempt's span and
// hands them, through the OpenTelemetry context, to the Seer client's span for that request. Only
// ids, the type, numbers and reasons: never the request body or the viewer context.
import {
  context,
  createContextKey,
  SpanStatusCode,
  trace,
  type Attributes,
} from '@opentelemetry/api';
import type { Context as ActivityContext } from '@temporalio/activity';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  Next,
} from '@temporalio/worker';
import { requestNumber, START_SEER_RUN_ACTIVITY, TRANSIENT_FAILURE_TYPE } from '../domain';
import type { RecordedAttemptsBefore } from '../domain';

/** Attribute keys: the same names as the log fields, so a span and its log lines read alike. */
export const RunAttribute = {
  runUuid: 'run_uuid',
  type: 'type',
  organizationId: 'organization_id',
  projectId: 'project_id',
  attempt: 'attempt',
  seerStatus: 'seer_status',
  failureReason: 'failure_reason',
  runId: 'run_id',
  status: 'status',
} as const;
export type RunAttribute = (typeof RunAttribute)[keyof typeof RunAttribute];

const RUN_ATTRIBUTES = createContextKey('seer-runs run attributes');

/** The attributes of the run whose activity is running, for spans made below it. */
export function currentRunAttributes(): Attributes {
  return (context.active().getValue(RUN_ATTRIBUTES) as Attributes | undefined) ?? {};
}

/** Sets the run's attributes on the attempt's span (Temporal's RunActivity) and its outcome. */
export class RunAttributesActivityInterceptor implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: ActivityContext) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const span = trace.getActiveSpan();
    const attributes = runAttributesOf(this.ctx.info.activityType, this.ctx.info.attempt, input);
    if (span === undefined || attributes === null) return next(input);
    span.setAttributes(attributes);
    try {
      const result = await context.with(context.active().setValue(RUN_ATTRIBUTES, attributes), () =>
        next(input),
      );
      if (typeof result === 'object' && result !== null && 'run_id' in result) {
        span.setAttributes({
          [RunAttribute.status]: 'LIVE',
          [RunAttribute.runId]: Number(result.run_id),
        });
      }
      return result;
    } catch (err) {
      span.setAttributes(failureAttributes(err));
      throw err;
    }
  }
}

function runAttributesOf(
  activityType: string,
  activityAttempt: number,
  input: ActivityExecuteInput,
): Attributes | null {
  const [first, before] = input.args as [unknown, RecordedAttemptsBefore];
  if (typeof first !== 'object' || first === null) return null;
  const fields = first as Record<string, unknown>;
  if (activityType === START_SEER_RUN_ACTIVITY) {
    return {
      [RunAttribute.runUuid]: String(fields.run_uuid),
      [RunAttribute.type]: String(fields.type),
      [RunAttribute.organizationId]: Number(fields.organization_id),
      ...(typeof fields.project_id === 'number'
        ? { [RunAttribute.projectId]: fields.project_id }
        : {}),
      [RunAttribute.attempt]: requestNumber(activityAttempt, before),
    };
  }
  // The explorer follow-up: its organization and project, and Temporal's attempt of it.
  return {
    [RunAttribute.type]: 'explorer_index',
    [RunAttribute.organizationId]: Number(fields.org_id),
    ...(typeof fields.project_id === 'number'
      ? { [RunAttribute.projectId]: fields.project_id }
      : {}),
    [RunAttribute.attempt]: activityAttempt,
  };
}

/** An ApplicationFailure's type is the failure reason; details[0] carries Seer's status. */
function failureAttributes(err: unknown): Attributes {
  if (typeof err !== 'object' || err === null || !('type' in err)) return {};
  const type = typeof err.type === 'string' ? err.type : undefined;
  const details: unknown =
    'details' in err && Array.isArray(err.details) ? (err.details as unknown[])[0] : undefined;
  const seerStatus: unknown =
    typeof details === 'object' && details !== null && 'seer_status' in details
      ? details.seer_status
      : null;
  const transient = type === TRANSIENT_FAILURE_TYPE;
  const span = trace.getActiveSpan();
  if (!transient) span?.setStatus({ code: SpanStatusCode.ERROR, message: type ?? 'failed' });
  return {
    [RunAttribute.status]: transient ? 'PENDING' : 'FAILED',
    ...(type !== undefined && !transient ? { [RunAttribute.failureReason]: type } : {}),
    ...(typeof seerStatus === 'number' ? { [RunAttribute.seerStatus]: seerStatus } : {}),
  };
}
