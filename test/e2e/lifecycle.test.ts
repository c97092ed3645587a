/**
 * The life of a synced Secret end to end: rotation in the server reaches the Secret on the
 * next refresh (and at once on `force-sync`), and the creationPolicy × deletionPolicy matrix —
 * what happens to the Secret when the remote key is deleted and when the ExternalSecret is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from '../support/cluster.js';
import { b64, decoded, startE2e, vaultStore, type E2e } from './harness.js';

let e2e: E2e;
let ns: string;

beforeAll(async () => {
  e2e = await startE2e();
  ns = await e2e.tenant('lifecycle', { serviceAccount: 'eso', role: 'lifecycle', paths: ['rotation/*', 'matrix/*'] });
  await e2e.apply(vaultStore(e2e, 'vault-backend', 'lifecycle', 'eso'), ns);
  await e2e.waitReady(RESOURCES.secretStores, ns, 'vault-backend', 'True', 'Valid');
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

const externalSecret = (name: string, key: string, spec: { refreshInterval?: string; creationPolicy?: string; deletionPolicy?: string } = {}): string => `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: ${name}
spec:
  refreshInterval: ${spec.refreshInterval ?? '1h'}
  secretStoreRef: { name: vault-backend, kind: SecretStore }
  target:
    name: ${name}
    creationPolicy: ${spec.creationPolicy ?? 'Owner'}
    deletionPolicy: ${spec.deletionPolicy ?? 'Retain'}
  data:
    - secretKey: password
      remoteRef: { key: ${key}, property: password }
`;

const passwordOf = async (name: string): Promise<string | undefined> => decoded(await e2e.secret(ns, name))['password'];

describe('rotation', () => {
  it('a new KV v2 version reaches the Secret after refreshInterval', async () => {
    await e2e.coffer.put('rotation/periodic', { password: 'v1' });
    await e2e.apply(externalSecret('periodic', 'rotation/periodic', { refreshInterval: '2s' }), ns);
    await e2e.waitFor('v1 synced', async () => ((await passwordOf('periodic')) === 'v1' ? true : undefined));
    await e2e.waitReady(RESOURCES.externalSecrets, ns, 'periodic', 'True', 'SecretSynced');
    const firstRefresh = ((await e2e.externalSecret(ns, 'periodic'))?.['status'] as { refreshTime: string }).refreshTime;

    await e2e.coffer.put('rotation/periodic', { password: 'v2' });
    await e2e.waitFor('v2 after a periodic refresh', async () => ((await passwordOf('periodic')) === 'v2' ? true : undefined));
    // The status follows the Secret write.
    await e2e.waitFor('a later refreshTime', async () => {
      const status = (await e2e.externalSecret(ns, 'periodic'))?.['status'] as { refreshTime: string };
      return Date.parse(status.refreshTime) > Date.parse(firstRefresh) ? true : undefined;
    });
    const updated = await e2e.waitFor('the Updated event', async () => (await e2e.events(ns, 'periodic')).find((ev) => ev.reason === 'Updated'));
    expect(updated.type).toBe('Normal');
  });

  it('periodic refreshes reuse the cached Vault token: no kubernetes login per reconcile (ESO #376)', async () => {
    const tokens = async (): Promise<number> => {
      const res = await e2e.coffer.call('LIST', '/v1/auth/token/accessors');
      return ((res.json as { data: { keys: string[] } }).data.keys ?? []).length;
    };
    const refreshTime = async (): Promise<number> => Date.parse(((await e2e.externalSecret(ns, 'periodic'))?.['status'] as { refreshTime: string }).refreshTime);
    const before = await tokens();
    let last = await refreshTime();
    for (let round = 0; round < 2; round++) {
      // Each round: the 2s refresh reads the server again (a new refreshTime).
      const seen = last;
      last = await e2e.waitFor(`refresh round ${round + 1}`, async () => {
        const t = await refreshTime();
        return t > seen ? t : undefined;
      });
    }
    expect(await tokens()).toBe(before);
  });

  it('a force-sync annotation change picks a new version up at once, even with a 1h refreshInterval', async () => {
    await e2e.coffer.put('rotation/manual', { password: 'v1' });
    await e2e.apply(externalSecret('manual', 'rotation/manual'), ns);
    await e2e.waitFor('v1 synced', async () => ((await passwordOf('manual')) === 'v1' ? true : undefined));
    await e2e.waitReady(RESOURCES.externalSecrets, ns, 'manual', 'True', 'SecretSynced');

    await e2e.coffer.put('rotation/manual', { password: 'v2' });
    await e2e.forceSync(ns, 'manual');
    await e2e.waitFor('v2 after force-sync', async () => ((await passwordOf('manual')) === 'v2' ? true : undefined));
  });
});

type Creation = 'Owner' | 'Orphan' | 'Merge' | 'None';
type Deletion = 'Retain' | 'Delete' | 'Merge';

/** The combinations ESO's validation accepts (Delete not with Merge/None; None cannot Merge). */
const LEGAL: [Creation, Deletion][] = [
  ['Owner', 'Retain'],
  ['Owner', 'Delete'],
  ['Owner', 'Merge'],
  ['Orphan', 'Retain'],
  ['Orphan', 'Delete'],
  ['Orphan', 'Merge'],
  ['Merge', 'Retain'],
  ['Merge', 'Merge'],
  ['None', 'Retain'],
];

const nameOf = (c: Creation, d: Deletion, what: string): string => `${c}-${d}-${what}`.toLowerCase();

/** Creates the ExternalSecret (and for Merge the Secret it merges into) and checks the first sync. */
async function setUp(c: Creation, d: Deletion, what: string, refreshInterval = '1h'): Promise<string> {
  const name = nameOf(c, d, what);
  await e2e.coffer.put(`matrix/${name}`, { password: 'p1' });
  if (c === 'Merge') {
    await e2e.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', data: { foreign: b64('keep') } }, ns);
  }
  const es = await e2e.apply(externalSecret(name, `matrix/${name}`, { creationPolicy: c, deletionPolicy: d, refreshInterval }), ns);
  const cond = await e2e.waitReady(RESOURCES.externalSecrets, ns, name, 'True');
  expect(cond.reason).toBe('SecretSynced');
  const secret = await e2e.secret(ns, name);
  if (c === 'None') {
    expect(secret).toBeNull();
    return name;
  }
  expect(decoded(secret)).toEqual(c === 'Merge' ? { foreign: 'keep', password: 'p1' } : { password: 'p1' });
  expect(secret?.metadata.labels?.['reconcile.external-secrets.io/managed']).toBe('true');
  // An ownerReference (and the created-by label) only for creationPolicy Owner.
  if (c === 'Owner') {
    expect(secret?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ExternalSecret', name, uid: es.metadata.uid, controller: true })]);
    expect(secret?.metadata.labels?.['reconcile.external-secrets.io/created-by']).toMatch(/^[0-9a-f]{56}$/);
  } else {
    expect(secret?.metadata.ownerReferences ?? []).toEqual([]);
    expect(secret?.metadata.labels?.['reconcile.external-secrets.io/created-by']).toBeUndefined();
  }
  // Delete (and only Delete) puts the cleanup finalizer on the ExternalSecret.
  const finalizers = (await e2e.externalSecret(ns, name))?.metadata.finalizers ?? [];
  expect(finalizers.includes('externalsecrets.external-secrets.io/externalsecret-cleanup')).toBe(d === 'Delete');
  return name;
}

describe('creationPolicy × deletionPolicy', () => {
  // Independent of each other: run side by side, each seeing the deletion on its next 2s refresh.
  it.concurrent.each(LEGAL)('%s × %s: the remote key is deleted', async (c, d) => {
    const name = await setUp(c, d, 'remote', '2s');
    await e2e.coffer.call('DELETE', `/v1/secret/metadata/matrix/${name}`);

    if (d === 'Retain') {
      // A missing provider secret is an error with Retain; the Secret stays as it was.
      const cond = await e2e.waitReady(RESOURCES.externalSecrets, ns, name, 'False', 'SecretSyncedError');
      expect(cond.message).toBe('could not get secret data from provider');
      const secret = await e2e.secret(ns, name);
      if (c === 'None') expect(secret).toBeNull();
      else expect(decoded(secret)).toEqual(c === 'Merge' ? { foreign: 'keep', password: 'p1' } : { password: 'p1' });
      return;
    }
    if (d === 'Delete' && c === 'Orphan') {
      // ESO's runtime safeguard: a Secret the ExternalSecret does not own is never deleted.
      const cond = await e2e.waitReady(RESOURCES.externalSecrets, ns, name, 'False', 'SecretSyncedError');
      expect(cond.message).toBe('could not delete secret');
      const event = await e2e.waitFor('the UpdateFailed event', async () => (await e2e.events(ns, name)).find((ev) => ev.reason === 'UpdateFailed'));
      expect(event.message).toBe(`unable to delete secret ${name}: creationPolicy=Orphan is not Owner`);
      expect(decoded(await e2e.secret(ns, name))).toEqual({ password: 'p1' });
      return;
    }
    if (d === 'Delete') {
      const cond = await e2e.waitReady(RESOURCES.externalSecrets, ns, name, 'True', 'SecretDeleted');
      expect(cond.message).toBe('secret deleted due to DeletionPolicy=Delete');
      expect(await e2e.secret(ns, name)).toBeNull();
      return;
    }
    // Merge: the managed keys go, the Secret (and keys written by others) stay.
    const expected = c === 'Merge' ? { foreign: 'keep' } : {};
    await e2e.waitFor(`the managed keys removed from ${name}`, async () => {
      const secret = await e2e.secret(ns, name);
      return secret !== null && JSON.stringify(decoded(secret)) === JSON.stringify(expected) ? true : undefined;
    });
    expect((await e2e.ready(RESOURCES.externalSecrets, ns, name))?.status).toBe('True');
  });

  it.each(LEGAL)('%s × %s: the ExternalSecret is deleted', async (c, d) => {
    const name = await setUp(c, d, 'es');
    await e2e.cluster.client.delete(RESOURCES.externalSecrets, ns, name);
    await e2e.waitFor(`ExternalSecret ${name} gone`, async () => ((await e2e.externalSecret(ns, name)) === null ? true : undefined));

    if (c === 'None') {
      expect(await e2e.secret(ns, name)).toBeNull();
      return;
    }
    if (c === 'Owner') {
      // Delete: the cleanup finalizer removes it; Retain/Merge: the garbage collector follows the ownerReference.
      await e2e.waitFor(`Secret ${name} deleted`, async () => ((await e2e.secret(ns, name)) === null ? true : undefined));
      return;
    }
    // Orphan and Merge never own the Secret: it stays, with the values last synced.
    expect(decoded(await e2e.secret(ns, name))).toEqual(c === 'Merge' ? { foreign: 'keep', password: 'p1' } : { password: 'p1' });
  });

  it.each([
    ['Merge', 'Delete', "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner"],
    ['None', 'Delete', "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner"],
    ['None', 'Merge', 'deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with'],
  ] as [Creation, Deletion, string][])('%s × %s is refused: Ready=False, no Secret', async (c, d, message) => {
    const name = nameOf(c, d, 'illegal');
    await e2e.coffer.put(`matrix/${name}`, { password: 'p1' });
    await e2e.apply(externalSecret(name, `matrix/${name}`, { creationPolicy: c, deletionPolicy: d }), ns);
    const cond = await e2e.waitReady(RESOURCES.externalSecrets, ns, name, 'False', 'SecretSyncedError');
    expect(cond.message).toContain(message);
    expect(await e2e.secret(ns, name)).toBeNull();
  });
});
