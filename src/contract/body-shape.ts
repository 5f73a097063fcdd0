// The shape every JSON body must have before any schema or recursive walk sees it (spec §3
// "Edges"): at most 64 levels of nesting, no number JSON can't carry, and no key that cleaning
// would lose. Checked with an explicit stack, so a deep body cannot overflow it.
import { cleanString } from '../domain/clean-strings';
import { quoted } from './client-text';
import { pathText, type Issue } from './invalid-request';

/** Deeper than any run type's request needs, and shallow enough for every recursive walk after. */
export const MAX_NESTING = 64;

/** An object or array met on the walk; the chain of parents spells its path when one is refused. */
interface Container {
  value: object;
  depth: number;
  parent: Container | null;
  key: string | number;
}

function pathOf(container: Container | null, key: string | number): Array<string | number> {
  const path = [key];
  for (let at = container; at !== null && at.parent !== null; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** Keys of one object: none may become `__proto__` or another key once cleaned. */
function keyIssue(container: Container): Issue | null {
  const originals = new Map<string, string>();
  for (const key of Object.keys(container.value)) {
    const clean = cleanString(key);
    // A plain object cannot hold `__proto__` as data: zod and any assignment would drop it.
    if (clean === '__proto__') {
      return {
        path: pathText(pathOf(container, clean)),
        message: 'is a key name the API cannot keep (__proto__); rename it',
      };
    }
    const other = originals.get(clean);
    if (other !== undefined) {
      return {
        path: pathText(pathOf(container, clean)),
        message: `names two keys once NUL characters and lone surrogates are removed: ${JSON.stringify(quoted(other))} and ${JSON.stringify(quoted(key))}`,
      };
    }
    originals.set(clean, key);
  }
  return null;
}

/** The first thing the walk refuses in a parsed body, or null. */
export function shapeIssue(root: unknown): Issue | null {
  if (root === null || typeof root !== 'object') return null;
  const stack: Container[] = [{ value: root, depth: 1, parent: null, key: '' }];
  for (let container = stack.pop(); container !== undefined; container = stack.pop()) {
    const { value } = container;
    if (!Array.isArray(value)) {
      const issue = keyIssue(container);
      if (issue !== null) return issue;
    }
    for (const [key, inner] of Object.entries(value) as Array<[string, unknown]>) {
      // JSON.parse reads 1e400 as Infinity: no JSON can carry it on (to Seer, to the fingerprint).
      if (typeof inner === 'number' && !Number.isFinite(inner)) {
        return {
          path: pathText(pathOf(container, Array.isArray(value) ? Number(key) : key)),
          message: 'is a number out of range (beyond ±1.8e308)',
        };
      }
      if (inner === null || typeof inner !== 'object') continue;
      const child: Container = {
        value: inner,
        depth: container.depth + 1,
        parent: container,
        key: Array.isArray(value) ? Number(key) : key,
      };
      if (child.depth > MAX_NESTING) {
        return {
          path: pathText(pathOf(container, child.key)),
          message: `nests deeper than ${MAX_NESTING} levels`,
        };
      }
      stack.push(child);
    }
  }
  return null;
}
