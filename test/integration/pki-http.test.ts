/**
 * PKI over real HTTP: DER bodies arrive as bytes with Vault's content types, the issuer
 * endpoints Vault leaves unauthenticated need no token, and a certificate issued with a lease
 * lands on the CRL when the lease is revoked.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../support/http.js';
import { startInProcessDev, type InProcessServer } from '../support/servers.js';
import { makeTempDir, removeTempDirs } from '../support/temp.js';

let server: InProcessServer;
let v: Api;
let dir: string;

beforeAll(async () => {
  server = await startInProcessDev();
  v = api(server.address, server.rootToken);
  dir = makeTempDir('coffer-pki-http-');
  expect((await v.post('/v1/sys/mounts/pki', { type: 'pki' })).status).toBe(204);
  const root = await v.post('/v1/pki/root/generate/internal', { common_name: 'Coffer Test Root', key_type: 'ec', key_bits: 256, ttl: '24h' });
  expect(root.status).toBe(200);
  const role = await v.post('/v1/pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '1h', generate_lease: true, key_type: 'ec' });
  expect(role.status).toBe(200);
});

afterAll(async () => {
  await server.close();
  removeTempDirs();
});

async function fetchBytes(path: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(`${server.address}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8' });
}

describe('PKI over HTTP', () => {
  it('serves the CA certificate as DER bytes without a token', async () => {
    const ca = await fetchBytes('/v1/pki/ca');
    expect(ca.status).toBe(200);
    expect(ca.type).toBe('application/pkix-cert');
    expect(ca.bytes[0]).toBe(0x30); // a DER SEQUENCE, not JSON
    const file = join(dir, 'ca.der');
    writeFileSync(file, ca.bytes);
    expect(openssl(['x509', '-inform', 'DER', '-in', file, '-noout', '-subject'])).toMatch(/Coffer Test Root/);
  });

  it('serves issuer/<ref>/pem without a token', async () => {
    const pem = await fetchBytes('/v1/pki/issuer/default/pem');
    expect(pem.status).toBe(200);
    expect(pem.bytes.toString('utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('puts a leased certificate on the CRL when its lease is revoked', async () => {
    const issued = await v.post('/v1/pki/issue/web', { common_name: 'api.example.com', ttl: '10m' });
    expect(issued.status).toBe(200);
    expect(issued.json.lease_id).toMatch(/^pki\/issue\/web\/[0-9A-Za-z]{24}$/);
    // The certificate's remaining lifetime, in whole seconds.
    expect(issued.json.lease_duration).toBeGreaterThanOrEqual(599);
    expect(issued.json.lease_duration).toBeLessThanOrEqual(600);
    const serial: string = issued.json.data.serial_number;
    expect((await v.put('/v1/sys/leases/revoke', { lease_id: issued.json.lease_id })).status).toBe(204);

    const crl = await fetchBytes('/v1/pki/crl');
    expect(crl.type).toBe('application/pkix-crl');
    const file = join(dir, 'crl.der');
    writeFileSync(file, crl.bytes);
    const text = openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-text']);
    expect(text.toUpperCase()).toContain(serial.replace(/:/g, '').toUpperCase());
  });

  it('puts a leased certificate on the CRL when its lease expires', async () => {
    const issued = await v.post('/v1/pki/issue/web', { common_name: 'short.example.com', ttl: '2s' });
    expect(issued.status).toBe(200);
    const serial = String(issued.json.data.serial_number).replace(/:/g, '').toUpperCase();
    const file = join(dir, 'crl-expiry.der');
    const deadline = Date.now() + 30_000;
    for (;;) {
      writeFileSync(file, (await fetchBytes('/v1/pki/crl')).bytes);
      if (openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-text']).toUpperCase().includes(serial)) break;
      if (Date.now() > deadline) throw new Error('the expired lease did not revoke its certificate');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
