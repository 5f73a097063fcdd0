// The list's next_page_token: Temporal's token with a checksum of the query it belongs to, so a
// made-up token, or one from another organization's or filter's list, is a 400 at once (Temporal's
// SQL visibility answers a bad token with a retried UNKNOWN, not INVALID_ARGUMENT).
import { createHash, timingSafeEqual } from 'node:crypto';

const CHECK_BYTES = 8;

function check(query: string, token: Uint8Array): Buffer {
  return createHash('sha256')
    .update(query, 'utf8')
    .update('\0')
    .update(token)
    .digest()
    .subarray(0, CHECK_BYTES);
}

export function sealPageToken(query: string, token: Uint8Array): string {
  return Buffer.concat([check(query, token), token]).toString('base64url');
}

/** Temporal's token, or null when `sealed` was not made by sealPageToken for this query. */
export function openPageToken(query: string, sealed: string): Uint8Array | null {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= CHECK_BYTES) return null;
  const token = bytes.subarray(CHECK_BYTES);
  return timingSafeEqual(bytes.subarray(0, CHECK_BYTES), check(query, token)) ? token : null;
}
