// Route plugin for /v1/organizations/{organization_id}/seer-runs: create (POST), read one (GET,
// waiting with ?wait= while it is PENDING) and list (GET). Token-checked; request schemas in
// src/contract/seer-runs-requests.ts, documented answers in seer-runs.schemas.ts; a POST's answers
// via outcome-to-http.
import type {
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { invalidRequest, runNotFound } from '../api-error';
import { requireToken } from '../auth';
import { createRun, type CreateRunDeps } from '../create-run';
import { httpAnswerFor } from '../outcome-to-http';
import { requestBound } from '../request-bound';
import type { ApiTokens } from '../../config';
import { assertNever } from '../../domain';
import {
  BODY_LIMIT_BYTES,
  CreateRunBody,
  CreateRunHeaders,
  getRunQuery,
  IDEMPOTENCY_KEY_HEADER,
  ListRunsQuery,
  OrganizationParams,
  RunParams,
} from '../../contract/seer-runs-requests';
import { CREATE_RUN_ANSWERS, getRunAnswers, LIST_RUNS_ANSWERS } from './seer-runs.schemas';

export interface SeerRunsRoutesOptions extends CreateRunDeps {
  tokens: ApiTokens;
}

/** Any other method on a path with routes is 405 (the not-found handler, src/http/router-errors.ts). */
const OTHER_METHODS =
  'Any other method on this path is answered 405 method_not_allowed, with Allow.';

/** Node joins a repeated header into "a, b", which would pass as one key: count the raw ones. */
function refuseRepeatedIdempotencyKey(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const names = request.raw.rawHeaders.filter((_, index) => index % 2 === 0);
  const sent = names.filter((name) => name.toLowerCase() === IDEMPOTENCY_KEY_HEADER).length;
  done(
    sent > 1
      ? invalidRequest('a header', [
          { path: 'Idempotency-Key', message: `is sent ${sent} times; send it once` },
        ])
      : undefined,
  );
}

/**
 * A signal that aborts when the HTTP client goes away while the request waits. `answered()` once
 * the answer is decided: nothing listens any longer, and the socket's close after every answer
 * would otherwise abort it (an AbortError built, with its stack, per request).
 */
function clientGone(reply: FastifyReply): { signal: AbortSignal; answered(): void } {
  const gone = new AbortController();
  const abort = () => gone.abort();
  reply.raw.once('close', abort);
  return { signal: gone.signal, answered: () => reply.raw.off('close', abort) };
}

export const seerRunsRoutes: FastifyPluginCallback<SeerRunsRoutesOptions> = (app, deps, done) => {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.addHook('onRequest', requireToken(deps.tokens));

  routes.post(
    '/v1/organizations/:organization_id/seer-runs',
    {
      bodyLimit: BODY_LIMIT_BYTES,
      // After the token check, before the body is read.
      onRequest: refuseRepeatedIdempotencyKey,
      schema: {
        summary: 'Create a Seer run and wait for it to go LIVE',
        description: `Answers within SYNC_WAIT_TIMEOUT_MS + 1 s of its arrival, whatever Seer and Temporal do. How a client retries: send an Idempotency-Key with every run; on 503 send the same request again; on 500 seer_run_pending send it again with its retry_token after Retry-After; if that answers 404 run_not_found, send the request again without the token (the same key names the same run). A 422 is never worth repeating. ${OTHER_METHODS}`,
        operationId: 'createSeerRun',
        params: OrganizationParams,
        headers: CreateRunHeaders,
        body: CreateRunBody,
        response: CREATE_RUN_ANSWERS,
      },
    },
    async (request, reply) => {
      // The HTTP client leaving ends our wait on Temporal; the run itself carries on.
      const gone = clientGone(reply);
      let outcome;
      try {
        outcome = await createRun(deps, {
          organizationId: request.params.organization_id,
          body: request.body,
          idempotencyKey: request.headers[IDEMPOTENCY_KEY_HEADER],
          startedBy: request.id,
          arrivedAt: Date.now() - reply.elapsedTime,
          signal: gone.signal,
          log: request.log,
        });
      } finally {
        gone.answered();
      }
      const answer = httpAnswerFor(outcome);
      // The answer's status and body come typed from outcome-to-http, not from the schemas' union.
      const untyped: FastifyReply = reply;
      return untyped.code(answer.status).headers(answer.headers).send(answer.body);
    },
  );

  const maxWaitS = Math.floor(deps.config.syncWaitTimeoutMs / 1000);
  routes.get(
    '/v1/organizations/:organization_id/seer-runs/:run_uuid',
    {
      schema: {
        summary: 'Read one run (from Temporal, no worker needed), waiting while it is PENDING',
        description: `With ?wait=<seconds>, a PENDING run is answered when it leaves PENDING or when the wait ends (then still PENDING), within the wait + 1 s of the request's arrival, as a POST's wait is bounded: resume a run after a 500 seer_run_pending without sending its body again. ${OTHER_METHODS}`,
        operationId: 'getSeerRun',
        params: RunParams,
        querystring: getRunQuery(maxWaitS),
        response: getRunAnswers(),
      },
    },
    async (request, reply) => {
      const { organization_id, run_uuid } = request.params;
      const waitS = request.query.wait ?? 0;
      let found;
      if (waitS === 0) {
        found = await deps.runs.find(run_uuid, organization_id);
      } else {
        // The HTTP client leaving ends the wait, as a POST's.
        const gone = clientGone(reply);
        const scope = requestBound(
          { arrivedAt: Date.now() - reply.elapsedTime, signal: gone.signal, log: request.log },
          waitS * 1000,
        );
        try {
          found = await deps.runs.findSettled(run_uuid, organization_id, scope.bound);
        } finally {
          scope.release();
          gone.answered();
        }
      }
      if (found === null) throw runNotFound(run_uuid, organization_id);
      return found.view;
    },
  );

  routes.get(
    '/v1/organizations/:organization_id/seer-runs',
    {
      schema: {
        summary: "List the organization's runs (open first, then newest closed)",
        description: `Each UUID once, as it now stands (a FAILED run a re-drive replaced is left out). ${OTHER_METHODS}`,
        operationId: 'listSeerRuns',
        params: OrganizationParams,
        querystring: ListRunsQuery,
        response: LIST_RUNS_ANSWERS,
      },
    },
    async (request) => {
      const { status, type, page_size, next_page_token } = request.query;
      const page = await deps.runs.list(
        request.params.organization_id,
        { status, type },
        page_size,
        next_page_token,
      );
      switch (page.kind) {
        case 'page':
          return { runs: page.runs, next_page_token: page.nextPageToken };
        case 'invalid_page_token':
          throw invalidRequest('the query string', [
            { path: 'next_page_token', message: 'is not a token from a previous page' },
          ]);
        default:
          return assertNever(page);
      }
    },
  );
  done();
};
