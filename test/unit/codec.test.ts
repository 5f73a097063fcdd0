// The payload codec: what lands in Temporal's history is ciphertext that only a configured key
// opens; keys rotate without stranding old runs; clear payloads from before encryption still read.
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  dataConverterFor,
  parsePayloadKeys,
  PayloadCodecError,
  PayloadKeys,
  type PayloadKey,
} from '../../src/temporal/codec';

const keyText = () => randomBytes(32).toString('base64');
const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

const input = { query: 'why does checkout fail?', viewer: { id: 42, email: 'a@example.com' } };
const clear = (): Payload => defaultPayloadConverter.toPayload(input);

async function roundTrip(encodeWith: PayloadKey[], decodeWith: PayloadKey[]) {
  const [encrypted] = await new AesGcmPayloadCodec(encodeWith).encode([clear()]);
  const [decrypted] = await new AesGcmPayloadCodec(decodeWith).decode([encrypted!]);
  return { encrypted: encrypted!, decrypted: decrypted! };
}

describe('the AES-256-GCM payload codec', () => {
  it('stores nothing readable and gives back the original payload, metadata included', async () => {
    const keys = [key('k1')];
    const { encrypted, decrypted } = await roundTrip(keys, keys);

    expect(text(encrypted.metadata?.encoding)).toBe('binary/encrypted');
    expect(text(encrypted.metadata?.['encryption-key-id'])).toBe('k1');
    expect(text(encrypted.metadata?.['encryption-cipher'])).toBe('AES-256-GCM');
    expect(Object.keys(encrypted.metadata ?? {}).sort()).toEqual([
      'encoding',
      'encryption-cipher',
      'encryption-key-id',
    ]);
    expect(Buffer.from(encrypted.data!).includes('checkout')).toBe(false);
    expect(Buffer.from(encrypted.data!).includes('json/plain')).toBe(false);

    expect(text(decrypted.metadata?.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(decrypted)).toEqual(input);
  });

  it('draws a fresh IV for every payload, so equal inputs never look equal', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const [a, b] = await codec.encode([clear(), clear()]);
    const [c] = await codec.encode([clear()]);
    const ivs = [a, b, c].map((p) => Buffer.from(p!.data!).subarray(0, 12).toString('hex'));

    expect(new Set(ivs).size).toBe(3);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('after a rotation, reads runs written with the old key and writes with the new one', async () => {
    const old = key('2024-01');
    const rotated = [key('2025-06'), old];
    const { decrypted } = await roundTrip([old], rotated);

    expect(defaultPayloadConverter.fromPayload(decrypted)).toEqual(input);
    const [fresh] = await new AesGcmPayloadCodec(rotated).encode([clear()]);
    expect(text(fresh!.metadata?.['encryption-key-id'])).toBe('2025-06');
  });

  it('names the key id when a payload was encrypted with a key that is not configured', async () => {
    const [encrypted] = await new AesGcmPayloadCodec([key('retired')]).encode([clear()]);
    const decoding = new AesGcmPayloadCodec([key('k2'), key('k3')]).decode([encrypted!]);

    await expect(decoding).rejects.toThrow(PayloadCodecError);
    await expect(decoding).rejects.toMatchObject({
      name: 'PayloadCodecError',
      reason: 'unknown_key',
      message: expect.stringMatching(/"retired".*not in PAYLOAD_ENCRYPTION_KEYS \(k2, k3\)/),
    });
  });

  it('passes clear payloads through untouched, so runs from before encryption stay readable', async () => {
    const payload = clear();
    const [decoded] = await new AesGcmPayloadCodec([key('k1')]).decode([payload]);
    expect(decoded).toBe(payload);
  });

  it('refuses a payload whose ciphertext was altered', async () => {
    const keys = [key('k1')];
    const codec = new AesGcmPayloadCodec(keys);
    const [encrypted] = await codec.encode([clear()]);
    const data = Buffer.from(encrypted!.data!);
    data[20] = data[20]! ^ 0x01;

    await expect(codec.decode([{ ...encrypted, data }])).rejects.toMatchObject({
      reason: 'unauthentic',
      message: expect.stringContaining('key "k1" failed authentication'),
    });
  });

  it('refuses a payload that another key of the same id encrypted', async () => {
    const [encrypted] = await new AesGcmPayloadCodec([key('k1')]).encode([clear()]);
    await expect(new AesGcmPayloadCodec([key('k1')]).decode([encrypted!])).rejects.toMatchObject({
      reason: 'unauthentic',
    });
  });

  it('refuses an encrypted payload too short to hold an IV and a tag', async () => {
    const [encrypted] = await new AesGcmPayloadCodec([key('k1')]).encode([clear()]);
    const codec = new AesGcmPayloadCodec([key('k1')]);
    await expect(codec.decode([{ ...encrypted, data: Buffer.alloc(27) }])).rejects.toMatchObject({
      reason: 'malformed',
      message: expect.stringContaining('too short'),
    });
  });
});

describe('PAYLOAD_ENCRYPTION_KEYS', () => {
  it('reads comma-separated <key-id>:<base64 32-byte key>, newest first', () => {
    const [a, b] = [keyText(), keyText()];
    const keys = parsePayloadKeys(` 2025-06:${a} , old.key_1:${b}`);

    expect(keys.map((k) => k.id)).toEqual(['2025-06', 'old.key_1']);
    expect(keys[0]!.key.equals(Buffer.from(a, 'base64'))).toBe(true);
    expect(keys[1]!.key).toHaveLength(32);
  });

  it.each([
    ['', 'expected at least one <key-id>:<base64 32-byte key>'],
    ['just-a-key', 'entry 1 is not <key-id>:<base64 32-byte key>'],
    [`k1:${keyText()},`, 'entry 2 is not <key-id>:<base64 32-byte key>'],
    [`:${keyText()}`, 'entry 1: the key id must be 1 to 64 of A-Z a-z 0-9 . _ -'],
    [`bad id:${keyText()}`, 'entry 1: the key id must be'],
    [`${'x'.repeat(65)}:${keyText()}`, 'entry 1: the key id must be'],
    [`k1:${keyText()},k1:${keyText()}`, 'key "k1" appears twice'],
    ['k1:not base64!', 'key "k1" is not valid base64'],
    [`k1:${keyText().slice(0, -1)}`, 'key "k1" is not valid base64'],
    [`k1:${randomBytes(16).toString('base64')}`, 'key "k1" is 16 bytes; AES-256 needs exactly 32'],
  ])('refuses %j with one line naming the problem', (value, message) => {
    expect(() => parsePayloadKeys(value)).toThrow(message);
    expect(() => parsePayloadKeys(value)).toThrow(/^[^\n]+$/);
  });

  it('never echoes key material in an error', () => {
    const secret = keyText();
    for (const value of [secret, `${secret}:k1`, `k1:${secret.slice(0, -2)}`]) {
      let message = '';
      try {
        parsePayloadKeys(value);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(secret.slice(0, 16));
    }
  });

  it('is a zod schema whose issue carries the same sentence, for env parsing', () => {
    const parsed = PayloadKeys.safeParse('k1:short');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(
      'key "k1" is not valid base64 (e.g. `openssl rand -base64 32`)',
    );
    expect(PayloadKeys.parse(`k1:${keyText()}`)[0]?.id).toBe('k1');
  });
});

describe('the data converter for clients and workers', () => {
  it('leaves payloads in clear when no keys are configured', () => {
    expect(dataConverterFor([])).toEqual({});
  });

  it('encrypts with the codec and encodes failure messages when keys are configured', async () => {
    const converter = dataConverterFor([key('k1')]);
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.failureConverterPath).toMatch(/src\/temporal\/failure-converter$/);
    const [encrypted] = await converter.payloadCodecs![0]!.encode([clear()]);
    expect(text(encrypted!.metadata?.['encryption-key-id'])).toBe('k1');
  });
});
