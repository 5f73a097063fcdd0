// Where a process's CPU went, from a V8 .cpuprofile (`node --cpu-prof`): each sample is charged to
// one category (our codec, Fastify, zod, the Temporal SDK, gRPC, ..., our own code by folder, GC).
// Pure: the profile in, the shares out (test/unit/bench-cpu-profile.test.ts).

/** What `node --cpu-prof` writes (Chrome DevTools' Profile): a call tree and its samples. */
export interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds, on the monotonic clock (`process.hrtime`'s). */
  startTime: number;
  endTime: number;
  /** The node (leaf of the sampled stack) of each sample. */
  samples: number[];
  /** Microseconds from the previous sample (the first: from startTime). */
  timeDeltas: number[];
}

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber?: number; columnNumber?: number };
  children?: number[];
}

/**
 * npm packages by the category they are charged to; `@scope/` covers a whole scope. What is in
 * none of them is `other:<package>`.
 */
const PACKAGE_CATEGORIES: Record<string, readonly string[]> = {
  fastify: [
    'fastify',
    '@fastify/',
    'find-my-way',
    'avvio',
    'light-my-request',
    'fast-json-stringify',
    'fast-querystring',
    'fast-uri',
    'fast-decode-uri-component',
    'fast-content-type-parse',
    'json-schema-ref-resolver',
    'ajv',
    'ajv-formats',
    'secure-json-parse',
    'toad-cache',
    'rfdc',
    'process-warning',
    'abstract-logging',
    'ret',
    'safe-regex2',
    'fastq',
    'reusify',
  ],
  // The Fastify type provider validates and serializes through zod: its time is zod's.
  zod: ['zod', 'fastify-type-provider-zod'],
  temporal_sdk: ['@temporalio/', 'nexus-rpc'],
  grpc: ['@grpc/'],
  protobufjs: ['protobufjs', '@protobufjs/', 'long'],
  undici: ['undici'],
  pino: [
    'pino',
    'pino-std-serializers',
    'pino-abstract-transport',
    'sonic-boom',
    'thread-stream',
    'fast-redact',
    '@pinojs/',
    'quick-format-unescaped',
    'atomic-sleep',
    'on-exit-leak-free',
    'safe-stable-stringify',
    'real-require',
  ],
  prom_client: ['prom-client', 'tdigest', 'bintrees'],
};

/**
 * Categories charged for everything under them (their callees included): the codec's time
 * includes the crypto and protobuf encoding it calls, zod's the built-ins it calls. For the
 * rest the innermost frame decides, so Fastify is not charged for the route handler it calls.
 */
const INCLUSIVE = new Set(['codec', 'zod']);

/** V8's own entries: no JavaScript frame to charge. */
const VM_ENTRIES: Record<string, string> = {
  '(garbage collector)': 'gc',
  '(program)': 'program',
  '(idle)': 'idle',
};

/** A frame's owner; `null`: Node's internals and V8 built-ins, charged to whoever called them. */
interface Owner {
  category: string;
  /** The npm package, for the categories made of several. */
  package?: string;
}

function packageOf(path: string): string | null {
  const at = path.lastIndexOf('/node_modules/');
  if (at === -1) return null;
  const [first, second] = path.slice(at + '/node_modules/'.length).split('/');
  if (!first) return null;
  return first.startsWith('@') && second ? `${first}/${second}` : first;
}

function packageCategory(name: string): string {
  for (const [category, packages] of Object.entries(PACKAGE_CATEGORIES)) {
    if (packages.some((p) => (p.endsWith('/') ? name.startsWith(p) : name === p))) return category;
  }
  return `other:${name}`;
}

/** Our file's category: the codec, else its folder (`ours:src/api`, `ours:workflows`). */
function ourCategory(relative: string): string {
  const path = relative.replace(/^dist\//, '');
  if (/^src\/temporal\/codec(\.|\/)/.test(path)) return 'codec';
  const parts = path.split('/');
  const folder = parts[0] === 'src' && parts.length > 2 ? `src/${parts[1]}` : parts[0]!;
  return `ours:${folder.replace(/\.[cm]?[jt]s$/, '')}`;
}

/** Who owns a frame, given the project's root directory (`/app`, `/work/seer-runs`). */
export function frameOwner(
  frame: ProfileNode['callFrame'],
  root: string,
): Owner | null | { vm: string } {
  const vm = VM_ENTRIES[frame.functionName];
  if (vm && frame.url === '') return { vm };
  const url = frame.url;
  if (url === '' || url.startsWith('node:') || !url.includes('/')) return null;
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const pkg = packageOf(path);
  if (pkg !== null) {
    const category = packageCategory(pkg);
    return category.startsWith('other:') ? { category } : { category, package: pkg };
  }
  // The workflow bundle runs in the worker's sandbox (an embedded worker's, in the API).
  if (/workflow-bundle[^/]*\.js$/.test(path)) {
    return { category: 'temporal_sdk', package: 'workflow sandbox (bundle)' };
  }
  const prefix = root.endsWith('/') ? root : `${root}/`;
  if (path.startsWith(prefix)) return { category: ourCategory(path.slice(prefix.length)) };
  return { category: 'other:unknown' };
}

export interface CategoryShare {
  category: string;
  /** This category's share of the busy samples, each sample charged once (they add up to 100). */
  pct: number;
  /** That share of the thread's CPU ms per run. */
  ms_per_run: number | null;
  /** Samples with this category anywhere on the stack (overlapping: Fastify's includes its handlers). */
  inclusive_pct: number;
  inclusive_ms_per_run: number | null;
  /** For categories made of several packages (and `node`: by module), % of the busy samples each. */
  packages?: Record<string, number>;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle included (wall time). */
  sampled_ms: number;
  /**
   * Of it, not idle: what the shares divide. Wall time: a sample counts while the thread waits
   * for a core too, so on a busy machine it exceeds the thread's CPU time.
   */
  busy_ms: number;
  idle_ms: number;
  samples: number;
  runs: number;
  /** The thread's CPU ms per run (`threadCpuMs` ÷ runs), or the busy ms per run without it. */
  cpu_ms_per_run: number | null;
  basis: 'thread CPU' | 'busy samples';
  /** Largest first. */
  categories: CategoryShare[];
}

interface Charge {
  self: string;
  package?: string;
  /** Every category on the stack, once. */
  onStack: Set<string>;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Node's own module of the innermost `node:` frame (`node:internal/stream_base_commons`). */
function nodeModuleOf(frames: Array<ProfileNode['callFrame']>): string | undefined {
  return frames.find((frame) => frame.url.startsWith('node:'))?.url;
}

/**
 * Shares by category of the samples in [fromUs, toUs) (the whole profile when not given). `root`
 * is the project directory, `runs` what the per-run figures divide by, `threadCpuMs` the profiled
 * thread's CPU time over the same window (from /proc), which the shares are applied to.
 */
export function summariseProfile(
  profile: CpuProfile,
  options: { root: string; runs: number; fromUs?: number; toUs?: number; threadCpuMs?: number },
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const charges = new Map<number, Charge>();
  const chargeOf = (leaf: number): Charge => {
    const known = charges.get(leaf);
    if (known) return known;
    const onStack = new Set<string>();
    const frames: Array<ProfileNode['callFrame']> = [];
    let innermost: Owner | undefined;
    let inclusive: Owner | undefined;
    let vm: string | undefined;
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      frames.push(frame);
      const owner = frameOwner(frame, options.root);
      if (owner === null) continue;
      if ('vm' in owner) {
        vm ??= owner.vm;
        continue;
      }
      onStack.add(owner.category);
      innermost ??= owner;
      if (INCLUSIVE.has(owner.category)) inclusive ??= owner;
    }
    const chosen = inclusive ?? innermost;
    const module = vm ? undefined : nodeModuleOf(frames);
    const charge: Charge = chosen
      ? { self: chosen.category, ...(chosen.package ? { package: chosen.package } : {}), onStack }
      : {
          self: vm ?? 'node',
          ...(module ? { package: module } : {}),
          onStack: new Set([vm ?? 'node']),
        };
    charges.set(leaf, charge);
    return charge;
  };

  const from = options.fromUs ?? -Infinity;
  const to = options.toUs ?? Infinity;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, Map<string, number>>();
  let at = profile.startTime;
  let sampled = 0;
  let samples = 0;
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  profile.samples.forEach((leaf, i) => {
    at += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const next =
      i + 1 < profile.samples.length ? at + (profile.timeDeltas[i + 1] ?? 0) : profile.endTime;
    if (at < from || at >= to) return;
    const us = Math.max(0, next - at);
    const charge = chargeOf(leaf);
    sampled += us;
    samples += 1;
    add(self, charge.self, us);
    for (const category of charge.onStack) add(inclusive, category, us);
    if (charge.package) {
      if (!packages.has(charge.self)) packages.set(charge.self, new Map());
      add(packages.get(charge.self)!, charge.package, us);
    }
  });

  const idleUs = self.get('idle') ?? 0;
  const busyUs = sampled - idleUs;
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  const threadMs = options.threadCpuMs ?? busyUs / 1000;
  const cpuMsPerRun = options.runs > 0 ? threadMs / options.runs : null;
  const pct = (us: number) => round2(share(us) * 100);
  const perRun = (us: number) => (cpuMsPerRun === null ? null : round2(share(us) * cpuMsPerRun));
  // A category may only ever be on the stack (Fastify under our handlers, the SDK under the codec).
  const categories = [...new Set([...self.keys(), ...inclusive.keys()])]
    .filter((category) => category !== 'idle')
    .map((category) => [category, self.get(category) ?? 0] as const)
    .sort(([, a], [, b]) => b - a)
    .map(([category, us]): CategoryShare => {
      const byPackage = packages.get(category);
      const incl = inclusive.get(category) ?? us;
      return {
        category,
        pct: pct(us),
        ms_per_run: perRun(us),
        inclusive_pct: pct(incl),
        inclusive_ms_per_run: perRun(incl),
        ...(byPackage
          ? {
              packages: Object.fromEntries(
                [...byPackage.entries()].sort(([, a], [, b]) => b - a).map(([p, n]) => [p, pct(n)]),
              ),
            }
          : {}),
      };
    });
  return {
    sampled_ms: round2(sampled / 1000),
    busy_ms: round2(busyUs / 1000),
    idle_ms: round2(idleUs / 1000),
    samples,
    runs: options.runs,
    cpu_ms_per_run: cpuMsPerRun === null ? null : round2(cpuMsPerRun),
    basis: options.threadCpuMs === undefined ? 'busy samples' : 'thread CPU',
    categories,
  };
}
