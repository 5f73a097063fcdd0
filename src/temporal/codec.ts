// AES-256-GCM payload codec (spec §6 PAYLOAD_ENCRYPTION_KEYS): run inputs carry user queries and
// viewer context, so payloads reach Temporal's history encrypted. Client and worker side, never sandbox.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  METADATA_ENCODING_KEY,
  type DataConverter,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';

/** The metadata an encrypted payload carries; the names other Temporal SDKs' samples use. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
export const METADATA_CIPHER = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';

const KEY_BYTES = 32;
// 96-bit IVs are GCM's native size. Random ones keep NIST's bound up to 2^32 payloads per key:
// rotate the key long before that.
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface PayloadKey {
  readonly id: string;
  readonly key: Buffer;
}

export class PayloadKeysError extends Error {
  override name = 'PayloadKeysError';
}

/**
 * Parses `PAYLOAD_ENCRYPTION_KEYS`: comma-separated `<key-id>:<base64 of 32 bytes>`, newest first.
 * Errors name the entry and the problem but never echo key material.
 */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === '') {
    throw new PayloadKeysError('expected at least one <key-id>:<base64 32-byte key>');
  }
  const keys: PayloadKey[] = [];
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) {
      throw new PayloadKeysError(
        `${where} is not <key-id>:<base64 32-byte key> (no ":" after the key id)`,
      );
    }
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) {
      // Not echoed: a key pasted in the wrong order would land here.
      throw new PayloadKeysError(`${where}: the key id must be 1 to 64 of A-Z a-z 0-9 . _ -`);
    }
    if (keys.some((known) => known.id === id)) {
      throw new PayloadKeysError(`key "${id}" appears twice; each key id must be unique`);
    }
    const key = Buffer.from(encoded, 'base64');
    // Node's decoder skips what it cannot read, so a typo would silently yield another key.
    if (!BASE64.test(encoded) || encoded.length % 4 !== 0 || key.toString('base64') !== encoded) {
      throw new PayloadKeysError(
        `key "${id}" is not valid base64 (e.g. \`openssl rand -base64 32\`)`,
      );
    }
    if (key.length !== KEY_BYTES) {
      throw new PayloadKeysError(
        `key "${id}" is ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES}`,
      );
    }
    keys.push({ id, key });
  });
  return keys;
}

/** `PAYLOAD_ENCRYPTION_KEYS` as a zod schema, for env parsing (src/config, the codec server). */
export const PayloadKeys = z.string().transform((text, ctx): PayloadKey[] => {
  try {
    return parsePayloadKeys(text);
  } catch (err) {
    if (!(err instanceof PayloadKeysError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

export type PayloadCodecFailure = 'unknown_key' | 'malformed' | 'unauthentic';

/** A payload this codec cannot decode; `reason` is stable, the message is for humans. */
export class PayloadCodecError extends Error {
  override name = 'PayloadCodecError';

  constructor(
    readonly reason: PayloadCodecFailure,
    message: string,
  ) {
    super(message);
  }
}

const utf8 = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

/**
 * Encrypts each whole Payload (metadata included, so even the encoding stays private) with the
 * newest key; decrypts with whichever configured key the payload names, so keys can rotate.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly newest: PayloadKey;
  private readonly byId: ReadonlyMap<string, Buffer>;

  constructor(keys: readonly PayloadKey[]) {
    const [newest] = keys;
    if (newest === undefined) throw new PayloadKeysError('the codec needs at least one key');
    this.newest = newest;
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  // The work is synchronous; a promise executor turns a throw into a rejection.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.encrypt(payload))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decrypt(payload))));
  }

  private encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.newest.key, iv);
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [METADATA_KEY_ID]: Buffer.from(this.newest.id),
        [METADATA_CIPHER]: Buffer.from(CIPHER),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const metadata = payload.metadata ?? {};
    // Anything else was written before encryption was switched on (or is not ours): leave it be.
    if (utf8(metadata[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;

    const id = utf8(metadata[METADATA_KEY_ID]);
    if (id === undefined) {
      throw new PayloadCodecError('malformed', `encrypted payload has no ${METADATA_KEY_ID}`);
    }
    // Payloads from codecs that omit the cipher name are taken to be AES-256-GCM, as is usual.
    const cipherName = utf8(metadata[METADATA_CIPHER]) ?? CIPHER;
    if (cipherName !== CIPHER) {
      throw new PayloadCodecError(
        'malformed',
        `payload encrypted with key "${id}" uses cipher ${JSON.stringify(cipherName)}; only ${CIPHER} is supported`,
      );
    }
    const key = this.byId.get(id);
    if (key === undefined) {
      throw new PayloadCodecError(
        'unknown_key',
        `payload encrypted with key "${id}", which is not in PAYLOAD_ENCRYPTION_KEYS (${[...this.byId.keys()].join(', ')})`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadCodecError(
        'malformed',
        `payload encrypted with key "${id}" is ${data.length} bytes, too short for IV and tag`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadCodecError(
        'unauthentic',
        `payload encrypted with key "${id}" failed authentication: altered, or encrypted with another key of that id`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}

/**
 * The failure converter module for encrypted deployments. The SDK takes it as a path because the
 * workflow sandbox bundles it too, so it lives apart from this Node-only file.
 */
export const ENCODED_FAILURE_CONVERTER_PATH = join(__dirname, 'failure-converter');

/**
 * Client and worker data converter: in clear without keys; with keys, payloads are encrypted and
 * failure messages and stack traces are moved into an (encrypted) payload as well.
 */
export function dataConverterFor(keys: readonly PayloadKey[]): DataConverter {
  if (keys.length === 0) return {};
  return {
    payloadCodecs: [new AesGcmPayloadCodec(keys)],
    failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH,
  };
}
