// Compile-only check (run by `npm run build`, part of `npm test`): a switch that handles every run
// type today stops compiling once a new type joins the union, until the new case is handled.
// If `assertNever` stopped catching the new member, the @ts-expect-error below would be unused
// and the build would fail.
import { assertNever, type RunType } from '../../src/domain';

type WithANewType = RunType | 'incident_summary';

export function routeKnownTypes(type: WithANewType): string {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the gap is the point.
  switch (type) {
    case 'explorer':
    case 'assisted_query':
    case 'autofix':
    case 'feature_run':
    case 'pr_review':
      return type;
    default:
      // @ts-expect-error 'incident_summary' is not assignable to never: the new type is unhandled.
      return assertNever(type);
  }
}

export function routeEveryType(type: RunType): string {
  switch (type) {
    case 'explorer':
    case 'assisted_query':
    case 'autofix':
    case 'feature_run':
    case 'pr_review':
      return type;
    default:
      return assertNever(type);
  }
}
