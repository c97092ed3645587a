/**
 * `coffer seal` end to end, in-process: sealing from a Secret file with `--cert`, `--raw`,
 * `--merge-into`, and — against the in-process Kubernetes API server with a service proxy in
 * front of a Sealed Secrets controller made of our HTTP handlers — fetching the certificate
 * through the proxy, `--validate`, `--re-encrypt`, `coffer seal backup` and
 * `--recovery-unseal` with the backup.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/context.js';
import {
  KeyRegistry,
  createSealedHttpHandler,
  generateSealingKey,
  keyToSecret,
  parseDocuments,
  parseSealedSecret,
  unsealSealedSecret,
  type SealedSecret,
  type SealingKey,
  type Secret,
} from '../../src/gitops/sealed/index.js';
import { secretsType, start, type KubeTestServer } from '../support/kube/index.js';
import { registerServices, servicesType, startServiceProxy, type ServiceProxy } from '../support/kube/service-proxy.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

let dir: string;
let kube: KubeTestServer;
let proxy: ServiceProxy;
let registry: KeyRegistry;
let key1: SealingKey;
let key2: SealingKey;
let certFile: string;
let kubeconfig: string;

async function coffer(argv: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  stdin.end(options.stdin ?? '');
  const io: CliIo = {
    stdout,
    stderr,
    stdin,
    env: { HOME: dir, KUBECONFIG: kubeconfig, ...(options.env ?? {}) },
    signals: { on: () => undefined, off: () => undefined },
    loadServer: () => Promise.reject(new Error('no server in this test')),
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

function ok(run: Run): Run {
  expect(run.code, run.err).toBe(0);
  return run;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const SECRET_YAML = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: team-a
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"${b64('hunter2')}"}}'
type: Opaque
data:
  password: ${b64('hunter2')}
stringData:
  user: admin
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'coffer-sealed-it-'));
  [key1, key2] = await Promise.all([
    generateSealingKey({ keySize: 2048, name: 'sealed-secrets-key1', now: new Date(Date.now() - 86_400_000) }),
    generateSealingKey({ keySize: 2048, name: 'sealed-secrets-key2' }),
  ]);
  registry = new KeyRegistry([key1]);
  certFile = file('cert.pem', key1.certificatePem);

  kube = await start();
  registerServices(kube);
  kube.store.create(servicesType, 'kube-system', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'sealed-secrets-controller' },
    spec: { ports: [{ name: 'http', port: 8080 }] },
  });
  proxy = await startServiceProxy(kube, { 'kube-system/sealed-secrets-controller': createSealedHttpHandler({ registry, rateLimit: { rate: 1000, burst: 1000 } }) });
  const caFile = file('proxy-ca.pem', proxy.caPem);
  kubeconfig = file(
    'kubeconfig',
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'test',
      clusters: [{ name: 'test', cluster: { server: proxy.url, 'certificate-authority': caFile } }],
      users: [{ name: 'admin', user: { token: kube.adminToken } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin', namespace: 'team-a' } }],
    }),
  );
});

afterAll(async () => {
  await proxy?.close();
  await kube?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('coffer seal with --cert', () => {
  it('seals a Secret file into a SealedSecret the controller opens', async () => {
    const input = file('secret.yaml', SECRET_YAML);
    const run = ok(await coffer(['seal', '--cert', certFile, '-f', input, '--format', 'yaml']));
    expect(run.out).not.toContain('last-applied-configuration');
    expect(run.out).not.toContain(b64('hunter2'));
    const ss = parseSealedSecret(run.out);
    expect(ss.metadata).toMatchObject({ name: 'db', namespace: 'team-a' });
    const secret = unsealSealedSecret(ss, registry);
    expect(unb64(secret.data?.['password'])).toBe('hunter2');
    expect(unb64(secret.data?.['user'])).toBe('admin');
    expect(secret.type).toBe('Opaque');
  });

  it('reads stdin, writes JSON by default and -w files atomically (YAML by extension)', async () => {
    const json = ok(await coffer(['seal', '--cert', certFile], { stdin: SECRET_YAML }));
    const parsed = JSON.parse(json.out) as SealedSecret;
    expect(Object.keys(parsed)).toEqual(['kind', 'apiVersion', 'metadata', 'spec']);
    expect(parsed.metadata).toEqual({ name: 'db', namespace: 'team-a', creationTimestamp: null });

    const out = join(dir, 'out.yaml');
    ok(await coffer(['seal', '--cert', certFile, '-w', out], { stdin: SECRET_YAML }));
    expect(readFileSync(out, 'utf8')).toMatch(/^apiVersion: bitnami\.com\/v1alpha1\nkind: SealedSecret\n/);
  });

  it('applies --scope and tells what is wrong with bad input', async () => {
    const run = ok(await coffer(['seal', '--cert', certFile, '--scope', 'cluster-wide'], { stdin: SECRET_YAML }));
    const ss = JSON.parse(run.out) as SealedSecret;
    expect(ss.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/cluster-wide': 'true' });
    const moved = { ...ss, metadata: { ...ss.metadata, name: 'x', namespace: 'y' } };
    expect(unb64(unsealSealedSecret(moved, registry).data?.['user'])).toBe('admin');

    const bad = await coffer(['seal', '--cert', certFile, '--scope', 'galaxy'], { stdin: SECRET_YAML });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('must be one of: strict, namespace-wide, cluster-wide');
    const empty = await coffer(['seal', '--cert', certFile], { stdin: 'apiVersion: v1\nkind: Secret\nmetadata: {name: e, namespace: n}\n' });
    expect(empty.err).toContain('--allow-empty-data');
    ok(await coffer(['seal', '--cert', certFile, '--allow-empty-data'], { stdin: 'apiVersion: v1\nkind: Secret\nmetadata: {name: e, namespace: n}\n' }));
    const multi = await coffer(['seal', '--cert', certFile], { stdin: `${SECRET_YAML}---\n${SECRET_YAML}` });
    expect(multi.err).toContain('multiple documents');
    const notSecret = await coffer(['seal', '--cert', certFile], { stdin: 'kind: ConfigMap\nmetadata: {name: x}\n' });
    expect(notSecret.err).toContain('expected a Secret');
    const missing = await coffer(['seal', '--cert', join(dir, 'nope.pem')], { stdin: SECRET_YAML });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('ENOENT');
  });

  it('takes the namespace from the kubeconfig context when the Secret has none', async () => {
    const noNs = 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {k: v}\n';
    const ss = JSON.parse(ok(await coffer(['seal', '--cert', certFile], { stdin: noNs })).out) as SealedSecret;
    expect(ss.metadata.namespace).toBe('team-a');
    const viaFlag = JSON.parse(ok(await coffer(['seal', '--cert', certFile, '-n', 'team-z'], { stdin: noNs })).out) as SealedSecret;
    expect(viaFlag.metadata.namespace).toBe('team-z');
    const none = await coffer(['seal', '--cert', certFile], { stdin: noNs, env: { KUBECONFIG: join(dir, 'missing-kubeconfig') } });
    expect(none.err).toContain('input secret has no namespace and cannot infer the namespace automatically');
  });
});

describe('coffer seal --raw and --merge-into', () => {
  it('seals one value from a file or stdin, with kubeseal’s checks', async () => {
    const pw = file('pw.txt', 'from-a-file');
    const value = ok(await coffer(['seal', '--raw', '--cert', certFile, '--from-file', `password=${pw}`, '--name', 'db', '--namespace', 'team-a'])).out;
    expect(value).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const ss: SealedSecret = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'db', namespace: 'team-a' }, spec: { encryptedData: { password: value } } };
    expect(unb64(unsealSealedSecret(ss, registry).data?.['password'])).toBe('from-a-file');

    const fromStdin = ok(await coffer(['seal', '--raw', '--cert', certFile, '--scope', 'namespace-wide'], { stdin: 'piped' })).out;
    const nsWide: SealedSecret = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'any', namespace: 'team-a', annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' } },
      spec: { encryptedData: { v: fromStdin } },
    };
    expect(unb64(unsealSealedSecret(nsWide, registry).data?.['v'])).toBe('piped');

    expect((await coffer(['seal', '--raw', '--cert', certFile, '--namespace', 'a'], { stdin: 'x' })).err).toContain('must provide the --name flag with --raw and --scope strict');
    expect((await coffer(['seal', '--cert', certFile, '--from-file', pw], { stdin: 'x' })).err).toContain('--from-file requires --raw');
    expect((await coffer(['seal', '--raw', '--cert', certFile, '--name', 'a', '--from-file', `${pw},${pw}`], { stdin: 'x' })).err).toContain('only one --from-file');
  });

  it('merges items into a SealedSecret file in place, keeping its format and scope', async () => {
    const target = join(dir, 'merge.yaml');
    ok(await coffer(['seal', '--cert', certFile, '--scope', 'namespace-wide', '-w', target], { stdin: SECRET_YAML }));
    const more = 'apiVersion: v1\nkind: Secret\nmetadata: {name: ignored}\nstringData: {password: rotated, token: t0k}\n';
    const run = ok(await coffer(['seal', '--cert', certFile, '--merge-into', target], { stdin: more }));
    expect(run.out).toBe('');
    const text = readFileSync(target, 'utf8');
    expect(text.startsWith('apiVersion:')).toBe(true);
    const secret = unsealSealedSecret(parseSealedSecret(text), registry);
    expect(Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, unb64(v)]))).toEqual({ password: 'rotated', token: 't0k', user: 'admin' });
  });
});

describe('through the API server service proxy', () => {
  it('fetches the certificate with the kubeconfig credentials', async () => {
    const before = proxy.proxied.length;
    const run = ok(await coffer(['seal'], { stdin: SECRET_YAML }));
    const ss = JSON.parse(run.out) as SealedSecret;
    expect(unb64(unsealSealedSecret(ss, registry).data?.['password'])).toBe('hunter2');
    expect(proxy.proxied.slice(before)).toEqual([{ method: 'GET', namespace: 'kube-system', service: 'sealed-secrets-controller', port: 'http', path: '/v1/cert.pem', status: 200 }]);
    expect(ok(await coffer(['seal', '--fetch-cert'])).out).toBe(key1.certificatePem);
  });

  it('explains a wrong controller name or a bad token', async () => {
    const wrong = await coffer(['seal', '--controller-name', 'nope'], { stdin: SECRET_YAML });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('cannot get sealed secret service');
    expect(wrong.err).toContain('--controller-name and --controller-namespace');

    const badConfig = file(
      'kubeconfig-bad',
      stringify({
        'current-context': 'c',
        clusters: [{ name: 'k', cluster: { server: proxy.url, 'certificate-authority-data': b64(proxy.caPem) } }],
        users: [{ name: 'u', user: { token: 'wrong-token' } }],
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      }),
    );
    const denied = await coffer(['seal', '--kubeconfig', badConfig], { stdin: SECRET_YAML });
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/cannot get sealed secret service: .*Unauthorized/i);
  });

  it('validates a SealedSecret with the controller', async () => {
    const sealedFile = join(dir, 'validate.json');
    ok(await coffer(['seal', '--cert', certFile, '-w', sealedFile], { stdin: SECRET_YAML }));
    ok(await coffer(['seal', '--validate', '-f', sealedFile]));
    const other = await generateSealingKey({ keySize: 2048 });
    const foreign = file('foreign.pem', other.certificatePem);
    const foreignSealed = ok(await coffer(['seal', '--cert', foreign], { stdin: SECRET_YAML })).out;
    const invalid = await coffer(['seal', '--validate'], { stdin: foreignSealed });
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain('unable to decrypt sealed secret');
  });

  it('re-encrypts a SealedSecret file in place for the newest key', async () => {
    const sealedFile = join(dir, 'rotate.yaml');
    ok(await coffer(['seal', '--cert', certFile, '-w', sealedFile], { stdin: SECRET_YAML }));
    const before = parseSealedSecret(readFileSync(sealedFile, 'utf8'));
    registry.add(key2);
    try {
      ok(await coffer(['seal', '--re-encrypt', '-f', sealedFile]));
      const after = parseSealedSecret(readFileSync(sealedFile, 'utf8'));
      expect(after.spec.template).toEqual(before.spec.template);
      expect(after.spec.encryptedData?.['password']).not.toBe(before.spec.encryptedData?.['password']);
      expect(unb64(unsealSealedSecret(after, [key2.privateKey]).data?.['password'])).toBe('hunter2');
      expect(() => unsealSealedSecret(after, [key1.privateKey])).toThrow(/no key could decrypt/);
    } finally {
      registry = new KeyRegistry([key1]);
    }
  });
});

describe('coffer seal backup and --recovery-unseal', () => {
  it('exports the key Secrets and opens SealedSecrets offline with them', async () => {
    for (const k of [key1, key2]) kube.store.create(secretsType, 'kube-system', keyToSecret(k, { namespace: 'kube-system' }) as never);
    kube.store.create(secretsType, 'kube-system', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated' }, data: { x: b64('y') } });

    const backup = ok(await coffer(['seal', 'backup']));
    expect(backup.err).toContain('2 key(s) exported');
    const [list] = parseDocuments(backup.out, 'backup') as [{ kind: string; items: Secret[] }];
    expect(list.kind).toBe('List');
    expect(list.items.map((s) => s.metadata.name).sort()).toEqual(['sealed-secrets-key1', 'sealed-secrets-key2']);
    expect(list.items.every((s) => s.metadata.uid === undefined && s.metadata.labels?.['sealedsecrets.bitnami.com/sealed-secrets-key'] === 'active')).toBe(true);
    const backupFile = file('backup.yaml', backup.out);

    const sealed = ok(await coffer(['seal', '--cert', file('cert2.pem', key2.certificatePem), '-o', 'yaml'], { stdin: SECRET_YAML })).out;
    const sealedFile = file('to-recover.yaml', sealed);
    const run = ok(await coffer(['seal', '--recovery-unseal', '--recovery-private-key', backupFile, '-f', sealedFile, '-o', 'yaml']));
    const [secret] = parseDocuments(run.out, 'secret') as [Secret];
    expect(secret.kind).toBe('Secret');
    expect(secret.metadata).toMatchObject({ name: 'db', namespace: 'team-a' });
    expect(unb64(secret.data?.['password'])).toBe('hunter2');

    // A PEM key works too (comma-separated list), and the wrong key says so.
    const pem = file('key1.pem', key1.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
    const wrong = await coffer(['seal', '--recovery-unseal', '--recovery-private-key', `${pem},${pem}`, '-f', sealedFile]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('no key could decrypt secret (password, user)');
    expect(wrong.err).not.toContain('hunter2');
  });

  it('says when the namespace holds no keys', async () => {
    const run = await coffer(['seal', 'backup', '--controller-namespace', 'default']);
    expect(run.code).toBe(1);
    expect(run.err).toContain('no sealing keys found in namespace default');
  });
});
