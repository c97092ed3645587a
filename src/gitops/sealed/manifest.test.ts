import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { NoKubeconfigError, joinSchemeNamePort, kubeconfigPaths, loadKubeConnection, serviceProxyPath } from './kube-client.js';
import { detectManifestFormat, formatManifest, orderSealedSecret, parseManifestFormat, parseSealedSecret, parseSecret } from './manifest.js';
import { encryptionLabel, parseScope, scopeFromAnnotations, withScopeAnnotations } from './scope.js';
import { renderTemplateData } from './template-data.js';

describe('scopes', () => {
  it('labels: strict ns/name, namespace-wide ns, cluster-wide empty', () => {
    expect(encryptionLabel('ns', 'n', 'strict').toString()).toBe('ns/n');
    expect(encryptionLabel('ns', 'n', 'namespace-wide').toString()).toBe('ns');
    expect(encryptionLabel('ns', 'n', 'cluster-wide').length).toBe(0);
  });

  it('reads annotations (cluster-wide wins, only "true" counts) and parses --scope', () => {
    const cw = 'sealedsecrets.bitnami.com/cluster-wide';
    const nw = 'sealedsecrets.bitnami.com/namespace-wide';
    expect(scopeFromAnnotations({ [cw]: 'true', [nw]: 'true' })).toBe('cluster-wide');
    expect(scopeFromAnnotations({ [nw]: 'true' })).toBe('namespace-wide');
    expect(scopeFromAnnotations({ [cw]: 'yes' })).toBe('strict');
    expect(withScopeAnnotations({ [cw]: 'true', a: 'b' }, 'namespace-wide')).toEqual({ a: 'b', [nw]: 'true' });
    expect(parseScope('')).toBe('strict');
    expect(() => parseScope('wide')).toThrow('must be one of: strict, namespace-wide, cluster-wide');
  });
});

describe('manifests', () => {
  it('parses YAML and JSON, one document, and validates shapes', () => {
    expect(parseSecret('{"metadata":{"name":"a"},"data":{"k":"dg=="}}').metadata.name).toBe('a');
    expect(() => parseSecret('')).toThrow('the input is empty');
    expect(() => parseSecret('a: [')).toThrow(/cannot parse the input Secret/);
    expect(() => parseSecret('kind: Secret\nmetadata: {name: a}\ndata: {k: 1}\n')).toThrow('data["k"] must be a string');
    expect(() => parseSealedSecret('kind: SealedSecret\napiVersion: v1\n')).toThrow('expected apiVersion bitnami.com/v1alpha1');
    expect(() => parseSealedSecret('kind: SealedSecret\napiVersion: bitnami.com/v1alpha1\nspec: {template: {data: {a: 1}}}\n')).toThrow('spec.template.data["a"] must be a string or null');
  });

  it('writes kubeseal’s JSON field order and sorted YAML without folding', () => {
    const long = 'A'.repeat(700);
    const ss = parseSealedSecret(`kind: SealedSecret\napiVersion: bitnami.com/v1alpha1\nspec: {encryptedData: {b: ${long}, a: x}, template: {type: Opaque, metadata: {name: n}}}\nmetadata: {namespace: ns, name: n}\n`);
    const json = formatManifest(orderSealedSecret(ss), 'json');
    expect(json).toBe(
      `{\n  "kind": "SealedSecret",\n  "apiVersion": "bitnami.com/v1alpha1",\n  "metadata": {\n    "name": "n",\n    "namespace": "ns",\n    "creationTimestamp": null\n  },\n  "spec": {\n    "template": {\n      "metadata": {\n        "name": "n",\n        "creationTimestamp": null\n      },\n      "type": "Opaque"\n    },\n    "encryptedData": {\n      "a": "x",\n      "b": "${long}"\n    }\n  }\n}\n`,
    );
    const yaml = formatManifest(orderSealedSecret(ss), 'yaml');
    expect(yaml.split('\n').slice(0, 5)).toEqual(['apiVersion: bitnami.com/v1alpha1', 'kind: SealedSecret', 'metadata:', '  creationTimestamp: null', '  name: n']);
    expect(yaml).toContain(`    b: ${long}\n`);
    expect(parseManifestFormat('YML')).toBe('yaml');
    expect(() => parseManifestFormat('xml')).toThrow('unsupported output format: xml');
    expect(detectManifestFormat('  {"a":1}')).toBe('json');
  });
});

describe('template data', () => {
  it('renders with missing keys an error and reports each failing key', () => {
    const { data, errors } = renderTemplateData({ ok: '{{ .a }}-{{ .b }}', gone: null, bad: '{{ .c }}' }, { a: '1', b: '2' });
    expect(data.get('ok')?.toString()).toBe('1-2');
    expect(data.get('gone')).toBeNull();
    expect(errors.map((e) => e.key)).toEqual(['bad']);
  });
});

describe('kubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-kubeconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, doc: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof doc === 'string' ? doc : stringify(doc));
    return p;
  };

  it('resolves the current context with files relative to the kubeconfig, merging KUBECONFIG lists', () => {
    write('ca.crt', 'CA-PEM');
    write('token', 'tok-123\n');
    const a = write('a', {
      'current-context': 'dev',
      contexts: [{ name: 'dev', context: { cluster: 'c', user: 'u', namespace: 'team-a' } }],
      clusters: [{ name: 'c', cluster: { server: 'https://k8s.example:6443/', 'certificate-authority': 'ca.crt' } }],
    });
    const b = write('b', { 'current-context': 'ignored', users: [{ name: 'u', user: { tokenFile: join(dir, 'token') } }] });
    const conn = loadKubeConnection({ env: { KUBECONFIG: `${a}:${b}` } });
    expect(conn).toEqual({ server: 'https://k8s.example:6443', namespace: 'team-a', ca: Buffer.from('CA-PEM'), token: 'tok-123' });
    expect(loadKubeConnection({ path: a }).token).toBeUndefined();
  });

  it('says what is missing', () => {
    expect(() => loadKubeConnection({ env: { HOME: join(dir, 'nohome') } })).toThrow(NoKubeconfigError);
    expect(() => loadKubeConnection({ path: join(dir, 'missing') })).toThrow(/cannot read kubeconfig/);
    const p = write('ctx', { 'current-context': 'x', contexts: [] });
    expect(() => loadKubeConnection({ path: p })).toThrow('context "x" not found in the kubeconfig');
    const exec = write('exec', {
      'current-context': 'x',
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      clusters: [{ name: 'c', cluster: { server: 'https://h' } }],
      users: [{ name: 'u', user: { exec: { command: 'aws' } } }],
    });
    expect(() => loadKubeConnection({ path: exec })).toThrow(/exec and auth-provider credentials are not supported/);
    expect(kubeconfigPaths({ env: { HOME: '/home/x' } })).toEqual(['/home/x/.kube/config']);
  });

  it('builds service proxy paths as client-go does', () => {
    expect(joinSchemeNamePort('http', 'ctl', '')).toBe('http:ctl:');
    expect(serviceProxyPath('kube-system', 'sealed-secrets-controller', 'http', '/v1/cert.pem')).toBe(
      '/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/cert.pem',
    );
  });
});
