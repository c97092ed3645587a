import { describe, expect, it } from 'vitest';
import type { ExternalSecret } from '../../apis/external-secrets/index.js';
import { createdByHash, dataHash, syncedResourceVersion } from './hash.js';
import { isSecretValid, namespaceAllowed, shouldRefresh, readyCondition, staticManagedKeys, type SecretObject } from './reconcile.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const es = (spec: Partial<ExternalSecret['spec']>, status?: ExternalSecret['status']): ExternalSecret => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'app', namespace: 'ns', generation: 2, annotations: { a: 'b' } },
  spec,
  ...(status !== undefined ? { status } : {}),
});
const syncedAt = (iso: string): ExternalSecret['status'] => ({ refreshTime: iso, syncedResourceVersion: syncedResourceVersion({ generation: 2, annotations: { a: 'b' } }) });

describe('shouldRefresh', () => {
  it('Periodic: never synced, metadata changed, or interval elapsed', () => {
    expect(shouldRefresh(es({ refreshInterval: '1h' }), NOW)).toBe(true);
    expect(shouldRefresh(es({ refreshInterval: '1h' }, syncedAt('2026-01-01T11:30:00Z')), NOW)).toBe(false);
    expect(shouldRefresh(es({ refreshInterval: '1h' }, syncedAt('2026-01-01T10:30:00Z')), NOW)).toBe(true);
    expect(shouldRefresh(es({ refreshInterval: '1h' }, { ...syncedAt('2026-01-01T11:30:00Z'), syncedResourceVersion: '1-old' }), NOW)).toBe(true);
  });

  it('refreshInterval 0 syncs once, even after a metadata change', () => {
    expect(shouldRefresh(es({ refreshInterval: '0s' }), NOW)).toBe(true);
    expect(shouldRefresh(es({ refreshInterval: '0s' }, { ...syncedAt('2020-01-01T00:00:00Z'), syncedResourceVersion: '1-old' }), NOW)).toBe(false);
  });

  it('CreatedOnce and OnChange', () => {
    expect(shouldRefresh(es({ refreshPolicy: 'CreatedOnce' }, { ...syncedAt('2020-01-01T00:00:00Z'), syncedResourceVersion: '1-old' }), NOW)).toBe(false);
    expect(shouldRefresh(es({ refreshPolicy: 'OnChange' }, syncedAt('2020-01-01T00:00:00Z')), NOW)).toBe(false);
    expect(shouldRefresh(es({ refreshPolicy: 'OnChange' }, { ...syncedAt('2020-01-01T00:00:00Z'), syncedResourceVersion: '1-old' }), NOW)).toBe(true);
  });
});

describe('isSecretValid', () => {
  const data = { k: Buffer.from('v').toString('base64') };
  const good = (): SecretObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'app',
      labels: { 'reconcile.external-secrets.io/managed': 'true', 'reconcile.external-secrets.io/created-by': createdByHash('ns', 'app') },
      annotations: { 'reconcile.external-secrets.io/data-hash': dataHash({ k: new TextEncoder().encode('v') }) },
    },
    data,
  });
  it('needs the managed label, a matching data-hash and (Owner) the created-by label', () => {
    expect(isSecretValid(good(), es({}))).toBe(true);
    expect(isSecretValid(null, es({}))).toBe(false);
    expect(isSecretValid({ ...good(), data: { k: Buffer.from('tampered').toString('base64') } }, es({}))).toBe(false);
    const unlabelled = good();
    unlabelled.metadata.labels = {};
    expect(isSecretValid(unlabelled, es({}))).toBe(false);
    const noOwner = good();
    delete noOwner.metadata.labels?.['reconcile.external-secrets.io/created-by'];
    expect(isSecretValid(noOwner, es({}))).toBe(false);
    expect(isSecretValid(noOwner, es({ target: { creationPolicy: 'Orphan' } }))).toBe(true);
  });
});

describe('namespaceAllowed', () => {
  it('ORs selector, names and unanchored regexes; no conditions allow all', () => {
    expect(namespaceAllowed(undefined, 'x', {})).toBe(true);
    const conds = [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In' as const, values: ['a'] }] } }, { namespaces: ['ops'] }, { namespaceRegexes: ['^dev-'] }];
    expect(namespaceAllowed(conds, 'team-a', { team: 'a' })).toBe(true);
    expect(namespaceAllowed(conds, 'ops', {})).toBe(true);
    expect(namespaceAllowed(conds, 'dev-1', {})).toBe(true);
    expect(namespaceAllowed(conds, 'team-b', { team: 'b' })).toBe(false);
  });
});

describe('staticManagedKeys', () => {
  it('lists data[] secret keys and template.data keys', () => {
    expect(staticManagedKeys(es({ data: [{ secretKey: 'a', remoteRef: { key: 'x' } }], target: { template: { data: { b: '{{ .a }}' } } } }))).toEqual(['a', 'b']);
    expect(staticManagedKeys(es({ dataFrom: [{ extract: { key: 'x' } }] }))).toEqual([]);
  });
});

describe('readyCondition', () => {
  it('moves lastTransitionTime only when the status flips (ESO SetExternalSecretCondition)', () => {
    const prev = { conditions: [{ type: 'Ready' as const, status: 'True' as const, reason: 'SecretSynced', message: 'secret synced', lastTransitionTime: 't1' }] };
    expect(readyCondition(prev, 'True', 'SecretDeleted', 'other', 't2').lastTransitionTime).toBe('t1');
    expect(readyCondition(prev, 'False', 'SecretSyncedError', 'x', 't3').lastTransitionTime).toBe('t3');
    expect(readyCondition(undefined, 'True', 'SecretSynced', 'secret synced', 't4').lastTransitionTime).toBe('t4');
  });
});
