// How the bench's `--profile` charges the API's CPU to categories (bench/cpu-profile.ts), on a
// hand-made profile whose every sample lasts 1 ms: which frame a sample is charged to, the
// inclusive shares, idle left out, ms per run (of the samples, or of the thread's CPU time), and
// the measurement's window.
import { frameOwner, summariseProfile, type CpuProfile } from '../../bench/cpu-profile';

const ROOT = '/app';
const file = (path: string) => `file://${ROOT}/${path}`;

/** id → [functionName, url, children]. */
const TREE: Record<number, [string, string, number[]]> = {
  1: ['(root)', '', [2, 3, 4, 5, 9]],
  2: ['(garbage collector)', '', []],
  3: ['(idle)', '', []],
  4: ['routeHandler', file('node_modules/fastify/lib/route.js'), [6]],
  6: ['createRun', file('dist/src/api/routes/runs.js'), [7]],
  7: ['start', file('node_modules/@temporalio/client/lib/workflow-client.js'), [8]],
  8: ['encode', file('dist/src/temporal/codec.js'), [10]],
  10: ['update', 'node:internal/crypto/cipher', [11]],
  11: ['finish', file('node_modules/protobufjs/src/writer.js'), []],
  5: ['processTicksAndRejections', 'node:internal/process/task_queues', [12]],
  12: ['safeParse', file('node_modules/zod/v4/core/parse.js'), [13]],
  13: ['parse', '', []],
  9: ['(program)', '', []],
};

/** One sample per leaf, 1 ms apart, from t = 1000 µs. */
function profileOf(leaves: number[]): CpuProfile {
  return {
    nodes: Object.entries(TREE).map(([id, [functionName, url, children]]) => ({
      id: Number(id),
      callFrame: { functionName, url },
      children,
    })),
    startTime: 1_000,
    endTime: 1_000 + leaves.length * 1_000,
    samples: leaves,
    timeDeltas: leaves.map((_, i) => (i === 0 ? 0 : 1_000)),
  };
}

// ours (under Fastify), crypto under the codec, protobuf under the codec, Fastify itself, a
// built-in under zod, GC, idle, (program), Node's internals alone.
const LEAVES = [6, 10, 11, 4, 13, 2, 3, 9, 5];

const byCategory = (summary: ReturnType<typeof summariseProfile>) =>
  Object.fromEntries(summary.categories.map((c) => [c.category, c]));

describe('the API profile by category', () => {
  const summary = summariseProfile(profileOf(LEAVES), { root: ROOT, runs: 2 });
  const shares = byCategory(summary);

  it('leaves idle out and charges every other sample once', () => {
    expect(summary.sampled_ms).toBe(9);
    expect(summary.idle_ms).toBe(1);
    expect(summary.busy_ms).toBe(8);
    expect(summary.categories.reduce((sum, c) => sum + c.pct, 0)).toBe(100);
    expect(shares.idle).toBeUndefined();
  });

  it('charges the codec for the crypto and protobuf encoding it calls', () => {
    expect(shares.codec!.pct).toBe(25);
    expect(shares.protobufjs!.pct).toBe(0);
    expect(shares.protobufjs!.inclusive_pct).toBe(12.5);
  });

  it('charges Fastify only for its own frames, not for the handler it calls', () => {
    expect(shares.fastify!.pct).toBe(12.5);
    expect(shares.fastify!.inclusive_pct).toBe(50);
    expect(shares['ours:src/api']!.pct).toBe(12.5);
    expect(shares.temporal_sdk!.pct).toBe(0);
    expect(shares.temporal_sdk!.inclusive_pct).toBe(25);
  });

  it("charges a built-in to its JavaScript caller, and Node's internals alone to node", () => {
    expect(shares.zod!.pct).toBe(12.5);
    expect(shares.node!.pct).toBe(12.5);
    expect(shares.node!.packages).toEqual({ 'node:internal/process/task_queues': 12.5 });
  });

  it('names GC and (program) as V8 reports them', () => {
    expect(shares.gc!.pct).toBe(12.5);
    expect(shares.program!.pct).toBe(12.5);
  });

  it('lists the largest share first', () => {
    expect(summary.categories[0]!.category).toBe('codec');
  });

  it("divides the busy samples by the runs without the thread's CPU time", () => {
    expect(summary.basis).toBe('busy samples');
    expect(summary.cpu_ms_per_run).toBe(4);
    expect(shares.codec!.ms_per_run).toBe(1);
    expect(shares.fastify!.inclusive_ms_per_run).toBe(2);
  });

  it("splits the thread's CPU time by the shares when given (a busy machine stretches samples)", () => {
    const scaled = summariseProfile(profileOf(LEAVES), { root: ROOT, runs: 2, threadCpuMs: 4 });
    expect(scaled.basis).toBe('thread CPU');
    expect(scaled.cpu_ms_per_run).toBe(2);
    expect(byCategory(scaled).codec!.ms_per_run).toBe(0.5);
  });

  it('counts only the samples inside the window', () => {
    // Samples at 3000 µs (protobuf under the codec) and 4000 µs (Fastify).
    const windowed = summariseProfile(profileOf(LEAVES), {
      root: ROOT,
      runs: 1,
      fromUs: 3_000,
      toUs: 5_000,
    });
    expect(windowed.samples).toBe(2);
    expect(byCategory(windowed).codec!.pct).toBe(50);
    expect(byCategory(windowed).fastify!.pct).toBe(50);
    expect(byCategory(windowed).zod).toBeUndefined();
  });
});

describe("a frame's owner", () => {
  it.each<[string, string, string, string | undefined]>([
    ['a scoped package', 'node_modules/@grpc/grpc-js/build/src/call.js', 'grpc', '@grpc/grpc-js'],
    ['a Fastify dependency', 'node_modules/find-my-way/index.js', 'fastify', 'find-my-way'],
    ['a nested copy', 'node_modules/pino/node_modules/sonic-boom/index.js', 'pino', 'sonic-boom'],
    ['an unknown package', 'node_modules/left-pad/index.js', 'other:left-pad', undefined],
    ['a file at the top of src', 'dist/src/worker.js', 'ours:src', undefined],
    ['the workflows folder', 'workflows/seer-run.ts', 'ours:workflows', undefined],
    ['the codec in the sources', 'src/temporal/codec.ts', 'codec', undefined],
  ])('%s', (_case, path, category, pkg) => {
    expect(frameOwner({ functionName: 'f', url: file(path) }, ROOT)).toEqual(
      pkg === undefined ? { category } : { category, package: pkg },
    );
  });

  it("is nobody for Node's internals and V8 built-ins", () => {
    expect(frameOwner({ functionName: 'emit', url: 'node:events' }, ROOT)).toBeNull();
    expect(frameOwner({ functionName: 'stringify', url: '' }, ROOT)).toBeNull();
  });
});
