// How the fake Seer checks who is calling (seer-api.md "Wire format"): the body's Authorization
// and the viewer-context header pair, both HMAC-SHA256 keyed by SEER_SHARED_SECRET.
// Written from the spec, never from src/seer/sign.ts: a witness that shared the client's code
// would agree with any bug in it. test/unit/fake-seer-witness.test.ts holds the two together.
import { createHmac, timingSafeEqual } from 'node:crypto';

const AUTHORIZATION_PREFIX = 'Rpcsignature rpc0:';
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export const VIEWER_CONTEXT_HEADER = 'x-viewer-context';
export const VIEWER_CONTEXT_SIGNATURE_HEADER = 'x-viewer-context-signature';

/** Whether `Authorization: Rpcsignature rpc0:<hex>` signs exactly the body bytes received. */
export function bodySignatureOk(
  secret: string,
  body: Uint8Array,
  authorization: string | undefined,
): boolean {
  if (authorization === undefined || !authorization.startsWith(AUTHORIZATION_PREFIX)) return false;
  return hmacMatches(secret, body, authorization.slice(AUTHORIZATION_PREFIX.length));
}

/** null when no viewer context was sent: the spec checks the pair only when the context is there. */
export function viewerContextOk(
  secret: string,
  viewerContext: string | undefined,
  signature: string | undefined,
): boolean | null {
  if (viewerContext === undefined) return null;
  // Node hands header values over as latin1 text; the signature covers the bytes on the wire.
  return hmacMatches(secret, Buffer.from(viewerContext, 'latin1'), signature ?? '');
}

function hmacMatches(secret: string, bytes: Uint8Array, hex: string): boolean {
  // Checked first so that timingSafeEqual only ever compares two 32-byte digests.
  if (!HEX_SHA256.test(hex)) return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(bytes).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}
