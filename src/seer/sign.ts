// Request signing as Seer checks it: an HMAC-SHA256 of the exact bytes sent, for the body
// (Authorization) and for the viewer context (its own header pair), keyed by SEER_SHARED_SECRET.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ViewerContext } from '../domain';

const RPC_SCHEME = 'Rpcsignature rpc0:';

export const VIEWER_CONTEXT_HEADER = 'x-viewer-context';
export const VIEWER_CONTEXT_SIGNATURE_HEADER = 'x-viewer-context-signature';

export function signBody(secret: string, bytes: Uint8Array): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(bytes).digest('hex');
}

export function rpcAuthorization(secret: string, bytes: Uint8Array): string {
  return `${RPC_SCHEME}${signBody(secret, bytes)}`;
}

/**
 * No headers at all for a null viewer context: an empty or all-null one would make Seer
 * treat an anonymous call as a signed viewer.
 */
export function viewerContextHeaders(
  secret: string,
  viewerContext: ViewerContext | null | undefined,
): Record<string, string> {
  if (viewerContext === null || viewerContext === undefined) return {};
  const json = asciiJson({
    // Sentry sends "unknown" for async calls that carry no actor; Seer expects the key.
    actor_type: viewerContext.actor_type ?? 'unknown',
    organization_id: viewerContext.organization_id,
    ...(viewerContext.user_id === undefined ? {} : { user_id: viewerContext.user_id }),
  });
  return {
    [VIEWER_CONTEXT_HEADER]: json,
    [VIEWER_CONTEXT_SIGNATURE_HEADER]: signBody(secret, Buffer.from(json, 'utf8')),
  };
}

/** Constant-time check of a hex signature over `bytes`; anything malformed is simply false. */
export function verifySignature(secret: string, bytes: Uint8Array, hex: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(bytes).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}

export function verifyRpcAuthorization(
  secret: string,
  bytes: Uint8Array,
  authorization: string | undefined,
): boolean {
  if (authorization === undefined || !authorization.startsWith(RPC_SCHEME)) return false;
  return verifySignature(secret, bytes, authorization.slice(RPC_SCHEME.length));
}

/**
 * Header values travel as latin1 and may not hold DEL or characters above U+00FF, so non-ASCII
 * goes out as JSON \u escapes: the signed UTF-8 bytes and the bytes on the wire stay the same.
 */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
