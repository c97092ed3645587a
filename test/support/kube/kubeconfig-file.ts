/**
 * A kubeconfig file for the test server with its admin token (and the CA beside it), for
 * processes that read one: the operator CLI as a child, the benchmark. Mode 0600: it holds a token.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeTestServer } from './server.js';

/** Writes `<dir>/ca.pem` and `<dir>/kubeconfig`; returns the kubeconfig's path. */
export function writeKubeconfig(dir: string, kube: KubeTestServer): string {
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, kube.caPem);
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'test',
      clusters: [{ name: 'test', cluster: { server: kube.url, 'certificate-authority': caFile } }],
      users: [{ name: 'admin', user: { token: kube.adminToken } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin', namespace: 'kube-system' } }],
    }),
    { mode: 0o600 },
  );
  return path;
}
