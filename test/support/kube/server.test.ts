import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, type KubeList } from './client.js';
import { start, statusErrors, type KubeTestServer } from './index.js';
import type { KubeObject } from './types.js';

let kube: KubeTestServer;

beforeAll(async () => {
  kube = await start();
});

afterAll(async () => {
  await kube.close();
});

async function apiError(p: Promise<unknown>): Promise<KubeApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KubeApiError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe('kube test server: HTTP surface', () => {
  it('serves over HTTPS on 127.0.0.1 with the exposed CA', async () => {
    expect(kube.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kube.caPem).toContain('BEGIN CERTIFICATE');
    const version = await kube.clientFor(undefined).request<{ major: string }>('GET', '/version');
    expect(version.major).toBe('1');
  });

  it('bootstraps the default namespaces, each with a default ServiceAccount', async () => {
    const list = await kube.client.list('namespaces');
    expect(list.kind).toBe('NamespaceList');
    expect(list.items.map((n) => n.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const sa = await kube.client.get('serviceaccounts', 'default', { namespace: 'kube-system' });
    expect(sa.kind).toBe('ServiceAccount');
  });

  it('serves discovery', async () => {
    const api = await kube.client.request<{ kind: string; versions: string[] }>('GET', '/api');
    expect(api).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const v1 = await kube.client.request<{ kind: string; groupVersion: string; resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[] }>('GET', '/api/v1');
    expect(v1.kind).toBe('APIResourceList');
    expect(v1.groupVersion).toBe('v1');
    const byName = new Map(v1.resources.map((r) => [r.name, r]));
    for (const name of ['namespaces', 'serviceaccounts', 'secrets', 'configmaps']) expect(byName.has(name)).toBe(true);
    expect(byName.get('namespaces')).toMatchObject({ namespaced: false, kind: 'Namespace' });
    expect(byName.get('configmaps')).toMatchObject({ namespaced: true, kind: 'ConfigMap', verbs: expect.arrayContaining(['watch', 'patch']) });
    expect(byName.get('serviceaccounts/token')).toMatchObject({ kind: 'TokenRequest', verbs: ['create'] });
    const apis = await kube.client.request<{ kind: string; groups: { name: string }[] }>('GET', '/apis');
    expect(apis.kind).toBe('APIGroupList');
    expect(apis.groups.map((g) => g.name)).toContain('authentication.k8s.io');
    const auth = await kube.client.request<{ resources: { name: string }[] }>('GET', '/apis/authentication.k8s.io/v1');
    expect(auth.resources.map((r) => r.name)).toEqual(['tokenreviews']);
  });

  it('requires a valid bearer token', async () => {
    const anonymous = await kube.clientFor(undefined).raw('GET', '/api/v1/namespaces');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    expect((await kube.clientFor('garbage').raw('GET', '/api/v1/namespaces')).status).toBe(401);
    const sa = kube.mintToken({ namespace: 'default', serviceAccount: 'default' });
    expect((await kube.clientFor(sa.token).raw('GET', '/api/v1/namespaces')).status).toBe(200);
  });

  it('answers 404 with a Status object', async () => {
    const err = await apiError(kube.client.get('configmaps', 'missing', { namespace: 'default' }));
    expect(err.status).toBe(404);
    expect(err.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "missing" not found',
      reason: 'NotFound',
      details: { name: 'missing', kind: 'configmaps' },
      code: 404,
    });
    expect((await kube.client.raw('GET', '/api/v1/widgets')).status).toBe(404);
    expect((await kube.client.raw('GET', '/apis/example.com/v1')).status).toBe(404);
  });

  it('creates (201), reads, updates with conflicts (409), patches and deletes over HTTP', async () => {
    kube.createNamespace('crud');
    const created = await kube.client.create('configmaps', { metadata: { name: 'cfg' }, data: { a: '1' } }, { namespace: 'crud' });
    expect(kube.requests.at(-1)?.status).toBe(201);
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);

    const dup = await apiError(kube.client.create('configmaps', { metadata: { name: 'cfg' } }, { namespace: 'crud' }));
    expect(dup.status).toBe(409);
    expect(dup.reason).toBe('AlreadyExists');

    const updated = await kube.client.update('configmaps', { ...created, data: { a: '2' } });
    expect(updated.data).toEqual({ a: '2' });
    const stale = await apiError(kube.client.update('configmaps', { ...created, data: { a: '3' } }));
    expect(stale.status).toBe(409);
    expect(stale.reason).toBe('Conflict');

    const merged = await kube.client.patch('configmaps', 'cfg', { data: { b: '2' }, metadata: { labels: { x: 'y' } } }, { namespace: 'crud' });
    expect(merged.data).toEqual({ a: '2', b: '2' });
    const jsonPatched = await kube.client.patch('configmaps', 'cfg', [{ op: 'remove', path: '/data/a' }, { op: 'add', path: '/data/c', value: '3' }], {
      namespace: 'crud',
      type: 'json',
    });
    expect(jsonPatched.data).toEqual({ b: '2', c: '3' });
    const stalePatch = await apiError(kube.client.patch('configmaps', 'cfg', { metadata: { resourceVersion: created.metadata.resourceVersion }, data: { z: '1' } }, { namespace: 'crud' }));
    expect(stalePatch.status).toBe(409);
    const badType = await kube.client.raw('PATCH', '/api/v1/namespaces/crud/configmaps/cfg', { body: {}, contentType: 'application/json' });
    expect(badType.status).toBe(415);

    const list = await kube.client.list('configmaps', { namespace: 'crud', labelSelector: 'x=y' });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['cfg']);
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(jsonPatched.metadata.resourceVersion));

    const deleted = await kube.client.delete('configmaps', 'cfg', { namespace: 'crud' });
    expect(deleted).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'cfg', kind: 'configmaps' } });
    expect((await apiError(kube.client.get('configmaps', 'cfg', { namespace: 'crud' }))).status).toBe(404);
  });

  it('lists across namespaces with selectors and pagination over HTTP', async () => {
    kube.createNamespace('list-a', { team: 'a' });
    kube.createNamespace('list-b', { team: 'b' });
    for (const ns of ['list-a', 'list-b']) {
      for (const name of ['one', 'two']) {
        await kube.client.create('secrets', { metadata: { name, labels: { set: 'paged' } }, stringData: { k: 'v' } }, { namespace: ns });
      }
    }
    const teams = await kube.client.list('namespaces', { labelSelector: 'team in (a,b)' });
    expect(teams.items.map((n) => n.metadata.name)).toEqual(['list-a', 'list-b']);
    const page = await kube.client.list('secrets', { labelSelector: 'set=paged', limit: 3 });
    expect(page.items).toHaveLength(3);
    expect(page.metadata.continue).toBeDefined();
    const rest: KubeList = await kube.client.list('secrets', { labelSelector: 'set=paged', limit: 3, ...(page.metadata.continue ? { continue: page.metadata.continue } : {}) });
    expect([...page.items, ...rest.items].map((s) => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`)).toEqual([
      'list-a/one',
      'list-a/two',
      'list-b/one',
      'list-b/two',
    ]);
    const byField = await kube.client.list('secrets', { fieldSelector: 'metadata.namespace=list-b,metadata.name=two' });
    expect(byField.items.map((s) => s.metadata.name)).toEqual(['two']);
    const bad = await apiError(kube.client.list('secrets', { fieldSelector: 'data.k=v' }));
    expect(bad.status).toBe(400);
  });

  it('applies the authorizer and answers 403 Forbidden', async () => {
    const sa = kube.mintToken({ namespace: 'default', serviceAccount: 'default' });
    kube.setAuthorizer((user, attrs) => !(user.username.startsWith('system:serviceaccount:') && attrs.resource === 'secrets'));
    try {
      const err = await apiError(kube.clientFor(sa.token).list('secrets', { namespace: 'default' }));
      expect(err.status).toBe(403);
      expect(err.message).toBe(
        'secrets is forbidden: User "system:serviceaccount:default:default" cannot list resource "secrets" in API group "" in the namespace "default"',
      );
      expect((await kube.client.list('secrets', { namespace: 'default' })).kind).toBe('SecretList');
    } finally {
      kube.setAuthorizer(undefined);
    }
  });

  it('injects faults for failure tests', async () => {
    kube.injectFault(({ path }) => (path.endsWith('/configmaps') ? { status: 503 } : undefined));
    try {
      expect((await kube.client.raw('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(503);
      expect((await kube.client.raw('GET', '/api/v1/namespaces/default/secrets')).status).toBe(200);
    } finally {
      kube.injectFault(undefined);
    }
  });

  it('serves a registered custom resource type with discovery, status subresource, watch and admission', async () => {
    kube.store.register({
      group: 'example.coffer.dev',
      version: 'v1',
      resource: 'widgets',
      kind: 'Widget',
      namespaced: true,
      statusSubresource: true,
      returnDeletedObject: true,
    });
    const unhook = kube.store.addHooks({
      admit(op, type, obj) {
        if (type.resource === 'widgets' && (obj['spec'] as { size?: number } | undefined)?.size === 13) {
          throw statusErrors.forbiddenMessage(type, obj.metadata.name ?? '', 'admission webhook "sizes.example.coffer.dev" denied the request: unlucky');
        }
      },
    });
    try {
      const ref = 'example.coffer.dev/v1/widgets';
      kube.createNamespace('crd');
      const group = await kube.client.request<{ kind: string; preferredVersion: { groupVersion: string } }>('GET', '/apis/example.coffer.dev');
      expect(group).toMatchObject({ kind: 'APIGroup', preferredVersion: { groupVersion: 'example.coffer.dev/v1' } });
      const resources = await kube.client.request<{ resources: { name: string }[] }>('GET', '/apis/example.coffer.dev/v1');
      expect(resources.resources.map((r) => r.name)).toEqual(['widgets', 'widgets/status']);
      const w = await kube.client.watch(ref, { namespace: 'crd' });
      const created = await kube.client.create(ref, { apiVersion: 'example.coffer.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } }, { namespace: 'crd' });
      expect(created).toMatchObject({ apiVersion: 'example.coffer.dev/v1', kind: 'Widget', metadata: { generation: 1 } });
      const withStatus = await kube.client.update(ref, { ...created, status: { ready: true } }, { subresource: 'status' });
      expect(withStatus.status).toEqual({ ready: true });
      const bigger = await kube.client.patch(ref, 'w', { spec: { size: 2 } }, { namespace: 'crd' });
      expect(bigger.metadata.generation).toBe(2);
      expect(bigger.status).toEqual({ ready: true });
      expect((await w.next()).type).toBe('ADDED');
      expect((await w.next()).object['status']).toEqual({ ready: true });
      expect((await w.next()).object.metadata.generation).toBe(2);
      w.close();
      const refused = await kube.client.raw('POST', '/apis/example.coffer.dev/v1/namespaces/crd/widgets', { body: { metadata: { name: 'x' }, spec: { size: 13 } } });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ reason: 'Forbidden', message: expect.stringContaining('unlucky') });
      const deleted = await kube.client.delete(ref, 'w', { namespace: 'crd' });
      expect(deleted).toMatchObject({ kind: 'Widget', metadata: { name: 'w' } });
    } finally {
      unhook();
    }
  });

  it('deletes a namespace with its contents', async () => {
    kube.createNamespace('doomed');
    await kube.client.create('configmaps', { metadata: { name: 'x' } }, { namespace: 'doomed' });
    const answer = await kube.client.delete('namespaces', 'doomed');
    expect((answer as KubeObject).status).toEqual({ phase: 'Terminating' });
    expect((await apiError(kube.client.get('namespaces', 'doomed'))).status).toBe(404);
    expect((await kube.client.list('serviceaccounts', { namespace: 'doomed' })).items).toEqual([]);
  });
});
