import { afterAll, describe, expect, it } from 'vitest';
import { dataOf, expectUserError, OpenSsl, pkiBackend } from './testing.js';

const ssl = new OpenSsl();
afterAll(() => ssl.cleanup());

describe('root CA generation', () => {
  for (const [keyType, keyBits, algo] of [
    ['rsa', 2048, /Public-Key: \(2048 bit\)/],
    ['rsa', 3072, /Public-Key: \(3072 bit\)/],
    ['ec', 256, /ASN1 OID: prime256v1/],
    ['ec', 384, /ASN1 OID: secp384r1/],
    ['ed25519', 0, /ED25519/],
  ] as const) {
    it(`${keyType}${keyBits ? `-${keyBits}` : ''}: a self-signed CA openssl verifies`, async () => {
      const pki = await pkiBackend();
      const root = dataOf(
        await pki.request('write', 'root/generate/internal', {
          common_name: 'Coffer Root',
          key_type: keyType,
          key_bits: keyBits,
          ttl: '8760h',
          organization: 'Coffer',
          country: 'NL',
          issuer_name: 'root-1',
          max_path_length: 2,
        }),
      );
      expect(root['serial_number']).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
      expect(root['issuer_name']).toBe('root-1');
      expect(root['private_key']).toBeUndefined();
      expect(typeof root['expiration']).toBe('number');
      const text = ssl.text(root['certificate']);
      expect(text).toMatch(algo);
      expect(text).toMatch(/Subject: C ?= ?NL, O ?= ?Coffer, CN ?= ?Coffer Root/);
      expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:2/);
      expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
      expect(ssl.verify(root['certificate'], root['certificate']).status).toBe(0);
      // The default issuer's certificate is served as PEM and DER.
      const pem = await pki.request('read', 'ca/pem');
      expect(pem?.raw?.contentType).toBe('application/pem-certificate-chain');
      expect(String(pem?.raw?.body).trim()).toBe(root['certificate']);
      const der = await pki.request('read', 'ca');
      expect(der?.raw?.contentType).toBe('application/pkix-cert');
      expect(Buffer.isBuffer(der?.raw?.body)).toBe(true);
    });
  }

  it('exported returns the key, PKCS#8 on request; the key matches the certificate', async () => {
    const pki = await pkiBackend();
    const root = dataOf(await pki.request('write', 'root/generate/exported', { common_name: 'r', key_type: 'ec', private_key_format: 'pkcs8' }));
    expect(root['private_key_type']).toBe('ec');
    expect(root['private_key']).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const keyPub = ssl.run(['pkey', '-pubout', '-in', ssl.write('k.pem', root['private_key'])]);
    const certPub = ssl.run(['x509', '-pubkey', '-noout', '-in', ssl.write('c.pem', root['certificate'])]);
    expect(keyPub).toBe(certPub);
    const rsa = dataOf(await pki.request('write', 'root/generate/exported', { common_name: 'r2', format: 'der' }));
    expect(Buffer.from(rsa['private_key'], 'base64').length).toBeGreaterThan(1000);
    expect(() => ssl.run(['x509', '-inform', 'DER', '-noout', '-in', ssl.write('c.der', Buffer.from(rsa['certificate'], 'base64'))])).not.toThrow();
  });

  it('caps ttl at the mount max with a warning, and refuses bad key parameters with 400', async () => {
    const pki = await pkiBackend({ maxLeaseTtl: 3600 });
    const resp = await pki.request('write', 'root/generate/internal', { common_name: 'r', key_type: 'ec', ttl: '87600h' });
    expect(resp?.warnings?.[0]).toBe('TTL "87600h0m0s" is longer than permitted maxTTL "1h0m0s", so maxTTL is being used');
    await expectUserError(pki.request('write', 'root/generate/internal', { common_name: 'r', key_type: 'rsa', key_bits: 1024 }), 'RSA keys < 2048 bits are unsafe and not supported: got 1024');
    await expectUserError(pki.request('write', 'root/generate/internal', { common_name: 'r', key_type: 'ec', key_bits: 2048 }), 'unsupported bit length for EC key: 2048');
    await expectUserError(pki.request('write', 'root/generate/internal', { common_name: 'r', key_type: 'dsa' }), 'unknown key type dsa');
    await expectUserError(pki.request('write', 'root/generate/internal', { key_type: 'ec' }), 'the common_name field is required');
    await expectUserError(pki.request('write', 'root/generate/bogus', { common_name: 'r' }), /invalid type "bogus"/);
    await expectUserError(pki.request('write', 'root/generate/internal', { common_name: 'r', issuer_name: 'default' }), /reserved keyword/);
  });
});

describe('intermediate CA', () => {
  it('root signs an intermediate CSR; set-signed makes it the issuer; its leaves verify to the root', async () => {
    const rootMount = await pkiBackend();
    const interMount = await pkiBackend();
    const root = dataOf(await rootMount.request('write', 'root/generate/internal', { common_name: 'Root CA', key_type: 'ec', ttl: '87600h' }));
    const csr = dataOf(await interMount.request('write', 'intermediate/generate/internal', { common_name: 'Intermediate CA', key_type: 'ec', key_bits: 384 }));
    expect(csr['csr']).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(csr['private_key']).toBeUndefined();
    expect(ssl.run(['req', '-noout', '-verify', '-in', ssl.write('i.csr', csr['csr'])])).toBeDefined();
    const signed = dataOf(await rootMount.request('write', 'root/sign-intermediate', { csr: csr['csr'], common_name: 'Intermediate CA', ttl: '43800h' }));
    expect(signed['issuing_ca']).toBe(root['certificate']);
    expect(ssl.text(signed['certificate'])).toMatch(/CA:TRUE/);
    expect(ssl.verify(root['certificate'], signed['certificate']).status).toBe(0);

    const imported = dataOf(await interMount.request('write', 'intermediate/set-signed', { certificate: `${signed['certificate']}\n${root['certificate']}` }));
    expect((imported['imported_issuers'] as string[]).length).toBe(2);
    const interId = Object.entries(imported['mapping'] as Record<string, string>).find(([, key]) => key === csr['key_id'])?.[0];
    expect(interId).toBeDefined();
    expect(dataOf(await interMount.request('read', 'config/issuers'))['default']).toBe(interId);
    // Importing again changes nothing.
    expect(dataOf(await interMount.request('write', 'intermediate/set-signed', { certificate: signed['certificate'] }))['existing_issuers']).toEqual([interId]);

    await interMount.request('write', 'roles/svc', { allowed_domains: 'svc.example', allow_subdomains: true, key_type: 'ec' });
    const leaf = dataOf(await interMount.request('write', 'issue/svc', { common_name: 'api.svc.example', ttl: '1h' }));
    expect(leaf['issuing_ca']).toBe(signed['certificate']);
    expect(leaf['ca_chain']).toEqual([signed['certificate'], root['certificate']]);
    const ok = ssl.verify(root['certificate'], leaf['certificate'], [signed['certificate']]);
    expect(ok.output).toMatch(/OK/);
    expect(ok.status).toBe(0);
    // Without the intermediate the chain does not build.
    expect(ssl.verify(root['certificate'], leaf['certificate']).status).not.toBe(0);
    const noRoots = dataOf(await interMount.request('write', 'issue/svc', { common_name: 'b.svc.example', remove_roots_from_chain: true }));
    expect(noRoots['ca_chain']).toEqual([signed['certificate']]);
  });

  it('config/ca imports an openssl-made CA and issues from it', async () => {
    ssl.run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=OpenSSL CA', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE']);
    const { readFileSync } = await import('node:fs');
    const key = readFileSync(`${ssl.dir}/ca.key`, 'utf8');
    const crt = readFileSync(`${ssl.dir}/ca.crt`, 'utf8');
    const pki = await pkiBackend();
    const imported = dataOf(await pki.request('write', 'config/ca', { pem_bundle: `${key}\n${crt}` }));
    expect(imported['imported_keys']).toHaveLength(1);
    expect(imported['imported_issuers']).toHaveLength(1);
    // A CA made this second: leaves cannot be back-dated before it (Vault refuses that too).
    await pki.request('write', 'roles/any', { allow_any_name: true, ttl: '1h' });
    await expectUserError(pki.request('write', 'issue/any', { common_name: 'x.example.net' }), "notBefore before signer's notBefore");
    await pki.request('write', 'roles/any', { allow_any_name: true, ttl: '1h', not_before_duration: 0 });
    const leaf = dataOf(await pki.request('write', 'issue/any', { common_name: 'x.example.net' }));
    expect(ssl.verify(crt, leaf['certificate']).status).toBe(0);
    await expectUserError(pki.request('write', 'config/ca', { pem_bundle: 'garbage' }), 'no data found in PEM bundle');
    await expectUserError(pki.request('write', 'config/ca', { pem_bundle: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }), /unable to parse/);
  });
});

describe('issuers', () => {
  it('lists, names, reads, picks the default per request, deletes; DELETE root clears all', async () => {
    const pki = await pkiBackend();
    const a = dataOf(await pki.request('write', 'root/generate/internal', { common_name: 'A', key_type: 'ec', issuer_name: 'a', ttl: '8760h' }));
    const b = dataOf(await pki.request('write', 'root/generate/internal', { common_name: 'B', key_type: 'ec', issuer_name: 'b', ttl: '8760h' }));
    const list = dataOf(await pki.request('list', 'issuers'));
    expect(list['keys']).toEqual([a['issuer_id'], b['issuer_id']]);
    expect(list['key_info'][a['issuer_id']]).toMatchObject({ issuer_name: 'a', is_default: true });
    expect(dataOf(await pki.request('read', 'issuer/b'))['certificate']).toBe(b['certificate']);
    expect(dataOf(await pki.request('read', 'issuer/default/json'))['issuer_id']).toBe(a['issuer_id']);
    expect((await pki.request('read', 'issuer/b/pem'))?.raw?.body).toBe(`${b['certificate']}\n`);

    await pki.request('write', 'roles/r', { allow_any_name: true, key_type: 'ec' });
    const fromA = dataOf(await pki.request('write', 'issue/r', { common_name: 'x.test' }));
    expect(fromA['issuing_ca']).toBe(a['certificate']);
    const fromB = dataOf(await pki.request('write', 'issuer/b/issue/r', { common_name: 'x.test' }));
    expect(fromB['issuing_ca']).toBe(b['certificate']);
    await expectUserError(pki.request('write', 'issuer/nope/issue/r', { common_name: 'x.test' }), 'unable to find PKI issuer for reference: nope');

    await pki.request('write', 'config/issuers', { default: 'b' });
    expect(dataOf(await pki.request('write', 'issue/r', { common_name: 'x.test' }))['issuing_ca']).toBe(b['certificate']);
    await pki.request('write', 'issuer/b', { issuer_name: 'bee' });
    expect(dataOf(await pki.request('read', 'issuer/bee'))['issuer_id']).toBe(b['issuer_id']);
    await expectUserError(pki.request('write', 'issuer/bee', { issuer_name: 'a' }), 'issuer name already in use');
    await expectUserError(pki.request('write', 'issuer/bee', { leaf_not_after_behavior: 'never' }), /invalid leaf_not_after_behavior/);

    const del = await pki.request('delete', 'issuer/bee');
    expect(del?.warnings?.[0]).toMatch(/previously the default/);
    await expectUserError(pki.request('write', 'issue/r', { common_name: 'x.test' }), 'no default issuer currently configured');
    expect(await pki.request('delete', 'root')).toBeNull();
    expect(await pki.request('list', 'issuers')).toEqual({ data: { keys: [], key_info: {} } });
    expect((await pki.request('read', 'ca/pem'))?.raw?.status).toBe(204);
    expect([...pki.storage.entries.keys()].filter((k) => k.startsWith('key/'))).toEqual([]);
  });

  it('never stores a key outside key/ and never returns an internal key', async () => {
    const pki = await pkiBackend();
    const root = dataOf(await pki.request('write', 'root/generate/internal', { common_name: 'K', key_type: 'ec' }));
    const keyEntry = JSON.parse(Buffer.from(pki.storage.entries.get(`key/${root['key_id']}`) ?? []).toString()) as { private_key: string };
    const der = keyEntry.private_key.replace(/-----[^-]+-----|\s/g, '');
    for (const [k, v] of pki.storage.entries) {
      if (!k.startsWith('key/')) expect(Buffer.from(v).toString()).not.toContain(der.slice(20, 60));
    }
    const read = JSON.stringify(await pki.request('read', `issuer/${root['issuer_id']}`));
    expect(read).not.toContain('PRIVATE KEY');
  });
});
