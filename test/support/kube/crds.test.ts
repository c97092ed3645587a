/**
 * CustomResourceDefinitions through the HTTP API: every deploy/crds/ file applies, a CRD's
 * lifecycle (Established, discovery, CRUD and watch on the new resource, versions, status
 * subresource, deletion with cleanup), invalid CRDs, schema validation with kubectl's
 * messages, and fieldValidation Strict/Warn/Ignore.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from './client.js';
import { DEFAULT_CRD_DIR, applyCrds, compareKubeVersions, loadCrdManifests } from './crds.js';
import { start, type KubeTestServer } from './index.js';
import type { KubeWatch } from './client.js';
import type { KubeObject } from './types.js';

const CRD = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };
const WIDGETS_V1 = { group: 'example.com', version: 'v1', resource: 'widgets' };
const WIDGETS_V1BETA1 = { group: 'example.com', version: 'v1beta1', resource: 'widgets' };
const ES = { group: 'external-secrets.io', version: 'v1', resource: 'externalsecrets' };

const widgetSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1 },
        color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string', enum: ['Ready', 'Failed'] } } },
  },
};

function widgetCrd(overrides: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
      scope: 'Namespaced',
      versions: [
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: widgetSchema }, subresources: { status: {} } },
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema }, subresources: { status: {} } },
      ],
      ...overrides,
    },
  };
}

const widget = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'default', ...extra },
  spec,
});

async function failure(p: Promise<unknown>): Promise<KubeApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KubeApiError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

/** Reads events until one matches; returns what was read, `type name` each. */
async function readUntil(watch: KubeWatch, wanted: string): Promise<string[]> {
  const seen: string[] = [];
  while (!seen.includes(wanted)) {
    const e = await watch.next();
    seen.push(`${e.type} ${(e.object as KubeObject).metadata.name ?? ''}`);
  }
  return seen;
}

let kube: KubeTestServer;

beforeAll(async () => {
  kube = await start();
});

afterAll(async () => {
  await kube.close();
});

describe('deploy/crds', () => {
  it('every file applies, is Established and is served, and applying again updates in place', async () => {
    const files = readdirSync(DEFAULT_CRD_DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    await applyCrds(kube);
    for (const manifest of loadCrdManifests(files.map((f) => join(DEFAULT_CRD_DIR, f)))) {
      const crd = await kube.client.get(CRD, manifest.metadata.name ?? '');
      const status = crd['status'] as { conditions: { type: string; status: string }[]; acceptedNames: { kind: string } };
      expect(status.conditions.find((c) => c.type === 'Established')?.status).toBe('True');
      expect(status.conditions.find((c) => c.type === 'NamesAccepted')?.status).toBe('True');
      const spec = manifest['spec'] as { group: string; names: { plural: string; kind: string }; versions: { name: string; served: boolean }[] };
      expect(status.acceptedNames.kind).toBe(spec.names.kind);
      for (const v of spec.versions.filter((x) => x.served)) {
        const list = await kube.client.list({ group: spec.group, version: v.name, resource: spec.names.plural });
        expect(list.kind).toBe(`${spec.names.kind}List`);
      }
    }
    await applyCrds(kube, [join(DEFAULT_CRD_DIR, 'external-secrets.io_externalsecrets.yaml')]);
  });

  it('rejects a known-bad ExternalSecret with the message kubectl shows', async () => {
    const err = await failure(
      kube.client.create(ES, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'x', namespace: 'default' },
        spec: { refreshPolicy: 'Sometimes', secretStoreRef: { name: 'vault' }, data: [{ secretKey: 'k', remoteRef: { key: 'a' } }] },
      }),
    );
    expect(err.status).toBe(422);
    expect(err.message).toBe('ExternalSecret.external-secrets.io "x" is invalid: spec.refreshPolicy: Unsupported value: "Sometimes": supported values: "CreatedOnce", "Periodic", "OnChange"');
    expect(err.body).toMatchObject({
      reason: 'Invalid',
      details: { name: 'x', group: 'external-secrets.io', kind: 'ExternalSecret', causes: [{ reason: 'FieldValueNotSupported', field: 'spec.refreshPolicy' }] },
    });
  });

  it('defaults ESO\'s declared defaults and nothing else', async () => {
    const es = await kube.client.create(ES, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'defaults', namespace: 'default' },
      spec: { secretStoreRef: { name: 'vault' }, data: [{ secretKey: 'k', remoteRef: { key: 'a' } }] },
    });
    expect(es['spec']).toEqual({
      secretStoreRef: { name: 'vault', kind: 'SecretStore' },
      target: { creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      refreshInterval: '1h',
      data: [{ secretKey: 'k', remoteRef: { key: 'a' } }],
    });
  });
});

describe('a CRD\'s lifecycle', () => {
  it('create → Established → discovery → CRUD/watch at both versions → delete removes objects', async () => {
    const created = await kube.client.create(CRD, widgetCrd());
    // The create answer predates the controllers, as on a real cluster.
    expect(created['status']).toEqual({ acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] });
    expect((created['spec'] as { names: Record<string, unknown> }).names).toMatchObject({ singular: 'widget', listKind: 'WidgetList' });
    const crd = await kube.client.get(CRD, 'widgets.example.com');
    expect((crd['status'] as { conditions: unknown[] }).conditions).toEqual([
      expect.objectContaining({ type: 'NamesAccepted', status: 'True', reason: 'NoConflicts' }),
      expect.objectContaining({ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }),
    ]);

    const group = await kube.client.request<{ versions: { version: string }[]; preferredVersion: { version: string } }>('GET', '/apis/example.com');
    expect(group.versions.map((v) => v.version).sort()).toEqual(['v1', 'v1beta1']);
    const resources = await kube.client.request<{ resources: { name: string; kind: string; namespaced: boolean; shortNames?: string[] }[] }>('GET', '/apis/example.com/v1');
    expect(resources.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'widgets', kind: 'Widget', namespaced: true, shortNames: ['wd'] }),
        expect.objectContaining({ name: 'widgets/status' }),
      ]),
    );

    const watch = await kube.client.watch(WIDGETS_V1BETA1, { namespace: 'default' });
    const w = await kube.client.create(WIDGETS_V1, widget('w1', { size: 2 }));
    expect(w['spec']).toEqual({ size: 2, color: 'red' });
    const added = await watch.next();
    expect(added).toMatchObject({ type: 'ADDED', object: { apiVersion: 'example.com/v1beta1', metadata: { name: 'w1' } } });
    // Stored once, served at every version (conversion strategy None).
    const viaBeta = await kube.client.get(WIDGETS_V1BETA1, 'w1', { namespace: 'default' });
    expect(viaBeta.apiVersion).toBe('example.com/v1beta1');
    expect(viaBeta.metadata.uid).toBe(w.metadata.uid);

    // status subresource: validated against the status schema, ignored on the main resource.
    const badStatus = await failure(kube.client.update(WIDGETS_V1, { ...viaBeta, apiVersion: 'example.com/v1', status: { phase: 'Sideways' } }, { subresource: 'status' }));
    expect(badStatus.message).toBe('Widget.example.com "w1" is invalid: status.phase: Unsupported value: "Sideways": supported values: "Ready", "Failed"');
    const withStatus = await kube.client.patch(WIDGETS_V1, 'w1', { status: { phase: 'Ready' } }, { namespace: 'default', subresource: 'status' });
    expect(withStatus['status']).toEqual({ phase: 'Ready' });
    const ignored = await kube.client.patch(WIDGETS_V1, 'w1', { status: { phase: 'Failed' }, spec: { size: 3 } }, { namespace: 'default' });
    expect(ignored['status']).toEqual({ phase: 'Ready' });
    expect(ignored['spec']).toEqual({ size: 3, color: 'red' });

    // A finalizer on one widget holds the CRD in Terminating; new widgets are refused.
    await kube.client.create(WIDGETS_V1, widget('held', { size: 1 }, { finalizers: ['example.com/hold'] }));
    const deleted = await kube.client.request('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    expect((deleted as KubeObject).metadata.deletionTimestamp).toBeDefined();
    const events = await readUntil(watch, 'DELETED w1');
    expect(events).toContain('ADDED held');
    const terminating = await kube.client.get(CRD, 'widgets.example.com');
    expect((terminating['status'] as { conditions: { type: string; status: string; reason: string }[] }).conditions).toContainEqual(
      expect.objectContaining({ type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress' }),
    );
    const refused = await failure(kube.client.create(WIDGETS_V1, widget('late', { size: 1 })));
    expect(refused.status).toBe(405);
    expect(refused.message).toBe('create not allowed while custom resource definition is terminating');

    await kube.client.patch(WIDGETS_V1, 'held', { metadata: { finalizers: null } }, { namespace: 'default' });
    expect(await readUntil(watch, 'DELETED held')).not.toContain('ADDED late');
    expect((await failure(kube.client.get(CRD, 'widgets.example.com'))).status).toBe(404);
    expect((await failure(kube.client.list(WIDGETS_V1))).status).toBe(404);
    const apis = await kube.client.request<{ groups: { name: string }[] }>('GET', '/apis');
    expect(apis.groups.map((g) => g.name)).not.toContain('example.com');
    watch.close();
  });

  it('answers schema violations with every cause, aggregated like kubectl shows them', async () => {
    await kube.client.create(CRD, widgetCrd());
    const err = await failure(kube.client.create(WIDGETS_V1, widget('bad', { size: 0, color: 'green' })));
    expect(err.message).toBe(
      'Widget.example.com "bad" is invalid: [spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1, spec.color: Unsupported value: "green": supported values: "red", "blue"]',
    );
    const missing = await failure(kube.client.create(WIDGETS_V1, widget('none', {})));
    expect(missing.message).toBe('Widget.example.com "none" is invalid: spec.size: Required value');
    // A failed update leaves the stored object as it was.
    await kube.client.create(WIDGETS_V1, widget('keep', { size: 5 }));
    await failure(kube.client.patch(WIDGETS_V1, 'keep', { spec: { size: 'big' } }, { namespace: 'default' }));
    expect((await kube.client.get(WIDGETS_V1, 'keep', { namespace: 'default' }))['spec']).toEqual({ size: 5, color: 'red' });
    await kube.client.request('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
  });

  it('rejects invalid CRDs as the API server does', async () => {
    const wrongName = await failure(kube.client.create(CRD, { ...widgetCrd(), metadata: { name: 'gadgets.example.com' } }));
    expect(wrongName.status).toBe(422);
    expect(wrongName.message).toBe('CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.com" is invalid: metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group');

    const twoStorage = widgetCrd();
    (twoStorage['spec'] as { versions: { storage: boolean }[] }).versions.forEach((v) => (v.storage = true));
    const storage = await failure(kube.client.create(CRD, twoStorage));
    expect(storage.message).toContain('spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{');
    expect(storage.message).toContain('must have exactly one version marked as storage version');

    const nonStructural = widgetCrd({
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } } } }],
    });
    const ns = await failure(kube.client.create(CRD, nonStructural));
    expect(ns.message).toBe(
      'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
    );
    expect(ns.body).toMatchObject({ details: { causes: [{ reason: 'FieldValueRequired', field: 'spec.versions[0].schema.openAPIV3Schema.properties[spec].type' }] } });

    const badScope = await failure(kube.client.create(CRD, widgetCrd({ scope: 'Galaxy' })));
    expect(badScope.message).toContain('spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"');
    expect((await failure(kube.client.get(CRD, 'widgets.example.com'))).status).toBe(404);
  });

  it('sorts versions by Kubernetes priority', () => {
    expect(['v1alpha1', 'v2', 'foo', 'v1', 'v1beta2', 'v1beta1', 'v10'].sort(compareKubeVersions)).toEqual(['v10', 'v2', 'v1', 'v1beta2', 'v1beta1', 'v1alpha1', 'foo']);
  });
});

describe('fieldValidation', () => {
  const path = '/apis/example.com/v1/namespaces/default/widgets';
  const body = (name: string): KubeObject => widget(name, { size: 1, foo: 'x' }, { bogus: true });

  beforeAll(async () => {
    await kube.client.create(CRD, widgetCrd());
  });

  it('Strict refuses unknown fields with 400', async () => {
    const res = await kube.client.raw('POST', path, { body: body('strict'), query: { fieldValidation: 'Strict' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ reason: 'BadRequest', message: 'strict decoding error: unknown field "metadata.bogus", unknown field "spec.foo"' });
  });

  it('Warn (and no directive, the API server default) accepts, prunes and warns', async () => {
    for (const [name, query] of [['warn', { fieldValidation: 'Warn' }], ['default', {}]] as const) {
      const res = await kube.client.raw('POST', path, { body: body(name), query });
      expect(res.status).toBe(201);
      expect(res.headers['warning']).toBe('299 - "unknown field \\"metadata.bogus\\"", 299 - "unknown field \\"spec.foo\\""');
      expect((res.body as KubeObject)['spec']).toEqual({ size: 1, color: 'red' });
    }
  });

  it('Ignore prunes silently; an unsupported directive is refused', async () => {
    const res = await kube.client.raw('POST', path, { body: body('ignore'), query: { fieldValidation: 'Ignore' } });
    expect(res.status).toBe(201);
    expect(res.headers['warning']).toBeUndefined();
    expect((res.body as KubeObject)['spec']).toEqual({ size: 1, color: 'red' });
    const bad = await kube.client.raw('POST', path, { body: body('nope'), query: { fieldValidation: 'Loose' } });
    expect(bad.status).toBe(422);
    expect((bad.body as { message: string }).message).toBe('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"');
  });

  it('applies to PUT and PATCH too', async () => {
    const current = await kube.client.get(WIDGETS_V1, 'ignore', { namespace: 'default' });
    const put = await kube.client.raw('PUT', `${path}/ignore`, { body: { ...current, spec: { size: 2, extra: 1 } }, query: { fieldValidation: 'Strict' } });
    expect(put.status).toBe(400);
    expect((put.body as { message: string }).message).toBe('strict decoding error: unknown field "spec.extra"');
    const patch = await kube.client.raw('PATCH', `${path}/ignore`, { body: { spec: { extra: 1 } }, contentType: 'application/merge-patch+json' });
    expect(patch.status).toBe(200);
    expect(patch.headers['warning']).toBe('299 - "unknown field \\"spec.extra\\""');
  });
});
