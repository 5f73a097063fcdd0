// Route plugin for /v1/organizations/{organization_id}/seer-runs: create (POST), read one (GET)
// and list (GET). Token-checked; schemas in seer-runs.schemas.ts; answers via outcome-to-http.
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
import type { ApiTokens } from '../../config';
import { assertNever } from '../../domain';
import {
  CreateRunBody,
  CreateRunHeaders,
  ErrorBody,
  IDEMPOTENCY_KEY_HEADER,
  ListRunsQuery,
  OrganizationParams,
  RunCreated,
  RunList,
  RunParams,
  SeerRunViewSchema,
} from './seer-runs.schemas';

/** Spec §3: bodies above this are 413. Runs carry queries and issue context, not attachments. */
export const BODY_LIMIT_BYTES = 256 * 1024;

export interface SeerRunsRoutesOptions extends CreateRunDeps {
  tokens: ApiTokens;
}

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

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
        params: OrganizationParams,
        headers: CreateRunHeaders,
        body: CreateRunBody,
        response: { 200: RunCreated, 201: RunCreated, ...errors },
      },
    },
    async (request, reply) => {
      // The HTTP client leaving ends our wait on Temporal; the run itself carries on.
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const answer = httpAnswerFor(
        await createRun(deps, {
          organizationId: request.params.organization_id,
          body: request.body,
          idempotencyKey: request.headers[IDEMPOTENCY_KEY_HEADER],
          startedBy: request.id,
          arrivedAt: Date.now() - reply.elapsedTime,
          signal: gone.signal,
          log: request.log,
        }),
      );
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    },
  );

  routes.get(
    '/v1/organizations/:organization_id/seer-runs/:run_uuid',
    {
      schema: {
        summary: 'Read one run (from Temporal, no worker needed)',
        params: RunParams,
        response: { 200: SeerRunViewSchema, ...errors },
      },
    },
    async (request) => {
      const { organization_id, run_uuid } = request.params;
      const found = await deps.runs.find(run_uuid, organization_id);
      if (found === null) throw runNotFound(run_uuid, organization_id);
      return found.view;
    },
  );

  routes.get(
    '/v1/organizations/:organization_id/seer-runs',
    {
      schema: {
        summary: "List the organization's runs (open first, then newest closed)",
        params: OrganizationParams,
        querystring: ListRunsQuery,
        response: { 200: RunList, ...errors },
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
