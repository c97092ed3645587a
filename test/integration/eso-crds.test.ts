/**
 * The ESO-compatible CRDs in deploy/crds/: structural (what the API server demands of a v1
 * CRD), carrying ESO's names and printer columns, accepting ESO's documented manifests, and
 * injecting no defaults into the optional strategy fields (ESO v2.9.0, Argo CD drift).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Schema = Record<string, any>;

const crdDir = fileURLToPath(new URL('../../deploy/crds/', import.meta.url));
const load = (file: string): Schema => parse(readFileSync(crdDir + file, 'utf8')) as Schema;
const crds = {
  ExternalSecret: load('external-secrets.io_externalsecrets.yaml'),
  SecretStore: load('external-secrets.io_secretstores.yaml'),
  ClusterSecretStore: load('external-secrets.io_clustersecretstores.yaml'),
};
const v1 = (crd: Schema): Schema => crd.spec.versions.find((v: Schema) => v.name === 'v1');
const schemaOf = (kind: keyof typeof crds): Schema => v1(crds[kind]).schema.openAPIV3Schema;

/** Structural-schema violations (apiextensions "structural schema" rules that apply here). */
function structuralProblems(node: Schema, path: string, out: string[], root = true): string[] {
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (!node.type && !intOrString) out.push(`${path}: missing type`);
  if (node.properties && node.additionalProperties !== undefined) out.push(`${path}: properties together with additionalProperties`);
  if (node.type === 'array' && (typeof node.items !== 'object' || Array.isArray(node.items))) out.push(`${path}: array without a single items schema`);
  if (node.type === 'object' && !node.properties && node.additionalProperties === undefined && !preserve && !(root === false && path.endsWith('.metadata'))) {
    out.push(`${path}: object without properties, additionalProperties or preserve-unknown-fields`);
  }
  for (const banned of ['$ref', 'definitions', 'dependencies', 'patternProperties', 'oneOf', 'anyOf', 'allOf', 'not']) {
    if (banned in node) out.push(`${path}: ${banned} not allowed here`);
  }
  if (node.default !== undefined && root) out.push(`${path}: default at the root`);
  for (const [k, child] of Object.entries<Schema>(node.properties ?? {})) structuralProblems(child, `${path}.${k}`, out, false);
  if (typeof node.additionalProperties === 'object') structuralProblems(node.additionalProperties, `${path}[*]`, out, false);
  if (node.items && typeof node.items === 'object') structuralProblems(node.items, `${path}[]`, out, false);
  return out;
}

/** Validates a value like the API server would with strict field validation (unknown fields rejected). */
function validate(schema: Schema, value: unknown, path = ''): string[] {
  const errs: string[] = [];
  if (value === null) return schema.nullable ? [] : [`${path}: null not allowed`];
  if (schema['x-kubernetes-int-or-string']) {
    return typeof value === 'string' || Number.isInteger(value) ? [] : [`${path}: must be int or string`];
  }
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${path}: must be string`];
      if (schema.enum && !schema.enum.includes(value)) errs.push(`${path}: Unsupported value: "${value}"`);
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) errs.push(`${path}: does not match ${schema.pattern}`);
      if (schema.minLength !== undefined && value.length < schema.minLength) errs.push(`${path}: too short`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) errs.push(`${path}: too long`);
      if (schema.format === 'byte' && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) errs.push(`${path}: not base64`);
      return errs;
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: must be boolean`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: must be integer`];
    case 'array':
      if (!Array.isArray(value)) return [`${path}: must be array`];
      value.forEach((v, i) => errs.push(...validate(schema.items, v, `${path}[${i}]`)));
      return errs;
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: must be object`];
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      if (schema.minProperties !== undefined && keys.length < schema.minProperties) errs.push(`${path}: should have at least ${schema.minProperties} properties`);
      if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) errs.push(`${path}: should have at most ${schema.maxProperties} properties`);
      for (const r of schema.required ?? []) if (!(r in obj)) errs.push(`${path}.${r}: Required value`);
      for (const k of keys) {
        const child = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        if (child) errs.push(...validate(child, obj[k], `${path}.${k}`));
        else if (!schema['x-kubernetes-preserve-unknown-fields'] && !(path === '.metadata')) errs.push(`${path}.${k}: unknown field`);
      }
      return errs;
    }
    default:
      return [`${path}: schema without type`];
  }
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
    expect(structuralProblems(bad, '', [])).toEqual([
      '.a: missing type',
      '.b: properties together with additionalProperties',
      '.c: array without a single items schema',
    ]);
  });

  it.each(Object.keys(crds) as (keyof typeof crds)[])('%s is structural', (kind) => {
    expect(structuralProblems(schemaOf(kind), '', [])).toEqual([]);
  });

  it.each([
    ['ExternalSecret', 'externalsecrets', 'es', 'Namespaced'],
    ['SecretStore', 'secretstores', 'ss', 'Namespaced'],
    ['ClusterSecretStore', 'clustersecretstores', 'css', 'Cluster'],
  ] as const)('%s carries ESO names, label, category, v1 storage and status subresource', (kind, plural, short, scope) => {
    const crd = crds[kind];
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.metadata.name).toBe(`${plural}.external-secrets.io`);
    expect(crd.metadata.labels['external-secrets.io/component']).toBe('controller');
    expect(crd.spec.group).toBe('external-secrets.io');
    expect(crd.spec.scope).toBe(scope);
    expect(crd.spec.names).toMatchObject({ kind, plural, shortNames: [short], categories: ['external-secrets'] });
    const stored = crd.spec.versions.filter((v: Schema) => v.storage);
    expect(stored.map((v: Schema) => v.name)).toEqual(['v1']);
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
    expect(errs).toEqual(
      expect.arrayContaining([
        '.spec.secretStoreRef.kind: Unsupported value: "Store"',
        '.spec.target.creationPolicy: Unsupported value: "Sometimes"',
        '.spec.data[0].remoteRef.decodingStrategy: Unsupported value: "Hex"',
        '.spec.dataFrom[0].rewrite[0]: should have at most 1 properties',
        '.spec.unknownField: unknown field',
      ]),
    );
    expect(errs.some((e) => e.startsWith('.spec.data[0].secretKey: does not match'))).toBe(true);
    const twoProviders = manifest('SecretStore', { provider: { vault: { server: 'x' }, fake: { data: [] } } });
    expect(validate(ssSchema, twoProviders)).toEqual(['.spec.provider: should have at most 1 properties']);
    expect(validate(ssSchema, manifest('SecretStore', { provider: { vault: {} } }))).toEqual(['.spec.provider.vault.server: Required value']);
  });
});
