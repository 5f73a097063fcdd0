// Schemas for the shapes an environment variable takes (durations, bounded integers, ports, bind
// addresses, organization lists and weights, the API tokens JSON, log levels, on/off), shared by
// every table.
import { z } from 'zod';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `500ms`, `30s`, `24h`, `7d` as milliseconds, more than zero. */
export const Duration = z.string().transform((text, ctx) => {
  const match = DURATION.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
  if (ms <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like 30s, 24h or 7d, got "${text}"`,
    });
    return z.NEVER;
  }
  return ms;
});

/** A decimal whole number in [min, max], from an env string. */
export const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.int().min(min).max(max));

export const Port = intIn(0, 65_535);

/**
 * An IP address to listen on. A literal, not a name: the worker's metrics endpoint (Temporal's
 * Rust core) binds only addresses, and whether a name is loopback depends on the resolver.
 */
export const BindHost = z
  .string()
  .trim()
  .pipe(
    z.union([z.ipv4(), z.ipv6()], { error: 'expected an IP address like 127.0.0.1 or 0.0.0.0' }),
  )
  .transform((host) => host.toLowerCase());

/** 127.0.0.0/8 and ::1 (also as an IPv4-mapped IPv6 address): reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const ipv4 = /^(?:::ffff:)?(\d+)\.\d+\.\d+\.\d+$/i.exec(host);
  if (ipv4) return ipv4[1] === '127';
  return /^(?:0{0,4}:){2,7}0{0,3}1$/.test(host);
}

/** `host:port` for a listener: IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `*` = every organization, empty = none, else comma-separated ids. */
export type OrgSet = { kind: 'all' } | { kind: 'some'; ids: ReadonlySet<number> };
export const OrgList = z.string().transform((text, ctx): OrgSet => {
  const trimmed = text.trim();
  if (trimmed === '*') return { kind: 'all' };
  const parts = trimmed === '' ? [] : trimmed.split(',').map((p) => p.trim());
  const ids = new Set<number>();
  for (const part of parts) {
    if (!/^\d+$/.test(part)) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not an organization id` });
      return z.NEVER;
    }
    ids.add(Number(part));
  }
  return { kind: 'some', ids };
});

export function orgSetHas(set: OrgSet, orgId: number): boolean {
  return set.kind === 'all' || set.ids.has(orgId);
}

/** Token → the organizations it may act for. */
export type ApiTokens = ReadonlyMap<string, OrgSet>;
export const ApiTokensJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected JSON like {"<token>": [1, 2] | "*"}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().min(1), z.union([z.literal('*'), z.array(z.int().nonnegative())])))
  .transform(
    (record): ApiTokens =>
      new Map(
        Object.entries(record).map(([token, orgs]) => [
          token,
          orgs === '*' ? { kind: 'all' } : { kind: 'some', ids: new Set(orgs) },
        ]),
      ),
  );

/**
 * Organization id → its weight in fairness (SEER_RUNS_ORG_WEIGHTS); an organization not listed
 * weighs 1. Temporal clamps a fairness weight to [0.001, 1000], so a weight outside is refused
 * rather than silently changed.
 */
export type OrgWeights = ReadonlyMap<number, number>;
export const MIN_ORG_WEIGHT = 0.001;
export const MAX_ORG_WEIGHT = 1000;
const ORG_WEIGHTS_SHAPE = 'expected JSON like {"<organization id>": <weight>}';
export const OrgWeightsJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: ORG_WEIGHTS_SHAPE });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .record(z.string(), z.unknown(), { error: ORG_WEIGHTS_SHAPE })
      .transform((record, ctx): OrgWeights => {
        const weights = new Map<number, number>();
        for (const [org, weight] of Object.entries(record)) {
          if (!/^\d{1,15}$/.test(org)) {
            ctx.addIssue({
              code: 'custom',
              message: `"${org.slice(0, 100)}" is not an organization id`,
            });
            return z.NEVER;
          }
          if (
            typeof weight !== 'number' ||
            !(weight >= MIN_ORG_WEIGHT && weight <= MAX_ORG_WEIGHT)
          ) {
            ctx.addIssue({
              code: 'custom',
              message: `the weight of organization ${org} must be a number from ${MIN_ORG_WEIGHT} to ${MAX_ORG_WEIGHT}`,
            });
            return z.NEVER;
          }
          weights.set(Number(org), weight);
        }
        return weights;
      }),
  );

export function orgWeight(weights: OrgWeights, orgId: number): number {
  return weights.get(orgId) ?? 1;
}

export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;

export const OnOff = z.enum(['on', 'off']).transform((v) => v === 'on');
