import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PushSecret } from '../../apis/external-secrets/index.js';
import { syncedResourceVersion } from '../externalsecret/hash.js';
import { mergeSyncedState, pushRefreshMs, reverseKeys, shouldPush } from './reconcile.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const ps = (spec: Partial<PushSecret['spec']>, status?: PushSecret['status']): PushSecret => ({
  apiVersion: 'external-secrets.io/v1alpha1',
  kind: 'PushSecret',
  metadata: { name: 'p', namespace: 'n', generation: 2 },
  spec: { secretStoreRefs: [{ name: 's' }], selector: { secret: { name: 'x' } }, ...spec },
  ...(status !== undefined ? { status } : {}),
});

describe('reverseKeys', () => {
  it('turns _UXXXX_ escapes back into characters only with ReverseUnicode', () => {
    const data = { 'a_U0040_b': bytes('1'), 'emoji_U1f600_': bytes('2'), plain: bytes('3') };
    expect(Object.keys(reverseKeys('ReverseUnicode', data)).sort()).toEqual(['a@b', 'emoji😀', 'plain']);
    expect(reverseKeys('None', data)).toBe(data);
    expect(reverseKeys(undefined, data)).toBe(data);
  });

  it('refuses two keys that convert to the same name', () => {
    expect(() => reverseKeys('ReverseUnicode', { 'a_U0040_': bytes('1'), 'a@': bytes('2') })).toThrow('secret name collision during conversion: a@');
  });

  it('inverts the ExternalSecret Unicode conversion for any key', () => {
    const escape = (k: string): string => [...k].map((ch) => (/[\p{L}\p{N}._-]/u.test(ch) ? ch : `_U${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}_`)).join('');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), (key) => {
        fc.pre(!key.includes('_U'));
        expect(Object.keys(reverseKeys('ReverseUnicode', { [escape(key)]: bytes('v') }))).toEqual([key]);
      }),
    );
  });
});

describe('shouldPush and pushRefreshMs', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  const synced = syncedResourceVersion({ generation: 2 });

  it('pushes when never synced, after a spec change, and when the interval elapsed', () => {
    expect(shouldPush(ps({}), now)).toBe(true);
    expect(shouldPush(ps({ refreshInterval: '1h' }, { syncedResourceVersion: '1-old', refreshTime: '2026-01-01T00:59:00Z' }), now)).toBe(true);
    expect(shouldPush(ps({ refreshInterval: '1h' }, { syncedResourceVersion: synced, refreshTime: '2026-01-01T00:30:00Z' }), now)).toBe(false);
    expect(shouldPush(ps({ refreshInterval: '10m' }, { syncedResourceVersion: synced, refreshTime: '2026-01-01T00:30:00Z' }), now)).toBe(true);
  });

  it('pushes once with refreshInterval 0, and treats sub-second intervals as 1s', () => {
    expect(shouldPush(ps({ refreshInterval: '0' }, { syncedResourceVersion: synced, refreshTime: '2020-01-01T00:00:00Z' }), now)).toBe(false);
    expect(pushRefreshMs(ps({ refreshInterval: '500ms' }))).toBe(1000);
    expect(pushRefreshMs(ps({ refreshInterval: '1h0m0s' }))).toBe(3_600_000);
    expect(pushRefreshMs(ps({}))).toBe(3_600_000);
  });
});

describe('mergeSyncedState', () => {
  it('keeps refs only known before and lets the new state win', () => {
    const a = { match: { secretKey: 'a', remoteRef: { remoteKey: 'k' } } };
    const b = { match: { secretKey: 'b', remoteRef: { remoteKey: 'k' } } };
    expect(mergeSyncedState({ 'SecretStore/s': { k: b } }, { 'SecretStore/s': { k: a, old: a }, 'SecretStore/t': { x: a } })).toEqual({
      'SecretStore/s': { k: b, old: a },
      'SecretStore/t': { x: a },
    });
  });
});
