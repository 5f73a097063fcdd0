// How the API documents itself (OpenAPI 3.1 from the routes' zod schemas, through
// @fastify/swagger): answers with their descriptions and headers, each error status with its codes
// as an enum, the answers every route shares, and the document's last touches and stable text.
import type { SwaggerTransformObject } from '@fastify/swagger';
import { z } from 'zod';
import type { ApiErrorCode } from '../contract/error-codes';

export const OPENAPI_VERSION = '3.1.0';

/** A header schema's mark that the header is always sent (lifted to `required` by finishDocument). */
const ALWAYS_SENT = 'x-always-sent';

export interface HeaderDoc {
  type: 'string' | 'integer';
  description: string;
  [keyword: string]: unknown;
}

function headerDoc(schema: z.ZodType, description: string, alwaysSent: boolean): HeaderDoc {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  return { ...(json as { type: 'string' | 'integer' }), description, [ALWAYS_SENT]: alwaysSent };
}

/** The response headers the API sends, as the document states them. */
export const Header = {
  location: headerDoc(
    z.string(),
    'the new run: /v1/organizations/{organization_id}/seer-runs/{run_uuid}',
    true,
  ),
  retryAfter: (alwaysSent: boolean, when = 'seconds to wait before sending the request again') =>
    headerDoc(z.int().min(0), when, alwaysSent),
  allow: headerDoc(z.string(), "the path's methods, e.g. `GET, HEAD`", true),
  wwwAuthenticate: headerDoc(z.string(), '`Bearer`', true),
};

/** An OpenAPI link: where an answer's values lead (another operation and its parameters). */
export interface LinkDoc {
  operationId: string;
  description: string;
  /** Parameter name → a runtime expression (`$request.path.organization_id`, `$response.body#/x`). */
  parameters: Record<string, string>;
}

/** A schema's answer links, lifted onto the answer by finishDocument. */
const LINKS = 'x-answer-links';

/** A successful answer: its schema (Fastify serializes with it) and what the document says of it. */
export function answer<T extends z.ZodType>(
  description: string,
  schema: T,
  headers: Record<string, HeaderDoc> = {},
  links: Record<string, LinkDoc> = {},
): T {
  return schema.meta({
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(Object.keys(links).length > 0 ? { [LINKS]: links } : {}),
  });
}

export const IssueList = z.array(
  z.object({
    path: z.string().meta({ description: 'dotted path into the body, or the parameter or header' }),
    message: z.string(),
  }),
);

/**
 * An error answer: `{"error", "detail", ...fields}` with `error` one of `codes`. Documentation
 * only: error bodies are built by sendHttpError (src/http/router-errors.ts) and sent as they are
 * (app.ts), and test/integration/openapi.test.ts holds them to these schemas.
 */
export function errorAnswer(
  description: string,
  codes: readonly [ApiErrorCode, ...ApiErrorCode[]],
  fields: z.ZodRawShape = {},
  headers: Record<string, HeaderDoc> = {},
) {
  return answer(
    description,
    z.object({
      error: z.enum(codes),
      detail: z.string().meta({
        description: 'a sentence for people; quotes at most 100 characters of what was sent',
      }),
      ...fields,
    }),
    headers,
  );
}

/** Any request may reach an API that is closing (app.ts). */
export const SHUTTING_DOWN =
  'shutting_down: this API is closing; send the request again after Retry-After';

/**
 * What the router and Node's parser answer on every path, before any route is chosen
 * (src/http/router-errors.ts). 405 is another method's answer on this operation's path.
 */
export const ROUTER_ANSWERS = {
  405: errorAnswer(
    'a method this path does not have (any other than its documented ones and HEAD for GET); Allow lists them',
    ['method_not_allowed'],
    {},
    { allow: Header.allow },
  ),
  408: errorAnswer(
    'the request headers (10 s) or the whole request (30 s) did not arrive in time',
    ['request_timeout'],
  ),
  414: errorAnswer('the URL is too long', ['request_too_large']),
  431: errorAnswer('the request headers are too large', ['request_too_large']),
  503: errorAnswer(
    SHUTTING_DOWN,
    ['shutting_down'],
    {},
    { 'retry-after': Header.retryAfter(true) },
  ),
};

/** The bearer-token check's answers (src/api/auth.ts), on every /v1 route. */
export function authAnswers() {
  return {
    401: errorAnswer(
      'no token, or not a known one: send "Authorization: Bearer <token>"',
      ['unauthorized'],
      {},
      { 'www-authenticate': Header.wwwAuthenticate },
    ),
    403: errorAnswer('the token may not act for this organization', ['forbidden']),
  };
}

interface ResponseObject {
  headers?: Record<string, { schema?: Record<string, unknown>; required?: boolean }>;
  content?: Record<string, { schema?: Record<string, unknown> }>;
  links?: unknown;
}

/**
 * @fastify/swagger's last step: what it cannot place from a schema's meta is moved where OpenAPI
 * wants it. Headers always sent are `required`; an answer's links sit on the answer.
 */
export const finishDocument: SwaggerTransformObject = (input) => {
  if (!('openapiObject' in input)) return input.swaggerObject;
  const document = input.openapiObject;
  const paths = document.paths as
    Record<string, Record<string, { responses?: Record<string, ResponseObject> }>> | undefined;
  for (const operations of Object.values(paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        for (const header of Object.values(response.headers ?? {})) {
          if (header.schema?.[ALWAYS_SENT] === true) header.required = true;
          delete header.schema?.[ALWAYS_SENT];
        }
        const schema = response.content?.['application/json']?.schema;
        if (schema?.[LINKS] !== undefined) {
          response.links = schema[LINKS];
          delete schema[LINKS];
        }
      }
    }
  }
  return document;
};

/** The document as docs/openapi.json holds it: keys sorted at every level, two-space indent. */
export function openapiText(document: unknown): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
