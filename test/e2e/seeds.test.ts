/**
 * The seeds' manifests end to end: a real `coffer server` (KV v2, least-privilege policies,
 * kubernetes auth against the cluster's TokenReview) and `coffer operator run
 * -external-secrets` as child processes.
 *
 * 1. Seed 1's ExternalSecret `payments-db` (refreshInterval 30m, data[].remoteRef to
 *    `secret/apps/payments/db` fields) with a per-namespace SecretStore (kubernetes auth).
 * 2. Seed 2's swap: the demo Secret `db-credentials` is replaced by an ExternalSecret whose
 *    target has byte-identical keys and values, and the swap is reverted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from '../support/cluster.js';
import { decoded, startE2e, vaultStore, type E2e, type SecretObject } from './harness.js';

// Seed 1 (000_*.txt, "A minimal ExternalSecret"), verbatim.
const PAYMENTS_DB_ES = `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: payments-db
  namespace: app-payments
spec:
  refreshInterval: 30m
  secretStoreRef:
    name: vault-apps
    kind: SecretStore
  target:
    name: payments-db
    creationPolicy: Owner
  data:
    - secretKey: DB_USER
      remoteRef: { key: secret/apps/payments/db, property: username }
    - secretKey: DB_PASSWORD
      remoteRef: { key: secret/apps/payments/db, property: password }
`;

// Seed 2 (001_*.txt, "Minimal skeletons"): the SecretStore, with <NS>/<ROLE>/<SA> filled in
// from the chapter (namespace bookstore, role and ServiceAccount bookstore-eso). The server
// URL is the coffer server's.
const VAULT_BACKEND_SS = (server: string): string => `
apiVersion: external-secrets.io/v1
kind: SecretStore # CRD — needs ESO installed
metadata: { name: vault-backend, namespace: bookstore }
spec:
  provider:
    vault:
      server: "${server}"
      path: "secret"
      version: "v2"
      auth: { kubernetes: { mountPath: kubernetes, role: bookstore-eso,
        serviceAccountRef: { name: bookstore-eso } } }
`;

// Seed 2's ExternalSecret skeleton, with every key of the demo Secret (the skeleton shows
// POSTGRES_PASSWORD; "SAME name/keys app expects"): the three values from Vault and DB_DSN
// built from them, so the swap is byte-identical.
const DB_CREDENTIALS_ES = `
apiVersion: external-secrets.io/v1
kind: ExternalSecret # CRD — needs ESO installed
metadata: { name: db-credentials, namespace: bookstore }
spec:
  refreshInterval: "1h" # rotation cadence
  secretStoreRef: { name: vault-backend, kind: SecretStore }
  target:
    name: db-credentials
    creationPolicy: Owner # SAME name/keys app expects
    template:
      engineVersion: v2
      mergePolicy: Merge
      data:
        DB_DSN: "postgresql://{{ .POSTGRES_USER }}:{{ .POSTGRES_PASSWORD }}@postgres.bookstore.svc.cluster.local:5432/{{ .POSTGRES_DB }}?sslmode=disable"
  data:
  - { secretKey: POSTGRES_USER, remoteRef: { key: bookstore/db, property: POSTGRES_USER } }
  - { secretKey: POSTGRES_PASSWORD, remoteRef: { key: bookstore/db, property: POSTGRES_PASSWORD } }
  - { secretKey: POSTGRES_DB, remoteRef: { key: bookstore/db, property: POSTGRES_DB } }
`;

// The demo baseline (raw-manifests/16-db-credentials.yaml): a plain Opaque Secret.
const DEMO_DB_CREDENTIALS = `
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: bookstore
  labels: { app.kubernetes.io/part-of: bookstore }
type: Opaque
stringData:
  POSTGRES_USER: bookstore
  POSTGRES_PASSWORD: devpassword
  POSTGRES_DB: bookstore
  DB_DSN: postgresql://bookstore:devpassword@postgres.bookstore.svc.cluster.local:5432/bookstore?sslmode=disable
`;

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe('seed 1: ExternalSecret payments-db from a per-namespace SecretStore with kubernetes auth', () => {
  it('materialises Secret payments-db with the KV v2 values, ESO labels/annotations and Ready=True SecretSynced', async () => {
    const ns = await e2e.tenant('app-payments', { serviceAccount: 'payments-eso', role: 'app-payments', paths: ['apps/payments/db'] });
    await e2e.coffer.put('apps/payments/db', { username: 'app', password: 'pa55-w0rd' });
    await e2e.apply(vaultStore(e2e, 'vault-apps', 'app-payments', 'payments-eso'), ns);
    const store = await e2e.waitReady(RESOURCES.secretStores, ns, 'vault-apps', 'True');
    expect(store).toMatchObject({ reason: 'Valid', message: 'store validated' });

    const es = await e2e.apply(PAYMENTS_DB_ES, ns);
    const cond = await e2e.waitReady(RESOURCES.externalSecrets, ns, 'payments-db', 'True', 'SecretSynced');
    expect(cond.message).toBe('secret synced');

    const secret = (await e2e.secret(ns, 'payments-db')) as SecretObject;
    expect(decoded(secret)).toEqual({ DB_USER: 'app', DB_PASSWORD: 'pa55-w0rd' });
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata.labels).toMatchObject({
      'reconcile.external-secrets.io/managed': 'true',
      'reconcile.external-secrets.io/created-by': expect.stringMatching(/^[0-9a-f]{56}$/),
    });
    expect(secret.metadata.annotations?.['reconcile.external-secrets.io/data-hash']).toMatch(/^[0-9a-f]{56}$/);
    expect(secret.metadata.ownerReferences).toEqual([
      { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'payments-db', uid: es.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);

    const status = (await e2e.externalSecret(ns, 'payments-db'))?.['status'] as { binding?: unknown; refreshTime?: string; syncedResourceVersion?: string };
    expect(status.binding).toEqual({ name: 'payments-db' });
    expect(status.refreshTime).toMatch(/Z$/);
    expect(status.syncedResourceVersion).toMatch(/^1-[0-9a-f]+$/);
    const created = await e2e.waitFor('the Created event', async () => (await e2e.events(ns, 'payments-db')).find((ev) => ev.reason === 'Created'));
    expect(created.type).toBe('Normal');
    // Nothing secret leaks into the operator's logs.
    expect(e2e.operator.output()).not.toContain('pa55-w0rd');
  });
});

describe('seed 2: db-credentials swapped from the demo Secret to an ExternalSecret', () => {
  let ns: string;
  let demo: Record<string, string>;

  beforeAll(async () => {
    ns = await e2e.tenant('bookstore', { serviceAccount: 'bookstore-eso', role: 'bookstore-eso', paths: ['bookstore/db'] });
    // The seed's `vault kv put secret/bookstore/db ...`.
    await e2e.coffer.put('bookstore/db', { POSTGRES_USER: 'bookstore', POSTGRES_PASSWORD: 'devpassword', POSTGRES_DB: 'bookstore' });
  });

  it('the SecretStore vault-backend authenticates with the bookstore-eso ServiceAccount', async () => {
    const demoSecret = await e2e.apply<SecretObject>(DEMO_DB_CREDENTIALS, ns);
    demo = demoSecret.data ?? {};
    expect(Object.keys(demo).sort()).toEqual(['DB_DSN', 'POSTGRES_DB', 'POSTGRES_PASSWORD', 'POSTGRES_USER']);
    await e2e.apply(VAULT_BACKEND_SS(e2e.coffer.address), ns);
    await e2e.waitReady(RESOURCES.secretStores, ns, 'vault-backend', 'True', 'Valid');
  });

  it('the swap: delete the demo Secret, apply the ExternalSecret → byte-identical data', async () => {
    await e2e.cluster.client.delete(RESOURCES.secrets, ns, 'db-credentials');
    const es = await e2e.apply(DB_CREDENTIALS_ES, ns);
    await e2e.waitReady(RESOURCES.externalSecrets, ns, 'db-credentials', 'True', 'SecretSynced');
    const synced = (await e2e.secret(ns, 'db-credentials')) as SecretObject;
    // The base64 data maps are equal: same keys, same bytes.
    expect(synced.data).toEqual(demo);
    expect(synced.type).toBe('Opaque');
    // What changed: ESO's label and the ownerReference to the ExternalSecret.
    expect(synced.metadata.labels?.['reconcile.external-secrets.io/managed']).toBe('true');
    expect(synced.metadata.ownerReferences?.map((r) => r.uid)).toEqual([es.metadata.uid]);
  });

  it('the revert: deleting the ExternalSecret drops db-credentials (ownerReference), then the demo Secret is re-applied', async () => {
    // Retain is the default: no cleanup finalizer, so the operator itself deletes nothing...
    const es = await e2e.externalSecret(ns, 'db-credentials');
    expect(es?.metadata.finalizers ?? []).not.toContain('externalsecrets.external-secrets.io/externalsecret-cleanup');
    await e2e.cluster.client.delete(RESOURCES.externalSecrets, ns, 'db-credentials');
    await e2e.waitFor('the ExternalSecret gone', async () => ((await e2e.externalSecret(ns, 'db-credentials')) === null ? true : undefined));
    // ...the garbage collector follows the ownerReference ("ESO drops db-credentials").
    await e2e.waitFor('db-credentials garbage-collected', async () => ((await e2e.secret(ns, 'db-credentials')) === null ? true : undefined));
    // `kubectl apply -f raw-manifests/16-db-credentials.yaml`: the demo baseline returns.
    const back = await e2e.apply<SecretObject>(DEMO_DB_CREDENTIALS, ns);
    expect(back.data).toEqual(demo);
    expect(back.metadata.ownerReferences).toBeUndefined();
    expect(back.metadata.labels?.['reconcile.external-secrets.io/managed']).toBeUndefined();
  });
});
