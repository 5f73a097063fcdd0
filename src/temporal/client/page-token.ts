// The list's next_page_token: Temporal's token sealed with an HMAC-SHA256 of the query it belongs to
// under SEER_RUNS_PAGE_TOKEN_KEY, so only this deployment can make one (spec §3): a forged token, or
// one from another organization's or filter's list, is a 400 at once and never reaches Temporal.
import { createHmac, timingSafeEqual } from 'node:crypto';

const TAG_BYTES = 32;

function tag(key: string, query: string, token: Uint8Array): Buffer {
  return createHmac('sha256', key).update(query, 'utf8').update('\0').update(token).digest();
}

export function sealPageToken(key: string, query: string, token: Uint8Array): string {
  return Buffer.concat([tag(key, query, token), token]).toString('base64url');
}

/** Temporal's token, or null when `sealed` was not made by sealPageToken with this key and query. */
export function openPageToken(key: string, query: string, sealed: string): Uint8Array | null {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= TAG_BYTES) return null;
  const token = bytes.subarray(TAG_BYTES);
  return timingSafeEqual(bytes.subarray(0, TAG_BYTES), tag(key, query, token)) ? token : null;
}
