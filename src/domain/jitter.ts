// Deterministic jitter for retry delays: a number in [0, 1) from the run's UUID and the request's
// number, so runs that failed together do not retry Seer together, and the workflow (which may not
// use Math.random) computes the same value on every replay. Pure: no Node imports.

/** A retry delay moves by at most this share of itself (backoff: shorter; Retry-After: longer). */
export const JITTER_FRACTION = 0.2;

/**
 * u in [0, 1), the same for the same (run, request number): FNV-1a over the text, then
 * MurmurHash3's finalizer, so UUIDs that differ in one character still land far apart.
 */
export function jitterUnit(runUuid: string, requestNumber: number): number {
  const text = `${runUuid.toLowerCase()}#${requestNumber}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}
