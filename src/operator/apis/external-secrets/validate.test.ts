import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExternalSecret, ExternalSecretSpec, GenericStore, SecretStoreSpec } from './types.js';
import { validateExternalSecret, validateSecretStore } from './validate.js';

const es = (spec: ExternalSecretSpec): ExternalSecret => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'app', namespace: 'team-a' },
  spec,
});
const oneKey = { data: [{ secretKey: 'password', remoteRef: { key: 'db' } }] };

describe('validateExternalSecret', () => {
  it('accepts a minimal ExternalSecret', () => {
    expect(validateExternalSecret(es({ secretStoreRef: { name: 's' }, ...oneKey }))).toEqual([]);
  });

  it('requires data or dataFrom', () => {
    expect(validateExternalSecret(es({ secretStoreRef: { name: 's' } }))).toEqual(['either data or dataFrom should be specified']);
    expect(validateExternalSecret(es({ data: [], dataFrom: [] }))).toEqual(['either data or dataFrom should be specified']);
  });

  it.each(['Merge', 'None', 'CreateOrMerge'] as const)('rejects deletionPolicy=Delete with creationPolicy=%s', (creationPolicy) => {
    expect(validateExternalSecret(es({ ...oneKey, target: { creationPolicy, deletionPolicy: 'Delete' } }))).toContain(
      "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner",
    );
  });

  it('allows deletionPolicy=Delete with Owner, explicit or defaulted', () => {
    expect(validateExternalSecret(es({ ...oneKey, target: { creationPolicy: 'Owner', deletionPolicy: 'Delete' } }))).toEqual([]);
    expect(validateExternalSecret(es({ ...oneKey, target: { deletionPolicy: 'Delete' } }))).toEqual([]);
  });

  it('rejects deletionPolicy=Merge with creationPolicy=None', () => {
    expect(validateExternalSecret(es({ ...oneKey, target: { creationPolicy: 'None', deletionPolicy: 'Merge' } }))).toEqual([
      'deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with',
    ]);
    expect(validateExternalSecret(es({ ...oneKey, target: { creationPolicy: 'Merge', deletionPolicy: 'Merge' } }))).toEqual([]);
  });

  it('rejects duplicate secretKey only with deletionPolicy=Retain (the default)', () => {
    const data = [
      { secretKey: 'a', remoteRef: { key: 'x' } },
      { secretKey: 'a', remoteRef: { key: 'y' } },
    ];
    expect(validateExternalSecret(es({ data }))).toEqual(['duplicate secretKey found: a']);
    expect(validateExternalSecret(es({ data, target: { deletionPolicy: 'Delete' } }))).toEqual([]);
  });

  it('flags every repeated secretKey and nothing else (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 8 }), (keys) => {
        const errs = validateExternalSecret(es({ data: keys.map((k) => ({ secretKey: k, remoteRef: { key: k } })) }));
        const seen = new Set<string>();
        const expected: string[] = [];
        for (const k of keys) {
          if (seen.has(k)) expected.push(`duplicate secretKey found: ${k}`);
          seen.add(k);
        }
        expect(errs).toEqual(expected);
      }),
    );
  });

  it('needs exactly one of extract/find/generatorRef in each dataFrom', () => {
    expect(validateExternalSecret(es({ dataFrom: [{ extract: { key: 'a' }, find: { path: 'p' } }] }))).toEqual([
      'extract, find, or generatorRef cannot be set at the same time',
    ]);
    expect(
      validateExternalSecret(es({ dataFrom: [{ find: { path: 'p' }, sourceRef: { generatorRef: { kind: 'Password', name: 'pw' } } }] })),
    ).toEqual(['extract, find, or generatorRef cannot be set at the same time']);
    expect(validateExternalSecret(es({ dataFrom: [{ rewrite: [] }] }))).toEqual(['either extract, find, or sourceRef must be set to dataFrom']);
    expect(validateExternalSecret(es({ dataFrom: [{ sourceRef: {} }] }))).toEqual([
      'generatorRef or storeRef must be set when using sourceRef in dataFrom',
    ]);
    // extract with a storeRef override is the documented way to read from another store.
    expect(validateExternalSecret(es({ dataFrom: [{ extract: { key: 'a' }, sourceRef: { storeRef: { name: 'other' } } }] }))).toEqual([]);
  });

  it('needs exactly one rewrite kind per rewrite entry', () => {
    const rw = (rewrite: NonNullable<NonNullable<ExternalSecretSpec['dataFrom']>[number]['rewrite']>) =>
      validateExternalSecret(es({ dataFrom: [{ find: { name: { regexp: '.*' } }, rewrite }] }));
    expect(rw([{ regexp: { source: 'a', target: 'b' } }, { transform: { template: '{{ .value }}' } }])).toEqual([]);
    expect(rw([{ regexp: { source: 'a', target: 'b' }, transform: { template: 'x' } }])).toEqual([
      'spec.dataFrom[0].rewrite[0]: Too many: 2: must have at most 1 items',
    ]);
    expect(rw([{ merge: {} }, {}])).toEqual([
      'spec.dataFrom[0].rewrite[1]: Invalid value: 0: spec.dataFrom[0].rewrite[1] in body should have at least 1 properties',
    ]);
  });

  it('rejects privileged template types', () => {
    expect(validateExternalSecret(es({ ...oneKey, target: { template: { type: 'bootstrap.kubernetes.io/token' } } }))).toEqual([
      'template.type="bootstrap.kubernetes.io/token" is not allowed',
    ]);
    const saToken = {
      type: 'kubernetes.io/service-account-token',
      metadata: { annotations: { 'kubernetes.io/service-account.name': 'admin' } },
    };
    expect(validateExternalSecret(es({ ...oneKey, target: { template: saToken } }))).toEqual([
      'template.type="kubernetes.io/service-account-token" with annotation "kubernetes.io/service-account.name" is not allowed',
    ]);
    expect(
      validateExternalSecret(
        es({ ...oneKey, target: { template: { type: 'kubernetes.io/service-account-token', templateFrom: [{ literal: 'x', target: 'annotations' }] } } }),
      ),
    ).toEqual(['template.type="kubernetes.io/service-account-token" with templateFrom target="Annotations" is not allowed']);
    expect(validateExternalSecret(es({ ...oneKey, target: { template: { type: 'kubernetes.io/tls' } } }))).toEqual([]);
  });

  it('restricts templateFrom targets for Secret targets only', () => {
    const template = { templateFrom: [{ literal: 'x', target: 'metadata.ownerReferences' }, { literal: 'y', target: 'labels' }] };
    expect(validateExternalSecret(es({ ...oneKey, target: { template } }))).toEqual([
      'templateFrom target="metadata.ownerReferences" is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"',
    ]);
    expect(
      validateExternalSecret(es({ ...oneKey, target: { template, manifest: { apiVersion: 'v1', kind: 'ConfigMap' } } })),
    ).toEqual([]);
  });

  it('reports every violation at once', () => {
    expect(validateExternalSecret(es({ target: { creationPolicy: 'None', deletionPolicy: 'Delete' } }))).toEqual([
      "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner",
      'either data or dataFrom should be specified',
    ]);
  });
});

const store = (spec: SecretStoreSpec, kind: 'SecretStore' | 'ClusterSecretStore' = 'SecretStore'): GenericStore =>
  ({
    apiVersion: 'external-secrets.io/v1',
    kind,
    metadata: kind === 'SecretStore' ? { name: 'vault', namespace: 'team-a' } : { name: 'vault' },
    spec,
  }) as GenericStore;
const server = 'https://vault.example:8200';

describe('validateSecretStore', () => {
  it('accepts a vault store with token auth', () => {
    expect(validateSecretStore(store({ provider: { vault: { server, auth: { tokenSecretRef: { name: 't', key: 'token' } } } } }))).toEqual([]);
  });

  it('requires exactly one provider', () => {
    expect(validateSecretStore(store({ provider: {} }))).toEqual([
      'store error for vault: secret stores must only have exactly one backend specified, found 0',
    ]);
    expect(validateSecretStore(store({ provider: { vault: { server }, fake: { data: [] } } }))).toEqual([
      'store error for vault: secret stores must only have exactly one backend specified, found 2',
    ]);
    // A JSON null is Go's nil pointer: it does not count as a provider.
    expect(validateSecretStore(store({ provider: { vault: { server }, aws: null } }))).toEqual([]);
  });

  it('rejects an AppRole without roleId or roleRef', () => {
    expect(validateSecretStore(store({ provider: { vault: { server, auth: { appRole: { secretRef: { name: 's', key: 'k' } } } } } }))).toEqual([
      'invalid Auth.AppRole: neither `roleId` nor `roleRef` was supplied',
    ]);
    expect(
      validateSecretStore(store({ provider: { vault: { server, auth: { appRole: { roleRef: { name: 'r', key: 'id' }, secretRef: { name: 's' } } } } } })),
    ).toEqual([]);
  });

  it('rejects jwt auth without a token source', () => {
    expect(validateSecretStore(store({ provider: { vault: { server, auth: { jwt: { role: 'r' } } } } }))).toEqual([
      'neither `secretRef` nor `kubernetesServiceAccountToken` was supplied as token source for jwt authentication',
    ]);
  });

  it('refuses foreign namespaces in a namespaced store but allows them in a cluster store', () => {
    const spec: SecretStoreSpec = {
      provider: { vault: { server, auth: { kubernetes: { role: 'r', serviceAccountRef: { name: 'sa', namespace: 'other' } } } } },
    };
    expect(validateSecretStore(store(spec))).toEqual([
      'invalid Auth.Kubernetes.ServiceAccountRef: namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore',
    ]);
    expect(validateSecretStore(store(spec, 'ClusterSecretStore'))).toEqual([]);
    const own: SecretStoreSpec = { provider: { vault: { server, auth: { tokenSecretRef: { name: 't', namespace: 'team-a' } } } } };
    expect(validateSecretStore(store(own))).toEqual([]);
  });

  it('needs both or neither client TLS refs', () => {
    expect(validateSecretStore(store({ provider: { vault: { server, tls: { certSecretRef: { name: 'c' } } } } }))).toEqual([
      'when provided, both ClientTLS.ClientCert and ClientTLS.SecretRef should be provided',
    ]);
  });

  it('rejects namespace regexes that do not compile, before looking at the provider', () => {
    const errs = validateSecretStore(store({ provider: {}, conditions: [{ namespaceRegexes: ['^ok$', '(unclosed'] }] }, 'ClusterSecretStore'));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^failed to compile 1th namespace regex in 0th condition: /);
  });

  it('accepts stores for providers Coffer does not implement', () => {
    expect(validateSecretStore(store({ provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } } }))).toEqual([]);
  });
});
