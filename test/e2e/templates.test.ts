/**
 * `spec.target.template` end to end (engine v2): a `kubernetes.io/dockerconfigjson` Secret and
 * a connection string built from two remote fields, `templateFrom` a ConfigMap (Values and
 * KeysAndValues), and template errors that name the key and the problem — without touching an
 * already synced Secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from '../support/cluster.js';
import { b64, decoded, startE2e, vaultStore, type E2e } from './harness.js';

let e2e: E2e;
let ns: string;

beforeAll(async () => {
  e2e = await startE2e();
  ns = await e2e.tenant('templates', { serviceAccount: 'eso', role: 'templates', paths: ['registry/*', 'db/*'] });
  await e2e.coffer.put('registry/ghcr', { server: 'ghcr.io', username: 'robot', password: 'r0b0t-t0ken' });
  await e2e.coffer.put('db/orders', { user: 'orders', pass: 'p@ss:word' });
  await e2e.apply(vaultStore(e2e, 'vault-backend', 'templates', 'eso'), ns);
  await e2e.waitReady(RESOURCES.secretStores, ns, 'vault-backend', 'True', 'Valid');
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe('templates (engineVersion v2)', () => {
  it('renders a kubernetes.io/dockerconfigjson Secret', async () => {
    await e2e.apply(
      `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: ghcr-pull
spec:
  refreshInterval: 1h
  secretStoreRef: { name: vault-backend, kind: SecretStore }
  target:
    name: ghcr-pull
    template:
      engineVersion: v2
      type: kubernetes.io/dockerconfigjson
      data:
        .dockerconfigjson: |
          {"auths":{"{{ .server }}":{"username":"{{ .username }}","password":"{{ .password }}","auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}
  dataFrom:
    - extract: { key: registry/ghcr }
`,
      ns,
    );
    await e2e.waitReady(RESOURCES.externalSecrets, ns, 'ghcr-pull', 'True', 'SecretSynced');
    const secret = await e2e.secret(ns, 'ghcr-pull');
    expect(secret?.type).toBe('kubernetes.io/dockerconfigjson');
    const data = decoded(secret);
    expect(Object.keys(data)).toEqual(['.dockerconfigjson']);
    expect(JSON.parse(data['.dockerconfigjson'] ?? '')).toEqual({
      auths: { 'ghcr.io': { username: 'robot', password: 'r0b0t-t0ken', auth: b64('robot:r0b0t-t0ken') } },
    });
  });

  it('builds a connection string from two remote fields, with templated labels', async () => {
    await e2e.apply(
      `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: orders-db
spec:
  refreshInterval: 1h
  secretStoreRef: { name: vault-backend, kind: SecretStore }
  target:
    name: orders-db
    template:
      engineVersion: v2
      metadata:
        labels: { db-user: "{{ .user }}" }
      data:
        DATABASE_URL: "postgresql://{{ .user }}:{{ .pass | urlquery }}@orders-db:5432/orders"
        PGPASSWORD: "{{ .pass }}"
  data:
    - { secretKey: user, remoteRef: { key: db/orders, property: user } }
    - { secretKey: pass, remoteRef: { key: db/orders, property: pass } }
`,
      ns,
    );
    await e2e.waitReady(RESOURCES.externalSecrets, ns, 'orders-db', 'True', 'SecretSynced');
    const secret = await e2e.secret(ns, 'orders-db');
    // Replace (the default mergePolicy): only the templated keys.
    expect(decoded(secret)).toEqual({ DATABASE_URL: 'postgresql://orders:p%40ss%3Aword@orders-db:5432/orders', PGPASSWORD: 'p@ss:word' });
    expect(secret?.metadata.labels).toMatchObject({ 'db-user': 'orders', 'reconcile.external-secrets.io/managed': 'true' });
    expect(secret?.type).toBe('Opaque');
  });

  it('templateFrom a ConfigMap: Values and KeysAndValues items', async () => {
    await e2e.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'orders-config-tpl' },
        data: {
          'config.yaml': 'database:\n  user: {{ .user }}\n  password: {{ .pass | quote }}\n',
          env: 'ORDERS_DB_USER: {{ .user }}\nORDERS_DB_PASS: {{ .pass | quote }}\n',
        },
      },
      ns,
    );
    await e2e.apply(
      `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: orders-config
spec:
  refreshInterval: 1h
  secretStoreRef: { name: vault-backend, kind: SecretStore }
  target:
    name: orders-config
    template:
      engineVersion: v2
      templateFrom:
        - configMap:
            name: orders-config-tpl
            items:
              - key: config.yaml
              - key: env
                templateAs: KeysAndValues
  dataFrom:
    - extract: { key: db/orders }
`,
      ns,
    );
    await e2e.waitReady(RESOURCES.externalSecrets, ns, 'orders-config', 'True', 'SecretSynced');
    expect(decoded(await e2e.secret(ns, 'orders-config'))).toEqual({
      'config.yaml': 'database:\n  user: orders\n  password: "p@ss:word"\n',
      ORDERS_DB_USER: 'orders',
      ORDERS_DB_PASS: 'p@ss:word',
    });
  });

  it.each([
    ['a missing key', 'BROKEN_URL', '{{ .user }}:{{ .no_such_field }}', 'no_such_field'],
    ['a parse error', 'BAD_SYNTAX', '{{ .user ', 'unclosed action'],
    ['an unknown function', 'BAD_FUNC', '{{ .user | frobnicate }}', 'frobnicate'],
  ])('%s: Ready=False naming the key and the problem, no Secret', async (_what, key, source, problem) => {
    const name = `tpl-error-${key.toLowerCase().replace(/_/g, '-')}`;
    await e2e.apply(
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { name: 'vault-backend', kind: 'SecretStore' },
          target: { name, template: { engineVersion: 'v2', data: { [key]: source } } },
          data: [{ secretKey: 'user', remoteRef: { key: 'db/orders', property: 'user' } }],
        },
      },
      ns,
    );
    const cond = await e2e.waitReady(RESOURCES.externalSecrets, ns, name, 'False', 'SecretSyncedError');
    expect(cond.message).toContain(key);
    expect(cond.message).toContain(problem);
    expect(await e2e.secret(ns, name)).toBeNull();
    const event = await e2e.waitFor('the UpdateFailed event', async () => (await e2e.events(ns, name)).find((ev) => ev.reason === 'UpdateFailed'));
    expect(event.message).toContain(key);
    // The error names the template, never a value.
    expect(`${cond.message ?? ''} ${event.message ?? ''}`).not.toContain('orders');
  });

  it('a template broken after a sync leaves the synced Secret as it was', async () => {
    const before = await e2e.secret(ns, 'orders-db');
    const es = await e2e.externalSecret(ns, 'orders-db');
    const spec = es?.['spec'] as { target: { template: { data: Record<string, string> } } };
    spec.target.template.data['PGPASSWORD'] = '{{ .pass | nope }}';
    await e2e.cluster.client.replace(RESOURCES.externalSecrets, { ...(es as NonNullable<typeof es>), spec });
    const cond = await e2e.waitReady(RESOURCES.externalSecrets, ns, 'orders-db', 'False', 'SecretSyncedError');
    expect(cond.message).toContain('PGPASSWORD');
    const after = await e2e.secret(ns, 'orders-db');
    expect(after?.data).toEqual(before?.data);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });
});
