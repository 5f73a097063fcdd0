// The env-reading toolkit: a process declares each variable once, in one table (schema, and what an
// unset variable means in development and in production); a bad value stops it with one line.
import { z } from 'zod';
import { assertNever } from '../domain';
import { BindHost, isLoopback } from './env-values';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** What an unset variable means. */
export type WhenUnset<T> =
  /** The same default in every environment (the spec's). */
  | { kind: 'default'; value: T }
  /** Nothing: the process reads undefined. */
  | { kind: 'absent' }
  /** A stand-in for development, warned about at start; production must set the variable. */
  | { kind: 'dev-only'; value: T; warning: string }
  /**
   * A development credential, warned about at start: only while the process listens on loopback
   * and is not in production. Elsewhere the variable must be set, and not to a development value.
   */
  | { kind: 'dev-credential'; value: T; warning: string }
  /** Every environment must set the variable. */
  | { kind: 'required'; why: string };

/** One row of a process's table. */
export interface EnvVar<T> {
  schema: z.ZodType<T, string>;
  whenUnset: WhenUnset<T>;
  /** Empty counts as unset (shells and compose files leave empties) unless it is a value here. */
  emptyIsAValue: boolean;
  /** The address the process listens on: off loopback, development credentials are refused. */
  bindAddress?: true;
  /** For a `dev-credential` row: whether a given value is a development one. */
  isDevValue?: (value: T) => boolean;
}

export function withDefault<T>(
  schema: z.ZodType<T, string>,
  value: NoInfer<T>,
  options: { emptyIsAValue?: boolean } = {},
): EnvVar<T> {
  return {
    schema,
    whenUnset: { kind: 'default', value },
    emptyIsAValue: options.emptyIsAValue ?? false,
  };
}

export function optional<T>(schema: z.ZodType<T, string>): EnvVar<T | undefined> {
  return { schema, whenUnset: { kind: 'absent' }, emptyIsAValue: false };
}

export function requiredInProduction<T, D = T>(
  schema: z.ZodType<T, string>,
  dev: { value: D; warning: string },
): EnvVar<T | D> {
  return { schema, whenUnset: { kind: 'dev-only', ...dev }, emptyIsAValue: false };
}

/** Where a process listens unless told otherwise: this machine only (spec §3). */
const DEFAULT_HOST = '127.0.0.1';

/** The address the process listens on, DEFAULT_HOST unless set. */
export function bindAddress(): EnvVar<string> {
  return { ...withDefault(BindHost, DEFAULT_HOST), bindAddress: true };
}

/**
 * A secret or token with a development value: usable only on loopback outside production (spec
 * §3); on any other bind address, or in production, it must be set and `isDevValue` must be false.
 */
export function devCredential<T, D = T>(
  schema: z.ZodType<T, string>,
  dev: { value: D; warning: string; isDevValue: (value: T) => boolean },
): EnvVar<T | D> {
  const { isDevValue, ...standIn } = dev;
  return {
    schema,
    whenUnset: { kind: 'dev-credential', ...standIn },
    emptyIsAValue: false,
    isDevValue: isDevValue as (value: T | D) => boolean,
  };
}

export function required<T>(schema: z.ZodType<T, string>, why: string): EnvVar<T> {
  return { schema, whenUnset: { kind: 'required', why }, emptyIsAValue: false };
}

// `any` because a row's value type varies by row; envSchema's result types each one exactly.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EnvTable = Record<string, EnvVar<any>>;

export type EnvValues<Table extends EnvTable> = {
  [Name in keyof Table]: Table[Name] extends EnvVar<infer T> ? T : never;
};

/** A table read against NODE_ENV and its bind address: the values, and the stand-ins in use. */
export interface Env<Table extends EnvTable> {
  production: boolean;
  values: EnvValues<Table>;
  warnings: string[];
}

/** NODE_ENV is compared case-insensitively: `Production` must not fall back to development. */
function isProduction(nodeEnv: string | undefined): boolean {
  return nodeEnv?.trim().toLowerCase() === 'production';
}

/** Why development credentials are refused here, or null where they work (spec §3). */
function credentialsExposed(
  production: boolean,
  bind: { name: string; host: string } | undefined,
): string | null {
  if (production) return 'NODE_ENV=production';
  if (bind !== undefined && !isLoopback(bind.host)) {
    return `${bind.name}=${bind.host} is not a loopback address`;
  }
  return null;
}

/**
 * The zod schema of a table. Bad values fail first, in table order; then unset variables and
 * refused development credentials, in table order, each failing with its own name.
 */
export function envSchema<Table extends EnvTable>(table: Table) {
  const rows = Object.entries(table);
  const shape = Object.fromEntries(rows.map(([name, row]) => [name, row.schema.optional()]));
  return z
    .object({ NODE_ENV: z.string().optional(), ...shape })
    .transform((given: Record<string, unknown>, ctx): Env<Table> => {
      const production = isProduction(given.NODE_ENV as string | undefined);
      const bindRow = rows.find(([, row]) => row.bindAddress === true);
      const exposed = credentialsExposed(
        production,
        bindRow && {
          name: bindRow[0],
          host: (given[bindRow[0]] as string | undefined) ?? DEFAULT_HOST,
        },
      );
      const values: Record<string, unknown> = {};
      const warnings: string[] = [];
      for (const [name, { whenUnset, isDevValue }] of rows) {
        if (given[name] !== undefined) {
          values[name] = given[name];
          if (exposed !== null && isDevValue?.(given[name])) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `the development value is refused when ${exposed}`,
            });
          }
          continue;
        }
        switch (whenUnset.kind) {
          case 'default':
            values[name] = whenUnset.value;
            break;
          case 'absent':
            break;
          case 'dev-only':
            if (production) {
              ctx.addIssue({
                code: 'custom',
                path: [name],
                message: 'required when NODE_ENV=production',
              });
            } else {
              values[name] = whenUnset.value;
              warnings.push(`${name} is not set: ${whenUnset.warning}`);
            }
            break;
          case 'dev-credential':
            if (exposed !== null) {
              ctx.addIssue({ code: 'custom', path: [name], message: `required when ${exposed}` });
            } else {
              values[name] = whenUnset.value;
              warnings.push(`${name} is not set: ${whenUnset.warning}`);
            }
            break;
          case 'required':
            ctx.addIssue({ code: 'custom', path: [name], message: `required; ${whenUnset.why}` });
            break;
          default:
            assertNever(whenUnset);
        }
      }
      return { production, values: values as EnvValues<Table>, warnings };
    });
}

/** The variables of a table whose empty value means something, for parseEnv. */
export function keptEmpty(table: EnvTable): string[] {
  return Object.entries(table)
    .filter(([, row]) => row.emptyIsAValue)
    .map(([name]) => name);
}

/** Parses `env` with `schema`, or throws a ConfigError naming the first bad variable. */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  keepEmpty: readonly string[] = [],
): z.infer<T> {
  const values = Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] => e[1] !== undefined && (e[1] !== '' || keepEmpty.includes(e[0])),
    ),
  );
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(
      `invalid configuration: ${String(issue.path[0] ?? 'environment')}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** Runs an env parse for an entry point: a ConfigError becomes one line on stderr and exit 1. */
export function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
