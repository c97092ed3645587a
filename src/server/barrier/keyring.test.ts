import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InternalError } from '../../shared/errors.js';
import {
  activeKey,
  addTerm,
  createKeyring,
  deserializeKeyring,
  mergeKeyrings,
  serializeKeyring,
  termKey,
  zeroKeyring,
} from './keyring.js';
import type { Keyring } from './keyring.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const filled = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

const ROOT = filled(0x11);
const NOW = new Date('2026-01-02T03:04:05.678Z');

function rotated(times: number): Keyring {
  let ring = createKeyring(ROOT, NOW);
  for (let i = 0; i < times; i++) ring = addTerm(ring, new Date(NOW.getTime() + (i + 1) * 1000));
  return ring;
}

describe('keyring', () => {
  it('starts at term 1 with a random 32-byte key and a copy of the root key', () => {
    const root = filled(7);
    const ring = createKeyring(root, NOW);
    expect(ring.activeTerm).toBe(1);
    expect(ring.keys).toHaveLength(1);
    const key = activeKey(ring);
    expect(key).toMatchObject({ term: 1, version: 1, installTime: '2026-01-02T03:04:05.678Z', encryptions: 0 });
    expect(key.value.byteLength).toBe(32);
    expect(hex(key.value)).not.toBe(hex(new Uint8Array(32)));
    root.fill(0);
    expect(hex(ring.rootKey)).toBe(hex(filled(7)));
    expect(hex(createKeyring(ROOT).keys[0]?.value ?? new Uint8Array())).not.toBe(hex(key.value));
  });

  it('adds terms, keeps old ones, and makes the newest active', () => {
    const one = createKeyring(ROOT, NOW);
    const two = addTerm(one, new Date('2026-02-01T00:00:00.000Z'));
    expect(one.activeTerm).toBe(1);
    expect(two.activeTerm).toBe(2);
    expect(two.keys.map((k) => k.term)).toEqual([1, 2]);
    expect(termKey(two, 1)?.value).toBe(termKey(one, 1)?.value);
    expect(hex(termKey(two, 2)?.value ?? new Uint8Array())).not.toBe(hex(termKey(two, 1)?.value ?? new Uint8Array()));
    expect(activeKey(two).installTime).toBe('2026-02-01T00:00:00.000Z');
    expect(termKey(two, 3)).toBeUndefined();
  });

  it('rejects a root key that is not 32 bytes', () => {
    expect(() => createKeyring(new Uint8Array(16))).toThrow(InternalError);
  });

  it('serialises like Vault, without MasterKey unless asked', () => {
    const ring = rotated(1);
    const k1 = termKey(ring, 1);
    if (k1 === undefined) throw new Error('missing term 1');
    k1.encryptions = 42;
    const doc = JSON.parse(text(serializeKeyring(ring))) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['Keys']);
    expect(doc['Keys']).toEqual([
      { Term: 1, Version: 1, Value: b64(k1.value), InstallTime: '2026-01-02T03:04:05.678Z', encryptions: 42 },
      {
        Term: 2,
        Version: 1,
        Value: b64(termKey(ring, 2)?.value ?? new Uint8Array()),
        InstallTime: '2026-01-02T03:04:06.678Z',
        encryptions: 0,
      },
    ]);
    const withRoot = JSON.parse(text(serializeKeyring(ring, { includeRootKey: true }))) as Record<string, unknown>;
    expect(Object.keys(withRoot)).toEqual(['MasterKey', 'Keys']);
    expect(withRoot['MasterKey']).toBe(b64(ROOT));
  });

  it('round-trips through serialise/deserialise', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.nat({ max: 2 ** 40 }), { minLength: 7, maxLength: 7 }),
        fc.boolean(),
        (rotations, counts, includeRootKey) => {
          const ring = rotated(rotations);
          ring.keys.forEach((key, i) => {
            key.encryptions = counts[i] ?? 0;
          });
          const back = deserializeKeyring(serializeKeyring(ring, { includeRootKey }), ROOT);
          expect(back.activeTerm).toBe(ring.activeTerm);
          expect(hex(back.rootKey)).toBe(hex(ROOT));
          expect(back.keys.map((k) => ({ ...k, value: hex(k.value) }))).toEqual(
            ring.keys.map((k) => ({ ...k, value: hex(k.value) })),
          );
        },
      ),
    );
  });

  it('reads a keyring written by Vault (MasterKey included, Go RFC3339Nano time)', () => {
    const dataKey = filled(0x22);
    const vaultJson = JSON.stringify({
      MasterKey: b64(ROOT),
      Keys: [
        { Term: 1, Version: 1, Value: b64(dataKey), InstallTime: '2023-05-01T10:11:12.123456789+02:00', encryptions: 9 },
      ],
      RotationConfig: { MaxOperations: 0, Interval: 0 },
    });
    const ring = deserializeKeyring(utf8(vaultJson), ROOT);
    expect(ring.activeTerm).toBe(1);
    expect(hex(activeKey(ring).value)).toBe(hex(dataKey));
    expect(activeKey(ring).encryptions).toBe(9);
    expect(activeKey(ring).installTime).toBe('2023-05-01T10:11:12.123456789+02:00');
  });

  it('treats a missing encryptions count as 0 and picks the highest term as active', () => {
    const json = JSON.stringify({
      Keys: [
        { Term: 3, Version: 1, Value: b64(filled(3)), InstallTime: '2024-01-01T00:00:00Z' },
        { Term: 1, Version: 1, Value: b64(filled(1)), InstallTime: '2023-01-01T00:00:00Z' },
      ],
    });
    const ring = deserializeKeyring(utf8(json), ROOT);
    expect(ring.activeTerm).toBe(3);
    expect(ring.keys.map((k) => k.term)).toEqual([1, 3]);
    expect(activeKey(ring).encryptions).toBe(0);
  });

  it('refuses a MasterKey that differs from the root key, without echoing either', () => {
    const json = serializeKeyring(createKeyring(ROOT), { includeRootKey: true });
    const other = filled(0x33);
    let caught: unknown;
    try {
      deserializeKeyring(json, other);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InternalError);
    const message = String(caught);
    expect(message).toMatch(/MasterKey does not match/);
    for (const needle of [b64(ROOT), b64(other), hex(ROOT), hex(other)]) expect(message).not.toContain(needle);
  });

  it('rejects corrupt keyrings with errors that name the field, not the value', () => {
    const good = { Term: 1, Version: 1, Value: b64(filled(5)), InstallTime: '2024-01-01T00:00:00Z', encryptions: 0 };
    const cases: [string, RegExp][] = [
      ['not json', /not valid JSON/],
      ['[]', /not an object/],
      ['{}', /Keys must be a non-empty array/],
      [JSON.stringify({ Keys: [] }), /Keys must be a non-empty array/],
      [JSON.stringify({ Keys: [1] }), /each key must be an object/],
      [JSON.stringify({ Keys: [{ ...good, Term: 0 }] }), /Term must be an integer/],
      [JSON.stringify({ Keys: [{ ...good, Term: 1.5 }] }), /Term must be an integer/],
      [JSON.stringify({ Keys: [good, good] }), /duplicate term 1/],
      [JSON.stringify({ Keys: [{ ...good, Version: 2 }] }), /unsupported key version/],
      [JSON.stringify({ Keys: [{ ...good, Value: '***' }] }), /term 1 Value is not base64/],
      [JSON.stringify({ Keys: [{ ...good, Value: b64(new Uint8Array(16)) }] }), /term 1 Value must be 32 bytes/],
      [JSON.stringify({ Keys: [{ ...good, InstallTime: 'yesterday' }] }), /invalid InstallTime/],
      [JSON.stringify({ Keys: [{ ...good, encryptions: -1 }] }), /invalid encryptions/],
      [JSON.stringify({ MasterKey: 'short', Keys: [good] }), /MasterKey/],
    ];
    for (const [input, expected] of cases) {
      let caught: unknown;
      try {
        deserializeKeyring(utf8(input), ROOT);
      } catch (err) {
        caught = err;
      }
      expect(caught, input).toBeInstanceOf(InternalError);
      expect(String(caught), input).toMatch(expected);
      expect(String(caught)).not.toContain(b64(filled(5)));
    }
  });

  describe('merge', () => {
    it('keeps every term of both sides and adds pending counts to the stored ones', () => {
      const base = createKeyring(ROOT, NOW);
      const stored = addTerm(deserializeKeyring(serializeKeyring(base), ROOT), NOW); // another node rotated
      const storedT1 = termKey(stored, 1);
      if (storedT1 === undefined) throw new Error('missing');
      storedT1.encryptions = 100; // another node's counts
      const local = deserializeKeyring(serializeKeyring(base), ROOT);
      const localT1 = termKey(local, 1);
      if (localT1 === undefined) throw new Error('missing');
      localT1.encryptions = 5;
      const merged = mergeKeyrings(stored, local, new Map([[1, 5]]));
      expect(merged.keys.map((k) => k.term)).toEqual([1, 2]);
      expect(merged.activeTerm).toBe(2);
      expect(termKey(merged, 1)?.encryptions).toBe(105);
      expect(hex(termKey(merged, 2)?.value ?? new Uint8Array())).toBe(hex(termKey(stored, 2)?.value ?? new Uint8Array()));
    });

    it('keeps a term only this side knows, with its own count', () => {
      const stored = createKeyring(ROOT, NOW);
      const local = addTerm(deserializeKeyring(serializeKeyring(stored), ROOT), NOW);
      const t2 = termKey(local, 2);
      if (t2 === undefined) throw new Error('missing');
      t2.encryptions = 3;
      const merged = mergeKeyrings(stored, local, new Map([[2, 3]]));
      expect(merged.activeTerm).toBe(2);
      expect(termKey(merged, 2)?.encryptions).toBe(3);
    });

    it('owns its bytes: zeroing the inputs leaves the result intact', () => {
      const stored = createKeyring(ROOT, NOW);
      const local = deserializeKeyring(serializeKeyring(stored), ROOT);
      const expected = hex(activeKey(stored).value);
      const merged = mergeKeyrings(stored, local, new Map());
      zeroKeyring(stored);
      zeroKeyring(local);
      expect(hex(activeKey(merged).value)).toBe(expected);
      expect(hex(merged.rootKey)).toBe(hex(ROOT));
    });

    it('refuses two different keys for the same term', () => {
      const a = createKeyring(ROOT, NOW);
      const b = createKeyring(ROOT, NOW);
      expect(() => mergeKeyrings(a, b, new Map())).toThrow(/conflicting keys for term 1/);
    });
  });

  it('zeroes every key and the root key', () => {
    const ring = rotated(2);
    zeroKeyring(ring);
    for (const key of ring.keys) expect(key.value.every((b) => b === 0)).toBe(true);
    expect(ring.rootKey.every((b) => b === 0)).toBe(true);
  });
});
