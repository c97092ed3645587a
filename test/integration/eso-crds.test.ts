/**
 * The ESO-compatible CRDs in deploy/crds/: structural (what the API server demands of a v1
 * CRD), carrying ESO's names and printer columns, accepting ESO's documented manifests, and
 * injecting no defaults into the optional strategy fields (ESO v2.9.0, Argo CD drift).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fieldErrorString, pruneUnknownFields, structuralErrors, unknownFieldMessage, validateCustomResource, type JSONSchemaProps } from '../support/kube/schema.js';

type Schema = Record<string, any>;

const crdDir = fileURLToPath(new URL('../../deploy/crds/', import.meta.url));
const load = (file: string): Schema => parse(readFileSync(crdDir + file, 'utf8')) as Schema;
const crds = {
  ExternalSecret: load('external-secrets.io_externalsecrets.yaml'),
  SecretStore: load('external-secrets.io_secretstores.yaml'),
  ClusterSecretStore: load('external-secrets.io_clustersecretstores.yaml'),
  ClusterExternalSecret: load('external-secrets.io_clusterexternalsecrets.yaml'),
  PushSecret: load('external-secrets.io_pushsecrets.yaml'),
};
/** The served version of a kind: v1, except PushSecret (v1alpha1 only, as in ESO). */
const v1 = (crd: Schema): Schema => crd.spec.versions.find((v: Schema) => v.name === (crd.spec.names.kind === 'PushSecret' ? 'v1alpha1' : 'v1'));
const schemaOf = (kind: keyof typeof crds): Schema => v1(crds[kind]).schema.openAPIV3Schema;

/** Structural-schema violations, as the API server reports them for a CRD's schema. */
function structuralProblems(schema: Schema): string[] {
  return structuralErrors(schema as JSONSchemaProps, 'openAPIV3Schema').map(fieldErrorString);
}

/**
 * What the API server answers for a manifest with `fieldValidation=Strict`: unknown fields
 * first (the strict decoding error), then schema violations with kubectl's messages.
 */
function validate(schema: Schema, manifest: unknown): string[] {
  const obj = structuredClone(manifest) as Record<string, unknown>;
  const unknown = pruneUnknownFields(obj, schema as JSONSchemaProps).map(unknownFieldMessage);
  return [...unknown, ...validateCustomResource(schema as JSONSchemaProps, obj).map(fieldErrorString)];
}

/** Every `default` in a schema, by dotted path. */
function defaults(node: Schema, path: string, out: Record<string, unknown>): Record<string, unknown> {
  if (node.default !== undefined) out[path] = node.default;
  for (const [k, child] of Object.entries<Schema>(node.properties ?? {})) defaults(child, `${path}.${k}`, out);
  if (typeof node.additionalProperties === 'object') defaults(node.additionalProperties, `${path}[*]`, out);
  if (node.items) defaults(node.items, `${path}[]`, out);
  return out;
}

const manifest = (kind: string, spec: Schema, namespaced = true): Schema => ({
  apiVersion: 'external-secrets.io/v1',
  kind,
  metadata: namespaced ? { name: 'example', namespace: 'default' } : { name: 'example' },
  spec,
});

describe('ESO CRDs: shape', () => {
  it('the structural checker catches non-structural schemas', () => {
    const bad = { type: 'object', properties: { a: { description: 'no type' }, b: { type: 'object', properties: {}, additionalProperties: { type: 'string' } }, c: { type: 'array' } } };
    expect(structuralProblems(bad)).toEqual([
      'openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields',
      'openAPIV3Schema.properties[b].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
      'openAPIV3Schema.properties[c].items: Required value: must be specified',
    ]);
  });

  it.each(Object.keys(crds) as (keyof typeof crds)[])('%s is structural', (kind) => {
    expect(structuralProblems(schemaOf(kind))).toEqual([]);
  });

  it.each([
    ['ExternalSecret', 'externalsecrets', 'es', 'Namespaced'],
    ['SecretStore', 'secretstores', 'ss', 'Namespaced'],
    ['ClusterSecretStore', 'clustersecretstores', 'css', 'Cluster'],
    ['ClusterExternalSecret', 'clusterexternalsecrets', 'ces', 'Cluster'],
    ['PushSecret', 'pushsecrets', 'ps', 'Namespaced'],
  ] as const)('%s carries ESO names, label, category, storage version and status subresource', (kind, plural, short, scope) => {
    const crd = crds[kind];
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.metadata.name).toBe(`${plural}.external-secrets.io`);
    expect(crd.metadata.labels['external-secrets.io/component']).toBe('controller');
    expect(crd.spec.group).toBe('external-secrets.io');
    expect(crd.spec.scope).toBe(scope);
    expect(crd.spec.names).toMatchObject({ kind, plural, shortNames: [short], categories: ['external-secrets'] });
    const stored = crd.spec.versions.filter((v: Schema) => v.storage);
    expect(stored.map((v: Schema) => v.name)).toEqual([kind === 'PushSecret' ? 'v1alpha1' : 'v1']);
    expect(v1(crd).served).toBe(true);
    expect(v1(crd).subresources).toEqual({ status: {} });
  });

  it('gives SecretStore and ClusterSecretStore the same schema', () => {
    expect(schemaOf('ClusterSecretStore').properties).toEqual(schemaOf('SecretStore').properties);
  });

  it('has ESO printer columns', () => {
    const cols = (kind: keyof typeof crds) => v1(crds[kind]).additionalPrinterColumns.map((c: Schema) => c.name);
    expect(cols('ExternalSecret')).toEqual(expect.arrayContaining(['Store', 'Refresh Interval', 'Status', 'Ready']));
    expect(cols('SecretStore')).toEqual(['Age', 'Status', 'Capabilities', 'Ready']);
    expect(cols('ClusterSecretStore')).toEqual(['Age', 'Status', 'Capabilities', 'Ready']);
    const status = v1(crds.ExternalSecret).additionalPrinterColumns.find((c: Schema) => c.name === 'Status');
    expect(status.jsonPath).toBe('.status.conditions[?(@.type=="Ready")].reason');
  });

  it('injects only ESO\'s long-standing defaults (none on conversion/decoding/metadata strategies)', () => {
    expect(defaults(schemaOf('ExternalSecret'), '', {})).toEqual({
      '.spec.secretStoreRef.kind': 'SecretStore',
      // Same SecretStoreRef type wherever a store is referenced.
      '.spec.data[].sourceRef.storeRef.kind': 'SecretStore',
      '.spec.dataFrom[].sourceRef.storeRef.kind': 'SecretStore',
      '.spec.target': { creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      '.spec.target.creationPolicy': 'Owner',
      '.spec.target.deletionPolicy': 'Retain',
      '.spec.target.template.engineVersion': 'v2',
      '.spec.target.template.mergePolicy': 'Replace',
      '.spec.refreshInterval': '1h',
    });
    expect(defaults(schemaOf('SecretStore'), '', {})).toEqual({});
    expect(defaults(schemaOf('ClusterSecretStore'), '', {})).toEqual({});
    const remoteRef = schemaOf('ExternalSecret').properties.spec.properties.data.items.properties.remoteRef;
    for (const field of ['conversionStrategy', 'decodingStrategy', 'metadataPolicy']) {
      expect(remoteRef.properties[field].enum).toBeDefined();
      expect(remoteRef.properties[field]).not.toHaveProperty('default');
    }
  });
});

describe('ClusterExternalSecret and PushSecret CRDs', () => {
  it('have ESO printer columns', () => {
    const cols = (kind: keyof typeof crds) => v1(crds[kind]).additionalPrinterColumns.map((c: Schema) => [c.name, c.jsonPath]);
    expect(cols('ClusterExternalSecret')).toEqual([
      ['Store', '.spec.externalSecretSpec.secretStoreRef.name'],
      ['Refresh Interval', '.spec.refreshTime'],
      ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
    ]);
    expect(cols('PushSecret')).toEqual([
      ['AGE', '.metadata.creationTimestamp'],
      ['Status', '.status.conditions[?(@.type=="Ready")].reason'],
      ['Last Sync', '.status.refreshTime'],
    ]);
  });

  it('embeds the ExternalSecret spec schema in the ClusterExternalSecret', () => {
    const { description: _d, ...embedded } = schemaOf('ClusterExternalSecret').properties.spec.properties.externalSecretSpec;
    const { description: _e, ...esSpec } = schemaOf('ExternalSecret').properties.spec;
    expect(embedded).toEqual(esSpec);
    expect(schemaOf('ClusterExternalSecret').properties.spec.required).toEqual(['externalSecretSpec']);
  });

  it('inject only ESO\'s defaults: none on the CES itself, none on PushSecret conversionStrategy', () => {
    const ces = defaults(schemaOf('ClusterExternalSecret'), '', {});
    expect(Object.keys(ces).every((k) => k.startsWith('.spec.externalSecretSpec.'))).toBe(true);
    expect(defaults(schemaOf('PushSecret'), '', {})).toEqual({
      '.spec.deletionPolicy': 'None',
      '.spec.refreshInterval': '1h0m0s',
      '.spec.secretStoreRefs[].kind': 'SecretStore',
      '.spec.dataTo[].storeRef.kind': 'SecretStore',
      '.spec.template.engineVersion': 'v2',
      '.spec.template.mergePolicy': 'Replace',
      '.spec.updatePolicy': 'Replace',
    });
  });

  it('accept ESO\'s documented ClusterExternalSecret', () => {
    const ces = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterExternalSecret',
      metadata: { name: 'hello-world' },
      spec: {
        externalSecretName: 'hello-world-es',
        externalSecretMetadata: { labels: { app: 'x' }, annotations: { team: 'a' } },
        namespaceSelectors: [{ matchLabels: { cool: 'label' } }, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }],
        namespaces: ['team-a'],
        refreshTime: '1m',
        externalSecretSpec: {
          secretStoreRef: { name: 'secret-store-name', kind: 'SecretStore' },
          refreshInterval: '1h',
          data: [{ secretKey: 'secret-key-to-be-managed', remoteRef: { key: 'remote-key', property: 'p' } }],
        },
      },
      status: { externalSecretName: 'hello-world-es', provisionedNamespaces: ['team-a'], failedNamespaces: [{ namespace: 'team-b', reason: 'external secret already exists in namespace' }], conditions: [{ type: 'Ready', status: 'False', message: 'one or more namespaces failed' }] },
    };
    expect(validate(schemaOf('ClusterExternalSecret'), ces)).toEqual([]);
    const bad = { ...ces, spec: { ...ces.spec, externalSecretName: 'Not_Valid', namespaces: ['UPPER'] } };
    expect(validate(schemaOf('ClusterExternalSecret'), bad)).toEqual(expect.arrayContaining([expect.stringMatching(/^spec\.externalSecretName: Invalid value: "Not_Valid": spec\.externalSecretName in body should match /), expect.stringMatching(/^spec\.namespaces\[0\]: Invalid value: "UPPER": spec\.namespaces\[0\] in body should match /)]));
  });

  it('accept ESO\'s documented PushSecret (provider metadata is free-form) and reject bad enums', () => {
    const ps = {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'pushsecret-example', namespace: 'default' },
      spec: {
        updatePolicy: 'Replace',
        deletionPolicy: 'Delete',
        refreshInterval: '1h0m0s',
        secretStoreRefs: [{ name: 'aws-parameterstore', kind: 'SecretStore' }, { labelSelector: { matchLabels: { push: 'yes' } }, kind: 'ClusterSecretStore' }],
        selector: { secret: { name: 'pokedex-credentials' } },
        template: { engineVersion: 'v2', data: { token: '{{ .token | toString | upper }} was templated' } },
        data: [
          {
            conversionStrategy: 'None',
            match: { secretKey: 'best-pokemon', remoteRef: { remoteKey: 'my-first-parameter', property: 'p' } },
            metadata: { apiVersion: 'kubernetes.external-secrets.io/v1alpha1', kind: 'PushSecretMetadata', spec: { labels: { a: 'b' } } },
          },
        ],
      },
      status: {
        refreshTime: '2026-01-01T00:00:00Z',
        syncedResourceVersion: '1-abc',
        syncedPushSecrets: { 'SecretStore/aws-parameterstore': { 'my-first-parameter/p': { match: { secretKey: 'best-pokemon', remoteRef: { remoteKey: 'my-first-parameter', property: 'p' } } } } },
        conditions: [{ type: 'Ready', status: 'True', reason: 'Synced', message: 'PushSecret synced successfully', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      },
    };
    expect(validate(schemaOf('PushSecret'), ps)).toEqual([]);
    const bad = { ...ps, spec: { ...ps.spec, updatePolicy: 'Sometimes', deletionPolicy: 'Retain', selector: { secret: { name: 'a' }, generatorRef: { kind: 'Password', name: 'p' } } } };
    expect(validate(schemaOf('PushSecret'), bad)).toEqual(
      expect.arrayContaining([
        'spec.updatePolicy: Unsupported value: "Sometimes": supported values: "Replace", "IfNotExists"',
        'spec.deletionPolicy: Unsupported value: "Retain": supported values: "Delete", "None"',
        'spec.selector: Too many: 2: must have at most 1 items',
      ]),
    );
  });
});

describe('ESO CRDs: ESO documentation examples validate', () => {
  const esSchema = schemaOf('ExternalSecret');
  const ssSchema = schemaOf('SecretStore');

  it('accepts ExternalSecret with data and dataFrom extract', () => {
    const es = manifest('ExternalSecret', {
      refreshInterval: '1h',
      secretStoreRef: { name: 'secretstore-sample', kind: 'SecretStore' },
      target: { name: 'secret-to-be-created', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'secret-key-to-be-managed', remoteRef: { key: 'provider-key', version: 'provider-key-version', property: 'provider-key-property' } },
      ],
      dataFrom: [{ extract: { key: 'remote-key-in-the-provider', conversionStrategy: 'Default', decodingStrategy: 'Base64' } }],
    });
    expect(validate(esSchema, es)).toEqual([]);
  });

  it('accepts dataFrom find with rewrites', () => {
    const es = manifest('ExternalSecret', {
      secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
      target: { name: 'secret-to-be-created' },
      dataFrom: [
        {
          find: { path: 'path/to/secrets', name: { regexp: '.*' }, tags: { env: 'prod' } },
          rewrite: [
            { regexp: { source: 'exp-(.*?)-ression', target: 'rewriting-${1}-with-groups' } },
            { transform: { template: '{{ .value | upper }}' } },
            { merge: { into: 'config.json', strategy: 'JSON', conflictPolicy: 'Error' } },
          ],
        },
        { sourceRef: { generatorRef: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password', name: 'pw' } } },
      ],
    });
    expect(validate(esSchema, es)).toEqual([]);
  });

  it('accepts a template with templateFrom', () => {
    const es = manifest('ExternalSecret', {
      secretStoreRef: { name: 'secretstore-sample' },
      target: {
        name: 'dockerconfig',
        deletionPolicy: 'Delete',
        template: {
          type: 'kubernetes.io/dockerconfigjson',
          engineVersion: 'v2',
          mergePolicy: 'Merge',
          metadata: { annotations: { team: 'a' }, labels: { app: 'x' } },
          data: { '.dockerconfigjson': '{{ .mysecret | toString }}' },
          templateFrom: [
            { configMap: { name: 'alertmanager', items: [{ key: 'alertmanager.yaml', templateAs: 'Values' }] } },
            { target: 'Annotations', literal: 'x: {{ .a }}' },
          ],
        },
      },
      data: [{ secretKey: 'mysecret', remoteRef: { key: 'docker/config' } }],
    });
    expect(validate(esSchema, es)).toEqual([]);
  });

  it.each([
    ['token', { tokenSecretRef: { name: 'vault-token', key: 'token' } }],
    ['appRole', { appRole: { path: 'approle', roleId: 'db02de05-fa39-4855-059b-67221c5c2f63', secretRef: { name: 'vault-secret', key: 'secret-id' } } }],
    ['kubernetes', { kubernetes: { mountPath: 'kubernetes', role: 'demo', serviceAccountRef: { name: 'my-sa' }, secretRef: { name: 'my-secret', key: 'vault' } } }],
  ])('accepts a vault SecretStore with %s auth', (_name, auth) => {
    const ss = manifest('SecretStore', { provider: { vault: { server: 'http://my.vault.server:8200', path: 'secret', version: 'v2', auth } } });
    expect(validate(ssSchema, ss)).toEqual([]);
  });

  it('accepts kubernetes and fake providers, and other providers as opaque objects', () => {
    const k8s = { provider: { kubernetes: { remoteNamespace: 'default', server: { caProvider: { type: 'ConfigMap', name: 'kube-root-ca.crt', key: 'ca.crt' } }, auth: { serviceAccount: { name: 'eso' } } } } };
    expect(validate(ssSchema, manifest('SecretStore', k8s))).toEqual([]);
    const fake = { provider: { fake: { data: [{ key: '/foo/bar', value: 'HELLO1', version: 'v1' }] } } };
    expect(validate(ssSchema, manifest('SecretStore', fake))).toEqual([]);
    const aws = {
      provider: { aws: { service: 'SecretsManager', region: 'eu-west-1', auth: { jwt: { serviceAccountRef: { name: 'sa' } } } } },
      conditions: [{ namespaces: ['team-a'], namespaceRegexes: ['^team-.*'] }],
      refreshInterval: 60,
    };
    expect(validate(schemaOf('ClusterSecretStore'), manifest('ClusterSecretStore', aws, false))).toEqual([]);
  });

  it('rejects what ESO\'s CRD rejects', () => {
    const bad = manifest('ExternalSecret', {
      secretStoreRef: { name: 's', kind: 'Store' },
      target: { creationPolicy: 'Sometimes' },
      data: [{ secretKey: 'bad key!', remoteRef: { key: 'k', decodingStrategy: 'Hex' } }],
      dataFrom: [{ find: { path: 'p' }, rewrite: [{ regexp: { source: 'a', target: 'b' }, transform: { template: 't' } }] }],
      unknownField: true,
    });
    const errs = validate(esSchema, bad);
    expect(errs[0]).toBe('unknown field "spec.unknownField"');
    expect(errs).toEqual(
      expect.arrayContaining([
        'spec.secretStoreRef.kind: Unsupported value: "Store": supported values: "SecretStore", "ClusterSecretStore"',
        expect.stringMatching(/^spec\.target\.creationPolicy: Unsupported value: "Sometimes": supported values: "Owner", /),
        expect.stringMatching(/^spec\.data\[0\]\.remoteRef\.decodingStrategy: Unsupported value: "Hex": supported values: /),
        'spec.dataFrom[0].rewrite[0]: Too many: 2: must have at most 1 items',
      ]),
    );
    expect(errs.some((e) => e.startsWith('spec.data[0].secretKey: Invalid value: "bad key!": spec.data[0].secretKey in body should match '))).toBe(true);
    const twoProviders = manifest('SecretStore', { provider: { vault: { server: 'x' }, fake: { data: [] } } });
    expect(validate(ssSchema, twoProviders)).toEqual(['spec.provider: Too many: 2: must have at most 1 items']);
    expect(validate(ssSchema, manifest('SecretStore', { provider: { vault: {} } }))).toEqual(['spec.provider.vault.server: Required value']);
  });
});
