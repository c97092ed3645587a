import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestBackend } from '../../sdk/testing.js';
import { dataOf, expectUserError, OpenSsl, pkiBackend } from './testing.js';

const ssl = new OpenSsl();
afterAll(() => ssl.cleanup());

let pki: TestBackend;
let rootPem: string;

beforeAll(async () => {
  pki = await pkiBackend();
  rootPem = dataOf(await pki.request('write', 'root/generate/internal', { common_name: 'Issuing Root', key_type: 'ec', ttl: '8760h' }))['certificate'];
  await pki.request('write', 'config/urls', {
    issuing_certificates: 'http://pki.test/v1/pki/ca',
    crl_distribution_points: ['http://pki.test/v1/pki/crl'],
    ocsp_servers: 'http://ocsp.test',
  });
  await pki.request('write', 'roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '72h', organization: 'Coffer' });
});

describe('roles', () => {
  it('applies Vault defaults, PATCH changes only what is sent, LIST and DELETE', async () => {
    const created = dataOf(await pki.request('write', 'roles/defaults', {}));
    expect(created).toMatchObject({
      allow_localhost: true,
      allow_subdomains: false,
      enforce_hostnames: true,
      server_flag: true,
      client_flag: true,
      code_signing_flag: false,
      key_type: 'rsa',
      key_bits: 2048,
      signature_bits: 256,
      generate_lease: false,
      no_store: false,
      require_cn: true,
      not_before_duration: 30,
      issuer_ref: 'default',
      key_usage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
    });
    await pki.request('patch', 'roles/defaults', { allow_any_name: true, ttl: '1h' });
    const patched = dataOf(await pki.request('read', 'roles/defaults'));
    expect(patched).toMatchObject({ allow_any_name: true, ttl: 3600, key_type: 'rsa', allow_localhost: true });
    // POST replaces: the ttl goes back to its default.
    await pki.request('write', 'roles/defaults', { allow_any_name: true });
    expect(dataOf(await pki.request('read', 'roles/defaults'))['ttl']).toBe(0);
    expect(dataOf(await pki.request('list', 'roles'))['keys']).toEqual(expect.arrayContaining(['defaults', 'web']));
    await pki.request('delete', 'roles/defaults');
    expect(await pki.request('read', 'roles/defaults')).toBeNull();
    await expectUserError(pki.request('patch', 'roles/missing', { ttl: 1 }), 'Unable to fetch role entry to patch');
  });

  it('refuses bad settings with 400', async () => {
    await expectUserError(pki.request('write', 'roles/bad', { ttl: '2h', max_ttl: '1h' }), '"ttl" value must be less than "max_ttl" value');
    await expectUserError(pki.request('write', 'roles/bad', { key_type: 'ec', key_bits: 4096 }), 'unsupported bit length for EC key: 4096');
    await expectUserError(pki.request('write', 'roles/bad', { key_type: 'rsa', key_bits: 1024 }), /unsafe/);
    await expectUserError(pki.request('write', 'roles/bad', { key_type: 'foo' }), 'unknown key type foo');
    await expectUserError(pki.request('write', 'roles/bad', { ext_key_usage_oids: 'not-an-oid' }), /could not be parsed as a valid oid/);
    await expectUserError(pki.request('write', 'roles/bad', { ttl: 'soon' }), /Field validation failed/);
    expect(await pki.request('read', 'roles/bad')).toBeNull();
    const warned = await pki.request('write', 'roles/lease', { no_store: true, generate_lease: true });
    expect(warned?.warnings).toContain('mutually exclusive values no_store=true and generate_lease=true were both specified; no_store=true takes priority');
  });
});

describe('issue', () => {
  it('issues a leaf with the SANs, usages and URLs, verified by openssl and stored', async () => {
    const leaf = dataOf(
      await pki.request('write', 'issue/web', { common_name: 'www.example.com', alt_names: 'api.example.com,ops@mail.example.com', ip_sans: '10.0.0.1', ttl: '24h' }),
    );
    expect(leaf['serial_number']).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    expect(leaf['private_key_type']).toBe('ec');
    expect(leaf['private_key']).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(leaf['issuing_ca']).toBe(rootPem);
    expect(leaf['ca_chain']).toEqual([rootPem]);
    expect(leaf['expiration'] - Math.floor(Date.now() / 1000)).toBeGreaterThan(24 * 3600 - 60);
    expect(ssl.verify(rootPem, leaf['certificate']).status).toBe(0);
    const text = ssl.text(leaf['certificate']);
    expect(text).toMatch(/Subject: O ?= ?Coffer, CN ?= ?www\.example\.com/);
    expect(text).toMatch(/DNS:www\.example\.com/);
    expect(text).toMatch(/DNS:api\.example\.com/);
    expect(text).toMatch(/email:ops@mail\.example\.com/);
    expect(text).toMatch(/IP Address:10\.0\.0\.1/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment, Key Agreement/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/CA Issuers - URI:http:\/\/pki\.test\/v1\/pki\/ca/);
    expect(text).toMatch(/OCSP - URI:http:\/\/ocsp\.test/);
    expect(text).toMatch(/CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/pki\.test\/v1\/pki\/crl/);
    expect(text).not.toMatch(/CA:TRUE/);
    // The private key belongs to the certificate.
    const keyPub = ssl.run(['pkey', '-pubout', '-in', ssl.write('leaf.key', leaf['private_key'])]);
    expect(keyPub).toBe(ssl.run(['x509', '-pubkey', '-noout', '-in', ssl.write('leaf.crt', leaf['certificate'])]));
    // Stored under certs/ with dashes, listed and fetched with colons.
    expect(pki.storage.entries.has(`certs/${leaf['serial_number'].replace(/:/g, '-')}`)).toBe(true);
    expect(dataOf(await pki.request('list', 'certs'))['keys']).toContain(leaf['serial_number']);
    expect(dataOf(await pki.request('read', `cert/${leaf['serial_number']}`))).toMatchObject({ certificate: leaf['certificate'], revocation_time: 0 });
    const raw = await pki.request('read', `cert/${leaf['serial_number'].replace(/:/g, '-')}/raw/pem`);
    expect(raw?.raw?.body).toBe(`${leaf['certificate']}\n`);
  });

  it('server/client/code-signing flags drive the extended key usages', async () => {
    await pki.request('write', 'roles/client', { allow_any_name: true, key_type: 'ec', server_flag: false, client_flag: true, code_signing_flag: true });
    const text = ssl.text(dataOf(await pki.request('write', 'issue/client', { common_name: 'svc-a' }))['certificate']);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication, Code Signing/);
    expect(text).not.toMatch(/Server Authentication/);
  });

  it('issues RSA and Ed25519 leaves, in der, pem_bundle and pkcs8 forms', async () => {
    await pki.request('write', 'roles/rsa', { allow_any_name: true, key_type: 'rsa', key_bits: 2048 });
    const rsa = dataOf(await pki.request('write', 'issue/rsa', { common_name: 'rsa.test', format: 'der', private_key_format: 'pkcs8' }));
    expect(rsa['private_key_type']).toBe('rsa');
    ssl.write('rsa.der', Buffer.from(rsa['certificate'], 'base64'));
    const pem = ssl.run(['x509', '-inform', 'DER', '-in', 'rsa.der']);
    expect(ssl.verify(rootPem, pem).status).toBe(0);
    expect(ssl.run(['pkey', '-inform', 'DER', '-noout', '-text', '-in', ssl.write('rsa.key.der', Buffer.from(rsa['private_key'], 'base64'))])).toMatch(/Private-Key: \(2048 bit/);

    await pki.request('write', 'roles/ed', { allow_any_name: true, key_type: 'ed25519' });
    const ed = dataOf(await pki.request('write', 'issue/ed', { common_name: 'ed.test', format: 'pem_bundle' }));
    expect(ed['private_key_type']).toBe('ed25519');
    expect(ed['certificate']).toMatch(/^-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
    expect(ssl.verify(rootPem, ed['certificate']).status).toBe(0);
  });

  it('refuses names the role does not allow, naming the rule', async () => {
    const err = await expectUserError(pki.request('write', 'issue/web', { common_name: 'www.example.org' }), 'common name www.example.org not allowed by this role');
    expect(err.details[0]).toMatch(/allowed_domains \[example\.com\] with allow_bare_domains=false, allow_subdomains=true/);
    await expectUserError(pki.request('write', 'issue/web', { common_name: 'example.com' }), 'common name example.com not allowed by this role');
    await expectUserError(pki.request('write', 'issue/web', { common_name: 'a.example.com', alt_names: 'evil.test' }), 'subject alternate name evil.test not allowed by this role');
    await expectUserError(pki.request('write', 'issue/web', { common_name: 'a.example.com', alt_names: 'bad_name!' }), /is not a valid DNS name/);
    await expectUserError(pki.request('write', 'issue/web', { common_name: 'a.example.com', ip_sans: 'not-an-ip' }), 'the value "not-an-ip" is not a valid IP address');
    await expectUserError(pki.request('write', 'issue/web', { common_name: 'a.example.com', uri_sans: 'spiffe://x' }), /URI Subject Alternative Names are not allowed in this role/);
    await expectUserError(pki.request('write', 'issue/web', {}), /the common_name field is required/);
    await expectUserError(pki.request('write', 'issue/nope', { common_name: 'a.example.com' }), 'unknown role: nope');
    await pki.request('write', 'roles/noip', { allow_any_name: true, allow_ip_sans: false, key_type: 'ec' });
    await expectUserError(pki.request('write', 'issue/noip', { common_name: 'x', ip_sans: '10.0.0.1' }), 'IP Subject Alternative Names are not allowed in this role, but was provided [10.0.0.1]');
  });

  it('caps the ttl at max_ttl with a warning, and honours leaf_not_after_behavior', async () => {
    const resp = await pki.request('write', 'issue/web', { common_name: 'a.example.com', ttl: '100h' });
    expect(resp?.warnings).toEqual(['TTL "100h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used']);
    expect(dataOf(resp)['expiration'] - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(72 * 3600);

    await pki.request('write', 'roles/long', { allow_any_name: true, key_type: 'ec', max_ttl: '87600h' });
    await expectUserError(pki.request('write', 'issue/long', { common_name: 'x', ttl: '17520h' }), /beyond the expiration of the CA certificate/);
    await pki.request('write', 'issuer/default', { leaf_not_after_behavior: 'truncate' });
    const truncated = dataOf(await pki.request('write', 'issue/long', { common_name: 'x', ttl: '17520h' }));
    const rootEnd = ssl.run(['x509', '-noout', '-enddate', '-in', ssl.write('r.pem', rootPem)]);
    expect(ssl.run(['x509', '-noout', '-enddate', '-in', ssl.write('t.pem', truncated['certificate'])])).toBe(rootEnd);
    await pki.request('write', 'issuer/default', { leaf_not_after_behavior: 'err' });
    await expectUserError(pki.request('write', 'issue/long', { common_name: 'x', ttl: '1h', not_after: '2030-01-01T00:00:00Z' }), /Either ttl or not_after/);
  });

  it('no_store skips storage; generate_lease returns a pki lease carrying the serial', async () => {
    await pki.request('write', 'roles/nostore', { allow_any_name: true, key_type: 'ec', no_store: true });
    const n = dataOf(await pki.request('write', 'issue/nostore', { common_name: 'x' }));
    expect(pki.storage.entries.has(`certs/${n['serial_number'].replace(/:/g, '-')}`)).toBe(false);

    await pki.request('write', 'roles/leased', { allow_any_name: true, key_type: 'ec', generate_lease: true });
    const resp = await pki.request('write', 'issue/leased', { common_name: 'x', ttl: '1h' });
    expect(resp?.secret).toMatchObject({ kind: 'pki', renewable: false, internalData: { serial_number: dataOf(resp)['serial_number'] } });
    expect(resp?.secret?.ttl).toBeGreaterThan(3500);
    expect(resp?.secret?.ttl).toBeLessThanOrEqual(3600);
    expect((await pki.request('write', 'issue/web', { common_name: 'b.example.com' }))?.secret).toBeUndefined();
  });
});

describe('sign', () => {
  const csrFor = (subj: string, key: string, extra: string[] = []): string => {
    ssl.run(['req', '-new', '-newkey', key, '-nodes', '-keyout', 'csr.key', '-out', 'req.csr', '-subj', subj, ...extra]);
    return readFileSync(`${ssl.dir}/req.csr`, 'utf8');
  };

  it('signs an openssl CSR: CN and SANs from the CSR, checked against the role', async () => {
    const csr = csrFor('/CN=app.example.com', 'ec', ['-pkeyopt', 'ec_paramgen_curve:P-256', '-addext', 'subjectAltName=DNS:app2.example.com']);
    const signed = dataOf(await pki.request('write', 'sign/web', { csr, ttl: '1h' }));
    expect(signed['private_key']).toBeUndefined();
    expect(ssl.verify(rootPem, signed['certificate']).status).toBe(0);
    const text = ssl.text(signed['certificate']);
    expect(text).toMatch(/CN ?= ?app\.example\.com/);
    expect(text).toMatch(/DNS:app\.example\.com/);
    expect(text).toMatch(/DNS:app2\.example\.com/);
    // The certificate carries the CSR's key.
    expect(ssl.run(['x509', '-pubkey', '-noout', '-in', ssl.write('s.pem', signed['certificate'])])).toBe(ssl.run(['pkey', '-pubout', '-in', 'csr.key']));

    const evil = csrFor('/CN=app.example.com', 'ec', ['-pkeyopt', 'ec_paramgen_curve:P-256', '-addext', 'subjectAltName=DNS:evil.test']);
    await expectUserError(pki.request('write', 'sign/web', { csr: evil }), 'subject alternate name evil.test not allowed by this role');
    const rsaCsr = csrFor('/CN=app.example.com', 'rsa:2048');
    await expectUserError(pki.request('write', 'sign/web', { csr: rsaCsr }), 'role requires keys of type ec');
  });

  it('refuses bad CSRs with 400', async () => {
    await expectUserError(pki.request('write', 'sign/web', { csr: 'not a csr' }), /certificate request could not be parsed/);
    await expectUserError(
      pki.request('write', 'sign/web', { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIBAAAA\n-----END CERTIFICATE REQUEST-----' }),
      /certificate request could not be parsed/,
    );
    await expectUserError(pki.request('write', 'sign/web', {}), '"csr" is empty');
    // A CSR whose signature does not match its contents.
    const good = csrFor('/CN=tamper.example.com', 'ec', ['-pkeyopt', 'ec_paramgen_curve:P-256']);
    const der = Buffer.from(good.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('tamper'));
    der[at] = 'x'.charCodeAt(0);
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----`;
    await expectUserError(pki.request('write', 'sign/web', { csr: tampered }), 'request signature invalid');
  });

  it('sign-verbatim keeps the CSR subject and allows any name', async () => {
    const csr = csrFor('/O=Verbatim Org/CN=Anything Goes', 'rsa:2048', ['-addext', 'subjectAltName=DNS:whatever.test']);
    const signed = dataOf(await pki.request('write', 'sign-verbatim', { csr, ttl: '1h', exclude_cn_from_sans: true }));
    const text = ssl.text(signed['certificate']);
    expect(text).toMatch(/Subject: O ?= ?Verbatim Org, CN ?= ?Anything Goes/);
    expect(text).toMatch(/DNS:whatever\.test/);
    expect(ssl.verify(rootPem, signed['certificate']).status).toBe(0);
  });
});
