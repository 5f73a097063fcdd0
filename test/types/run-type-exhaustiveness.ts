// Compile-only check (run by `npm run build`, part of `npm test`) against the REAL run types, the
// REAL tables (RUN_TYPE_TABLE, REQUEST_SCHEMAS) and the real assertNever: adding a type to RunType
// fails to compile until both tables have its row and every switch over RunType handles it.
// Each @ts-expect-error below must stay an error: if a check stopped catching a gap, the directive
// would be unused and the build would fail.
import type { z } from 'zod';
import {
  assertNever,
  REQUEST_SCHEMAS,
  RUN_TYPE_TABLE,
  RunType,
  type RunTypeSpec,
} from '../../src/domain';

type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// 1. Each table has a row for exactly the run types: a new type without a row (or a row for a
//    type that no longer exists) makes these false, and `true` no longer fits.
export const tableRowsAreTheRunTypes: Equals<keyof typeof RUN_TYPE_TABLE, RunType> = true;
export const schemaRowsAreTheRunTypes: Equals<keyof typeof REQUEST_SCHEMAS, RunType> = true;

// 2. The tables' `satisfies Record<RunType, ...>` catches a missing row: the real table minus one
//    real row, which is what the table looks like right after a type is added to RunType.
const tableWithoutARow: Omit<typeof RUN_TYPE_TABLE, 'pr_review'> = RUN_TYPE_TABLE;
// @ts-expect-error Property 'pr_review' is missing: every run type needs a row.
export const incompleteTable: Record<RunType, RunTypeSpec> = tableWithoutARow;

const schemasWithoutARow: Omit<typeof REQUEST_SCHEMAS, 'feature_run'> = REQUEST_SCHEMAS;
// @ts-expect-error Property 'feature_run' is missing: every run type needs a request schema.
export const incompleteSchemas: Record<RunType, z.ZodType> = schemasWithoutARow;

// 3. A switch over RunType that ends in assertNever compiles only while it handles every member:
//    a switch that has not learned of one real member (as every switch has not, the day a type is
//    added) fails.
export function handlesEveryType(type: RunType): string {
  switch (type) {
    case RunType.explorer:
    case RunType.assisted_query:
    case RunType.autofix:
    case RunType.feature_run:
    case RunType.pr_review:
      return type;
    default:
      return assertNever(type);
  }
}

export function missesOneType(type: RunType): string {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the gap is the point.
  switch (type) {
    case RunType.explorer:
    case RunType.assisted_query:
    case RunType.autofix:
    case RunType.feature_run:
      return type;
    default:
      // @ts-expect-error 'pr_review' is not assignable to never: the type is not handled.
      return assertNever(type);
  }
}
