/**
 * The server going away end to end: with the `coffer server` process killed, an existing
 * Secret is left untouched and the ExternalSecret reports Ready=False SecretSyncedError; once
 * the server is back (same storage, unsealed again) the sync recovers on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from '../support/cluster.js';
import { decoded, startE2e, vaultStore, type E2e, type SecretObject } from './harness.js';

let e2e: E2e;
let ns: string;

beforeAll(async () => {
  e2e = await startE2e();
  ns = await e2e.tenant('outage', { serviceAccount: 'eso', role: 'outage', paths: ['apps/outage/*'] });
  await e2e.coffer.put('apps/outage/db', { password: 'before-outage' });
  await e2e.apply(vaultStore(e2e, 'vault-backend', 'outage', 'eso'), ns);
  await e2e.waitReady(RESOURCES.secretStores, ns, 'vault-backend', 'True', 'Valid');
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe('the coffer server is down', () => {
  let synced: SecretObject;

  it('syncs while the server is up', async () => {
    await e2e.apply(
      `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: resilient
spec:
  refreshInterval: 2s
  secretStoreRef: { name: vault-backend, kind: SecretStore }
  target: { name: resilient, deletionPolicy: Delete }
  data:
    - secretKey: password
      remoteRef: { key: apps/outage/db, property: password }
`,
      ns,
    );
    await e2e.waitReady(RESOURCES.externalSecrets, ns, 'resilient', 'True', 'SecretSynced');
    synced = (await e2e.secret(ns, 'resilient')) as SecretObject;
    expect(decoded(synced)).toEqual({ password: 'before-outage' });
  });

  it('killed: Ready=False SecretSyncedError, a Warning event, and the Secret untouched (never deleted, even with deletionPolicy Delete)', async () => {
    await e2e.coffer.kill();
    const cond = await e2e.waitReady(RESOURCES.externalSecrets, ns, 'resilient', 'False', 'SecretSyncedError');
    expect(cond.message).toBe('could not get secret data from provider');
    await e2e.waitFor('an UpdateFailed event', async () => (await e2e.events(ns, 'resilient')).find((ev) => ev.reason === 'UpdateFailed' && ev.type === 'Warning'));
    // A few more refresh rounds fail too; the Secret stays exactly as it was.
    await e2e.forceSync(ns, 'resilient');
    await e2e.waitFor('a later failed attempt', async () => {
      const failures = (await e2e.events(ns, 'resilient')).filter((e) => e.reason === 'UpdateFailed').reduce((n, e) => n + ((e['count'] as number | undefined) ?? 1), 0);
      return failures >= 2 ? true : undefined;
    });
    const now = await e2e.secret(ns, 'resilient');
    expect(now?.data).toEqual(synced.data);
    expect(now?.metadata.resourceVersion).toBe(synced.metadata.resourceVersion);
  });

  it('restarted on the same storage and unsealed: the sync recovers by itself and picks up new values', async () => {
    await e2e.coffer.restart();
    // The next attempt comes with the failure backoff (doubling, as controller-runtime's), not at once.
    await e2e.waitFor('Ready=True again', async () => ((await e2e.ready(RESOURCES.externalSecrets, ns, 'resilient'))?.reason === 'SecretSynced' ? true : undefined), 60_000);
    expect(decoded(await e2e.secret(ns, 'resilient'))).toEqual({ password: 'before-outage' });
    await e2e.coffer.put('apps/outage/db', { password: 'after-outage' });
    await e2e.waitFor('the new value', async () => (decoded(await e2e.secret(ns, 'resilient'))['password'] === 'after-outage' ? true : undefined));
  }, 90_000);
});
