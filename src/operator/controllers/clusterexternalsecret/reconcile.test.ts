import { describe, expect, it } from 'vitest';
import type { ClusterExternalSecret } from '../../apis/external-secrets/index.js';
import { cesRefreshMs, cesStatus, desiredMetadata, isOwnedByCes } from './reconcile.js';

const ces = (spec: Partial<ClusterExternalSecret['spec']>, annotations?: Record<string, string>): ClusterExternalSecret => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ClusterExternalSecret',
  metadata: { name: 'c', ...(annotations !== undefined ? { annotations } : {}) },
  spec: { externalSecretSpec: {}, ...spec },
});

describe('ClusterExternalSecret helpers', () => {
  it('mirrors force-sync onto the children and replaces their metadata with externalSecretMetadata', () => {
    expect(desiredMetadata(ces({ externalSecretMetadata: { labels: { a: '1' }, annotations: { b: '2', 'external-secrets.io/force-sync': 'stale' } } }, { 'external-secrets.io/force-sync': '7' }))).toEqual({
      labels: { a: '1' },
      annotations: { b: '2', 'external-secrets.io/force-sync': '7' },
    });
    // Without the annotation on the CES, a force-sync in the metadata is dropped (ESO's mutate).
    expect(desiredMetadata(ces({ externalSecretMetadata: { annotations: { 'external-secrets.io/force-sync': 'x' } } }))).toEqual({});
  });

  it('recognises only a controlling ClusterExternalSecret of that name as owner', () => {
    const owner = { apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', name: 'c', uid: 'u', controller: true };
    expect(isOwnedByCes({ metadata: { ownerReferences: [owner] } }, 'c')).toBe(true);
    expect(isOwnedByCes({ metadata: { ownerReferences: [{ ...owner, apiVersion: 'external-secrets.io/v1beta1' }] } }, 'c')).toBe(true);
    expect(isOwnedByCes({ metadata: { ownerReferences: [{ ...owner, controller: false }] } }, 'c')).toBe(false);
    expect(isOwnedByCes({ metadata: { ownerReferences: [{ ...owner, name: 'd' }] } }, 'c')).toBe(false);
    expect(isOwnedByCes({ metadata: { ownerReferences: [{ ...owner, apiVersion: 'example.com/v1' }] } }, 'c')).toBe(false);
    expect(isOwnedByCes({ metadata: {} }, 'c')).toBe(false);
  });

  it('builds ESO status: sorted lists, omitted when empty, Ready with ESO message', () => {
    expect(cesStatus('es', ['b', 'a'], new Map())).toEqual({ externalSecretName: 'es', provisionedNamespaces: ['a', 'b'], conditions: [{ type: 'Ready', status: 'True' }] });
    expect(cesStatus('es', [], new Map([['z', 'r1'], ['y', 'r2']]))).toEqual({
      externalSecretName: 'es',
      failedNamespaces: [{ namespace: 'y', reason: 'r2' }, { namespace: 'z', reason: 'r1' }],
      conditions: [{ type: 'Ready', status: 'False', message: 'one or more namespaces failed' }],
    });
  });

  it('uses refreshTime, defaulting to 1h', () => {
    expect(cesRefreshMs(ces({ refreshTime: '1m' }))).toBe(60_000);
    expect(cesRefreshMs(ces({}))).toBe(3_600_000);
    expect(cesRefreshMs(ces({ refreshTime: 'soon' }))).toBe(3_600_000);
  });
});
