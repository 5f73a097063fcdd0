// The OpenAPI document's parts: a whole number sent as text reads and documents as the integer it
// stands for, error answers enumerate their codes, and the written text is stable.
import { z } from 'zod';
import { errorAnswer, openapiText } from '../../src/api/openapi';
import { wholeNumberText } from '../../src/contract/whole-number-text';

describe('wholeNumberText', () => {
  const pageSize = wholeNumberText(1, 1000, 'expected a whole number from 1 to 1000');

  it.each([
    ['1', 1],
    ['1000', 1000],
    ['0050', 50],
  ])('reads %j as %j', (text, value) => {
    expect(pageSize.parse(text)).toBe(value);
  });

  it.each(['0', '1001', '-1', '1e3', '0x10', ' 5', '5.0', '', '10000'])(
    'refuses %j with its one sentence',
    (text) => {
      const parsed = pageSize.safeParse(text);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
        'expected a whole number from 1 to 1000',
      ]);
    },
  );

  it('documents the integer, its bounds and nothing of the text', () => {
    const json = z.toJSONSchema(pageSize, { target: 'draft-2020-12', io: 'input' });
    expect(json).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    });
  });
});

describe('errorAnswer', () => {
  it("documents `error` as the enum of the status's codes, beside a detail and the fields given", () => {
    const schema = errorAnswer('refused', ['idempotency_key_reused', 'retry_token_mismatch'], {
      run_uuid: z.string().optional(),
    });
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12' });

    expect(json).toMatchObject({
      description: 'refused',
      required: ['error', 'detail'],
      properties: {
        error: { enum: ['idempotency_key_reused', 'retry_token_mismatch'] },
        detail: { type: 'string' },
        run_uuid: { type: 'string' },
      },
    });
  });
});

describe('openapiText', () => {
  it('is the same text whatever order the keys came in, arrays kept in order', () => {
    const one = openapiText({ b: { y: 1, x: [3, 1] }, a: 'first' });
    const other = openapiText({ a: 'first', b: { x: [3, 1], y: 1 } });

    expect(one).toBe(other);
    expect(one).toBe(
      '{\n  "a": "first",\n  "b": {\n    "x": [\n      3,\n      1\n    ],\n    "y": 1\n  }\n}\n',
    );
  });
});
