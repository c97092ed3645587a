import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createdByHash, dataHash, goFormatBytesMap, metaHash, syncedResourceVersion } from './hash.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

// Vectors: the Go `%+v` strings written out by hand from ESO's ObjectHash/hashMeta, hashed with
// Python's hashlib.sha3_224 (not with this module).
describe('ESO hashes', () => {
  it('formats map[string][]byte as Go %+v, keys sorted, bytes in decimal', () => {
    expect(goFormatBytesMap({ z: new Uint8Array([0, 255]), a: bytes('bar'), b: new Uint8Array() })).toBe('map[a:[98 97 114] b:[] z:[0 255]]');
    expect(goFormatBytesMap(undefined)).toBe('map[]');
  });

  it('matches independently computed data-hash vectors', () => {
    expect(dataHash({})).toBe('74a974446e359fb3e6baff9bd0058950e6edd0f040888d9989b0a11b');
    expect(dataHash({ b: new Uint8Array(), z: new Uint8Array([0, 255]), a: bytes('bar') })).toBe('2bf3ecfbdd551f5cb52602d432e1eb9d1d9b8dc38f6189be950b8630');
  });

  it('matches the created-by and syncedResourceVersion vectors', () => {
    expect(createdByHash('team-a', 'app')).toBe('c95ab3945b22b5a0ca794e8ae4509f00cea935954bd860ac3ce1ea15');
    expect(metaHash({})).toBe('f47fe3c0b255b6dd8047cdffa772587bb829efe7a1cb70febeda2eb2');
    expect(syncedResourceVersion({ generation: 3, labels: { app: 'web' }, annotations: { x: 'y', 'force-sync': '1' } })).toBe('3-462309f61ffb0722c85bc2867768399c63167d486c534c08c3ba0c0e');
  });

  it('does not depend on key insertion order and changes with any byte', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[-._a-zA-Z0-9]{1,8}$/), fc.uint8Array({ maxLength: 8 })), fc.nat(), (data, pick) => {
        const reversed = Object.fromEntries(Object.entries(data).reverse());
        expect(dataHash(reversed)).toBe(dataHash(data));
        const keys = Object.keys(data);
        if (keys.length === 0) return;
        const key = keys[pick % keys.length] as string;
        const changed = { ...data, [key]: new Uint8Array([...(data[key] ?? []), 1]) };
        expect(dataHash(changed)).not.toBe(dataHash(data));
      }),
    );
  });
});
