// The API's JSON body parser (spec §3 "Edges"): strict UTF-8, then the contract's shape check
// (src/contract/body-shape.ts: nesting ≤ 64, no number JSON can't carry, no key lost to cleaning).
import { shapeIssue } from '../contract/body-shape';
import type { Issue } from '../contract/invalid-request';
import { invalidRequest } from './api-error';

// Fatal: a body that is not UTF-8 is refused, never repaired with U+FFFD.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A POST body's bytes as JSON, or a 400 `invalid_request` naming what is wrong and where. */
export function parseJsonBody(bytes: Buffer): unknown {
  const refuse = (issue: Issue) => invalidRequest('the request body', [issue]);
  if (bytes.length === 0) throw refuse({ path: '', message: 'is empty; expected a JSON object' });
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw refuse({ path: '', message: 'is not valid UTF-8' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse({ path: '', message: 'is not valid JSON' });
  }
  const issue = shapeIssue(value);
  if (issue !== null) throw refuse(issue);
  return value;
}
