import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeConfigFor, loadKubeConfig } from './kubeconfig.js';

function kubeconfig(server: string, namespace?: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: { server: "${server}" }
users:
- name: u
  user: { token: t }
contexts:
- name: ctx
  context: { cluster: c, user: u${namespace !== undefined ? `, namespace: ${namespace}` : ''} }
current-context: ctx
`;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'coffer-kc-'));
}

describe('loadKubeConfig', () => {
  it('prefers --kubeconfig, then KUBECONFIG, then ~/.kube/config', () => {
    const dir = tmp();
    const flag = join(dir, 'flag');
    const env = join(dir, 'env');
    writeFileSync(flag, kubeconfig('https://flag.example:6443', 'ops'));
    writeFileSync(env, kubeconfig('https://env.example:6443'));
    const home = tmp();
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), kubeconfig('https://home.example:6443'));

    const a = loadKubeConfig({ path: flag, env: { KUBECONFIG: env }, home });
    expect(a.source).toBe('flag');
    expect(a.kc.getCurrentCluster()?.server).toBe('https://flag.example:6443');
    expect(a.namespace).toBe('ops');

    const b = loadKubeConfig({ env: { KUBECONFIG: `${join(dir, 'missing')}:${env}` }, home });
    expect(b.source).toBe('env');
    expect(b.kc.getCurrentCluster()?.server).toBe('https://env.example:6443');

    const c = loadKubeConfig({ env: {}, home });
    expect(c.source).toBe('home');
    expect(c.kc.getCurrentCluster()?.server).toBe('https://home.example:6443');
  });

  it('falls back to the in-cluster ServiceAccount and reads its namespace', () => {
    const sa = tmp();
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'ca.crt'), '');
    writeFileSync(join(sa, 'namespace'), 'coffer-system\n');
    const loaded = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, home: tmp(), serviceAccountDir: sa });
    expect(loaded.source).toBe('in-cluster');
    expect(loaded.namespace).toBe('coffer-system');
  });

  it('refuses to guess when nothing is configured', () => {
    expect(() => loadKubeConfig({ env: {}, home: tmp(), serviceAccountDir: tmp() })).toThrow(/no Kubernetes configuration found/);
    expect(() => loadKubeConfig({ env: { KUBECONFIG: '/nonexistent/a' }, home: tmp() })).toThrow(/KUBECONFIG names no existing file/);
  });
});

describe('kubeConfigFor', () => {
  it('builds a one-context config with a bearer token', () => {
    const kc = kubeConfigFor({ server: 'https://127.0.0.1:6443', token: 'abc', namespace: 'x' });
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(kc.getCurrentUser()?.token).toBe('abc');
  });
});
