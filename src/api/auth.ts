// Bearer-token auth for /v1 (spec §3): SEER_RUNS_API_TOKENS maps tokens to organizations, compared
// in constant time (src/http/bearer.ts).
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { orgSetHas, type ApiTokens, type OrgSet } from '../config';
import { bearerToken, sameDigest, tokenDigest } from '../http/bearer';
import { quoted } from '../contract/client-text';
import { ApiErrorCode } from '../contract/error-codes';
import { HttpError } from '../http/http-error';

/** The organizations a presented token may act for, or null for an unknown token. */
export function tokenLookup(tokens: ApiTokens): (presented: string) => OrgSet | null {
  const known = [...tokens].map(([token, orgs]) => ({ digest: tokenDigest(token), orgs }));
  return (presented) => {
    const candidate = tokenDigest(presented);
    let match: OrgSet | null = null;
    // No early exit: every configured token is compared, whichever matches.
    for (const entry of known) {
      if (sameDigest(entry.digest, candidate)) match = entry.orgs;
    }
    return match;
  };
}

/**
 * An onRequest hook: 401 without a known token, 403 when the path's organization is not the
 * token's. Runs before the body is read, so a stranger learns nothing from validation errors.
 */
export function requireToken(tokens: ApiTokens) {
  const refuse = tokenRefusal(tokens);
  return function authenticate(
    request: FastifyRequest,
    _reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    done(refuse(request));
  };
}

/** The token check as a function: the 401 or 403 a request gets, or undefined when it passes. */
export function tokenRefusal(
  tokens: ApiTokens,
): (request: FastifyRequest) => HttpError | undefined {
  const lookup = tokenLookup(tokens);
  return (request) => refusal(request, lookup);
}

function refusal(
  request: FastifyRequest,
  lookup: (presented: string) => OrgSet | null,
): HttpError | undefined {
  const token = bearerToken(request.headers.authorization);
  const orgs = token === undefined ? null : lookup(token);
  if (orgs === null) {
    return new HttpError(
      401,
      ApiErrorCode.unauthorized,
      'send a valid token as "Authorization: Bearer <token>"',
      {},
      { 'www-authenticate': 'Bearer' },
    );
  }
  // Params are not validated yet at this stage: a malformed id is left to the route's 400.
  const organization = (request.params as Record<string, string | undefined>).organization_id;
  if (organization !== undefined && /^\d+$/.test(organization)) {
    if (!orgSetHas(orgs, Number(organization))) {
      return new HttpError(
        403,
        ApiErrorCode.forbidden,
        `this token may not act for organization ${quoted(organization)}`,
      );
    }
  }
  return undefined;
}
