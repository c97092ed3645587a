import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SealedSecret, Secret } from '../../../gitops/sealed/index.js';
import { isControlledBy, planSecretWrite, syncedStatus } from './reconcile.js';

const UID = 'ss-uid';
const owner = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: 'db', uid: UID, controller: true };

function desired(data: Record<string, string> = { a: 'MQ==' }): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'ns', labels: { app: 'db' }, ownerReferences: [owner] }, type: 'Opaque', data };
}

function existing(extra: Partial<Secret['metadata']> = {}, data: Record<string, string> = { old: 'Mg==' }): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'ns', resourceVersion: '7', ...extra }, type: 'Opaque', data };
}

describe('planSecretWrite', () => {
  it('creates the Secret when there is none', () => {
    expect(planSecretWrite(UID, desired(), null)).toEqual({ action: 'create', secret: desired() });
  });

  it('refuses a Secret without our controller ownerReference and without managed/patch', () => {
    expect(planSecretWrite(UID, desired(), existing())).toEqual({ action: 'refuse', message: 'Resource "db" already exists and is not managed by SealedSecret' });
    // Owned by another SealedSecret (another uid), or referenced without controller=true: still not ours.
    expect(planSecretWrite(UID, desired(), existing({ ownerReferences: [{ ...owner, uid: 'other' }] })).action).toBe('refuse');
    expect(planSecretWrite(UID, desired(), existing({ ownerReferences: [{ ...owner, controller: false }] })).action).toBe('refuse');
    expect(planSecretWrite(UID, desired(), existing({ annotations: { 'sealedsecrets.bitnami.com/managed': 'yes' } })).action).toBe('refuse');
  });

  it('replaces data, labels, annotations and owners of a Secret it controls (keeping resourceVersion for the PUT)', () => {
    const plan = planSecretWrite(UID, desired(), existing({ ownerReferences: [owner], annotations: { stale: 'x' } }));
    expect(plan.action).toBe('update');
    if (plan.action !== 'update') return;
    expect(plan.secret.data).toEqual({ a: 'MQ==' });
    expect(plan.secret.metadata.annotations).toBeUndefined();
    expect(plan.secret.metadata.labels).toEqual({ app: 'db' });
    expect(plan.secret.metadata.resourceVersion).toBe('7');
  });

  it('takes over a Secret annotated managed: "true"', () => {
    const plan = planSecretWrite(UID, desired(), existing({ annotations: { 'sealedsecrets.bitnami.com/managed': 'true' } }));
    expect(plan.action).toBe('update');
    if (plan.action === 'update') expect(plan.secret.metadata.ownerReferences).toEqual([owner]);
  });

  it('merges into a Secret annotated patch: "true", taking ownership only when also managed', () => {
    const patchOnly = planSecretWrite(UID, desired({ a: 'MQ==' }), existing({ annotations: { 'sealedsecrets.bitnami.com/patch': 'true' }, labels: { keep: 'me' } }));
    expect(patchOnly.action).toBe('update');
    if (patchOnly.action !== 'update') return;
    expect(patchOnly.secret.data).toEqual({ old: 'Mg==', a: 'MQ==' });
    expect(patchOnly.secret.metadata.labels).toEqual({ keep: 'me', app: 'db' });
    expect(patchOnly.secret.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/patch': 'true' });
    expect(patchOnly.secret.metadata.ownerReferences).toBeUndefined();
    const both = planSecretWrite(UID, desired(), existing({ annotations: { 'sealedsecrets.bitnami.com/patch': 'true', 'sealedsecrets.bitnami.com/managed': 'true' } }));
    if (both.action !== 'update') throw new Error(`expected update, got ${both.action}`);
    expect(both.secret.metadata.ownerReferences).toEqual([owner]);
  });

  it('always writes the SealedSecret type', () => {
    const plan = planSecretWrite(UID, { ...desired(), type: 'kubernetes.io/basic-auth' }, existing({ ownerReferences: [owner], labels: { app: 'db' } }, { a: 'MQ==' }));
    expect(plan.action).toBe('update');
    if (plan.action === 'update') expect(plan.secret.type).toBe('kubernetes.io/basic-auth');
  });

  it('is idempotent: applying a plan and planning again changes nothing', () => {
    const map = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/), fc.base64String({ maxLength: 12 }), { maxKeys: 4 });
    const annotations = fc.record({ managed: fc.boolean(), patch: fc.boolean(), owned: fc.boolean() });
    fc.assert(
      fc.property(map, map, fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.stringMatching(/^[a-z]{0,6}$/), { maxKeys: 3 }), annotations, (want, have, labels, flags) => {
        const ann: Record<string, string> = {};
        if (flags.managed) ann['sealedsecrets.bitnami.com/managed'] = 'true';
        if (flags.patch) ann['sealedsecrets.bitnami.com/patch'] = 'true';
        const current = existing({ labels, annotations: ann, ...(flags.owned ? { ownerReferences: [owner] } : {}) }, have);
        const plan = planSecretWrite(UID, desired(want), current);
        if (plan.action === 'refuse') {
          expect(flags.managed || flags.patch || flags.owned).toBe(false);
          return;
        }
        const after = plan.action === 'update' ? plan.secret : current;
        expect(planSecretWrite(UID, desired(want), after).action).toBe('unchanged');
        for (const [k, v] of Object.entries(want)) expect(after.data?.[k]).toBe(v);
      }),
    );
  });
});

describe('isControlledBy', () => {
  it('needs controller=true, the uid and the SealedSecret kind', () => {
    expect(isControlledBy(existing({ ownerReferences: [owner] }), UID)).toBe(true);
    expect(isControlledBy(existing({ ownerReferences: [{ ...owner, kind: 'Other' }] }), UID)).toBe(false);
    expect(isControlledBy(existing({ ownerReferences: [owner] }), undefined)).toBe(false);
  });
});

describe('syncedStatus', () => {
  const ss = (status?: SealedSecret['status'], generation = 2): SealedSecret => ({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 'db', namespace: 'ns', generation },
    spec: {},
    ...(status !== undefined ? { status } : {}),
  });

  it('adds Synced=True with observedGeneration on first success', () => {
    const r = syncedStatus(ss(), { ok: true }, 'T1');
    expect(r.changed).toBe(true);
    expect(r.transitioned).toBe(true);
    expect(r.status).toEqual({ observedGeneration: 2, conditions: [{ type: 'Synced', status: 'True', lastUpdateTime: 'T1', lastTransitionTime: 'T1' }] });
  });

  it('writes nothing when the outcome and generation are unchanged', () => {
    const first = syncedStatus(ss(), { ok: false, reason: 'ErrUnsealFailed', message: 'm' }, 'T1').status;
    const again = syncedStatus(ss(first), { ok: false, reason: 'ErrUnsealFailed', message: 'm' }, 'T2');
    expect(again.changed).toBe(false);
    expect(again.status.conditions?.[0]?.lastUpdateTime).toBe('T1');
  });

  it('updates the message without a transition, and moves lastTransitionTime only on a flip', () => {
    const first = syncedStatus(ss(), { ok: false, reason: 'ErrUnsealFailed', message: 'm1' }, 'T1').status;
    const second = syncedStatus(ss(first), { ok: false, reason: 'ErrUpdateFailed', message: 'm2' }, 'T2');
    expect(second).toMatchObject({ changed: true, transitioned: false });
    expect(second.status.conditions?.[0]).toEqual({ type: 'Synced', status: 'False', reason: 'ErrUpdateFailed', message: 'm2', lastUpdateTime: 'T2', lastTransitionTime: 'T1' });
    const third = syncedStatus(ss(second.status), { ok: true }, 'T3');
    expect(third.status.conditions?.[0]).toEqual({ type: 'Synced', status: 'True', lastUpdateTime: 'T3', lastTransitionTime: 'T3' });
  });

  it('records a new generation even when the outcome is the same, and keeps other conditions', () => {
    const other = { type: 'Other', status: 'True' as const };
    const done = syncedStatus(ss({ conditions: [other] }, 1), { ok: true }, 'T1').status;
    const bumped = syncedStatus(ss(done, 2), { ok: true }, 'T2');
    expect(bumped.changed).toBe(true);
    expect(bumped.status.observedGeneration).toBe(2);
    expect(bumped.status.conditions?.[0]).toEqual(other);
  });
});
