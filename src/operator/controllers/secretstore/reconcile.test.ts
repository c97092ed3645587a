import { describe, expect, it } from 'vitest';
import type { GenericStore } from '../../apis/external-secrets/index.js';
import { createFakeProvider, type Provider } from '../../providers/index.js';
import { silentLogger } from '../../../shared/logger.js';
import type { KubeClient } from '../../runtime/types.js';
import { shouldProcessStore, storeStatus, validateStore } from './reconcile.js';

const providers: Record<string, Provider> = { fake: createFakeProvider() };
const ctx = { client: {} as KubeClient, logger: silentLogger() };
const store = (spec: Record<string, unknown>): GenericStore => ({ apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 's', namespace: 'n' }, spec: spec as unknown as GenericStore['spec'] });

describe('validateStore', () => {
  it('reports each stage with ESO reasons', async () => {
    expect(await validateStore(store({ provider: { fake: { data: [{ key: 'k', value: 'v' }] } } }), providers, ctx)).toEqual({ status: 'True', reason: 'Valid', message: 'store validated' });
    expect((await validateStore(store({ provider: {} }), providers, ctx)).reason).toBe('InvalidStoreConfiguration');
    expect((await validateStore(store({ provider: { aws: {} } }), providers, ctx)).reason).toBe('InvalidProviderConfig');
    expect(await validateStore(store({ provider: { fake: { data: [], validationResult: 'Error' } } }), providers, ctx)).toMatchObject({ status: 'False', reason: 'ValidationFailed' });
    expect(await validateStore(store({ provider: { fake: { data: [], validationResult: 'Unknown' } } }), providers, ctx)).toMatchObject({ status: 'True', reason: 'ValidationUnknown' });
  });

  it('keeps lastTransitionTime while the status does not flip, and honours the controller class', () => {
    const first = storeStatus(undefined, { status: 'True', reason: 'Valid', message: 'store validated' }, 'ReadWrite', 't1');
    expect(storeStatus(first, { status: 'True', reason: 'Valid', message: 'store validated' }, 'ReadWrite', 't2').conditions?.[0]?.lastTransitionTime).toBe('t1');
    expect(storeStatus(first, { status: 'False', reason: 'ValidationFailed', message: 'x' }, 'ReadWrite', 't3').conditions?.[0]?.lastTransitionTime).toBe('t3');
    expect(shouldProcessStore(store({ provider: {}, controller: 'other' }), 'default')).toBe(false);
    expect(shouldProcessStore(store({ provider: {} }), 'default')).toBe(true);
  });
});
