/**
 * A throwaway cluster CA and an apiserver serving certificate for 127.0.0.1/localhost,
 * made with the `openssl` binary (node:crypto cannot issue X.509 certificates).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export async function generateServingCertificate(commonName = 'kube-apiserver'): Promise<ServingCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-kube-tls-'));
  const p = (name: string): string => join(dir, name);
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await run('openssl', [
      'req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2',
      '-subj', '/CN=coffer-test-kubernetes-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', ['req', '-new', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', `/CN=${commonName}`]);
    await writeFile(
      p('ext.cnf'),
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
        '',
      ].join('\n'),
    );
    await run('openssl', [
      'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-out', p('server.crt'), '-days', '2', '-extfile', p('ext.cnf'),
    ]);
    const [caPem, certPem, keyPem] = await Promise.all([readFile(p('ca.crt'), 'utf8'), readFile(p('server.crt'), 'utf8'), readFile(p('server.key'), 'utf8')]);
    return { caPem, certPem, keyPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
