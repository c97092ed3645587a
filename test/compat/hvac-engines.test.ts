/**
 * The exact requests hvac 0.11.2 sends to the database, transit and PKI engines and to
 * `sys/leases` (reference: vault-engines-perf.md §5.2, §5.4), with the methods, paths and
 * bodies hvac uses and the response fields it reads. The database engine runs against a real
 * PostgreSQL started by the harness.
 *
 * Runs against any server with `COFFER_COMPAT_ADDR` (e.g. `vault server -dev` on the same
 * machine, which reaches the harness's PostgreSQL on 127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, stopAllDatabases, type TestDatabase } from '../support/databases/index.js';
import { api, compatTarget, rawRequest, unique, type Api, type CompatTarget } from '../support/index.js';
import { removeTempDirs } from '../support/temp.js';

let target: CompatTarget;
let v: Api;
let pg: TestDatabase;
const mounts = { database: unique('database'), transit: unique('transit'), pki: unique('pki') };

beforeAll(async () => {
  target = await compatTarget();
  v = api(target.addr, target.token);
  pg = await startPostgres();
  for (const [type, path] of Object.entries(mounts)) {
    // hvac: client.sys.enable_secrets_engine(backend_type, path=…) → POST sys/mounts/{path}
    expect((await v.post(`/v1/sys/mounts/${path}`, { type, description: '', config: {}, options: {} })).status).toBe(204);
  }
}, 60_000);

afterAll(async () => {
  for (const path of Object.values(mounts)) await v?.delete(`/v1/sys/mounts/${path}`);
  await target?.close();
  await stopAllDatabases();
  removeTempDirs();
});

describe('client.secrets.database + client.sys leases', () => {
  it('configure, create_role, generate_credentials, then renew_lease, read_lease, list_leases, revoke_lease', async () => {
    const m = mounts.database;
    // configure(name, plugin_name, verify_connection, allowed_roles, root_rotation_statements, **kwargs)
    const configured = await v.post(`/v1/${m}/config/pg`, {
      plugin_name: 'postgresql-database-plugin',
      verify_connection: true,
      allowed_roles: ['app'],
      root_rotation_statements: [],
      connection_url: pg.connectionUrl,
      username: pg.superuser,
      password: pg.superpassword,
    });
    expect(configured.status).toBe(204);
    const config = await v.get(`/v1/${m}/config/pg`);
    expect(config.json.data).toMatchObject({ plugin_name: 'postgresql-database-plugin', allowed_roles: ['app'] });
    expect(config.json.data.connection_details).not.toHaveProperty('password');
    expect((await v.list(`/v1/${m}/config`)).json.data.keys).toEqual(['pg']);

    // create_role(name, db_name, creation_statements, default_ttl, max_ttl, revocation_statements, rollback_statements, renew_statements)
    const role = await v.post(`/v1/${m}/roles/app`, {
      db_name: 'pg',
      creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
      default_ttl: 3600,
      max_ttl: 86400,
      revocation_statements: [],
      rollback_statements: [],
      renew_statements: [],
    });
    expect(role.status).toBe(204);
    const readRole = await v.get(`/v1/${m}/roles/app`);
    expect(readRole.json.data).toMatchObject({ db_name: 'pg', default_ttl: 3600, max_ttl: 86400 });

    // generate_credentials(name) → GET creds/{name}
    const creds = await v.get(`/v1/${m}/creds/app`);
    expect(creds.status).toBe(200);
    expect(creds.json).toMatchObject({ renewable: true, lease_duration: 3600 });
    expect(Object.keys(creds.json.data).sort()).toEqual(['password', 'username']);
    const leaseId: string = creds.json.lease_id;
    expect(leaseId.startsWith(`${m}/creds/app/`)).toBe(true);

    // client.sys.read_lease(lease_id) → PUT sys/leases/lookup
    const lookup = await v.put('/v1/sys/leases/lookup', { lease_id: leaseId });
    expect(Object.keys(lookup.json.data).sort()).toEqual(['expire_time', 'id', 'issue_time', 'last_renewal', 'renewable', 'ttl']);
    // client.sys.list_leases(prefix) → LIST sys/leases/lookup/{prefix}
    const listed = await v.list(`/v1/sys/leases/lookup/${m}/creds/app`);
    expect(listed.json.data.keys).toEqual([leaseId.slice(`${m}/creds/app/`.length)]);
    // client.sys.renew_lease(lease_id, increment) → PUT sys/leases/renew
    const renewed = await v.put('/v1/sys/leases/renew', { lease_id: leaseId, increment: 1800 });
    expect(renewed.json).toMatchObject({ lease_id: leaseId, lease_duration: 1800, renewable: true, data: null });
    // client.sys.revoke_lease(lease_id) → PUT sys/leases/revoke
    expect((await v.put('/v1/sys/leases/revoke', { lease_id: leaseId })).status).toBe(204);
    const gone = await v.put('/v1/sys/leases/lookup', { lease_id: leaseId });
    expect(gone.status).toBe(400);
    expect(gone.json.errors).toEqual(['invalid lease']);
  });

  it('create_static_role and static-creds, reset and the list calls', async () => {
    const m = mounts.database;
    const user = unique('static_user').replace(/-/g, '_');
    await pg.query(`CREATE ROLE "${user}" WITH LOGIN PASSWORD 'x'`);
    await v.post(`/v1/${m}/config/pg`, { allowed_roles: ['app', 'static-app'] });
    // create_static_role(name, db_name, username, rotation_statements, rotation_period)
    const created = await v.post(`/v1/${m}/static-roles/static-app`, { db_name: 'pg', username: user, rotation_statements: [], rotation_period: 86400 });
    expect(created.status).toBe(204);
    const sc = await v.get(`/v1/${m}/static-creds/static-app`);
    expect(sc.json.lease_id).toBe('');
    expect(sc.json.data).toMatchObject({ username: user, rotation_period: 86400 });
    expect(typeof sc.json.data.last_vault_rotation).toBe('string');
    expect((await v.list(`/v1/${m}/static-roles`)).json.data.keys).toEqual(['static-app']);
    expect((await v.list(`/v1/${m}/roles`)).json.data.keys).toEqual(['app']);
    expect((await v.post(`/v1/${m}/reset/pg`)).status).toBe(204);
    expect((await v.delete(`/v1/${m}/static-roles/static-app`)).status).toBe(204);
  });
});

describe('client.secrets.transit', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it('create_key, encrypt_data, decrypt_data, rotate_key, rewrap_data, generate_data_key, hmac, sign/verify, random, hash, backup/restore', async () => {
    const m = mounts.transit;
    // create_key(name, convergent_encryption, derived, exportable, allow_plaintext_backup, key_type)
    // Vault ≥ 1.14 answers the create with the key's description (200).
    expect((await v.post(`/v1/${m}/keys/app`, { exportable: true, allow_plaintext_backup: true, type: 'aes256-gcm96' })).status).toBeLessThan(300);
    const key = await v.get(`/v1/${m}/keys/app`);
    expect(key.json.data).toMatchObject({ name: 'app', type: 'aes256-gcm96', latest_version: 1, exportable: true });
    expect((await v.list(`/v1/${m}/keys`)).json.data.keys).toEqual(['app']);

    const enc = await v.post(`/v1/${m}/encrypt/app`, { plaintext: b64('hello') });
    expect(enc.json.data.ciphertext).toMatch(/^vault:v1:/);
    const dec = await v.post(`/v1/${m}/decrypt/app`, { ciphertext: enc.json.data.ciphertext });
    expect(Buffer.from(dec.json.data.plaintext, 'base64').toString()).toBe('hello');
    expect((await v.post(`/v1/${m}/keys/app/rotate`)).status).toBeLessThan(300);
    const rewrapped = await v.post(`/v1/${m}/rewrap/app`, { ciphertext: enc.json.data.ciphertext });
    expect(rewrapped.json.data.ciphertext).toMatch(/^vault:v2:/);
    const dk = await v.post(`/v1/${m}/datakey/plaintext/app`, { bits: 256 });
    expect(Buffer.from(dk.json.data.plaintext, 'base64')).toHaveLength(32);
    expect(dk.json.data.ciphertext).toMatch(/^vault:v2:/);
    const hmac = await v.post(`/v1/${m}/hmac/app`, { input: b64('msg'), algorithm: 'sha2-256' });
    expect(hmac.json.data.hmac).toMatch(/^vault:v2:/);
    const verifyHmac = await v.post(`/v1/${m}/verify/app`, { input: b64('msg'), hmac: hmac.json.data.hmac });
    expect(verifyHmac.json.data.valid).toBe(true);

    await v.post(`/v1/${m}/keys/signer`, { type: 'ecdsa-p256' });
    const sig = await v.post(`/v1/${m}/sign/signer`, { input: b64('doc'), hash_algorithm: 'sha2-256', marshaling_algorithm: 'asn1' });
    const verified = await v.post(`/v1/${m}/verify/signer`, { input: b64('doc'), signature: sig.json.data.signature, hash_algorithm: 'sha2-256' });
    expect(verified.json.data.valid).toBe(true);

    const random = await v.post(`/v1/${m}/random`, { bytes: 16, format: 'hex' });
    expect(random.json.data.random_bytes).toMatch(/^[0-9a-f]{32}$/);
    const hash = await v.post(`/v1/${m}/hash`, { input: b64('abc'), algorithm: 'sha2-256', format: 'hex' });
    expect(hash.json.data.sum).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');

    const exported = await v.get(`/v1/${m}/export/encryption-key/app/1`);
    expect(Buffer.from(exported.json.data.keys['1'], 'base64')).toHaveLength(32);
    const backup = await v.get(`/v1/${m}/backup/app`);
    expect(typeof backup.json.data.backup).toBe('string');
    expect((await v.post(`/v1/${m}/restore/app-copy`, { backup: backup.json.data.backup })).status).toBe(204);
    const fromCopy = await v.post(`/v1/${m}/decrypt/app-copy`, { ciphertext: rewrapped.json.data.ciphertext });
    expect(Buffer.from(fromCopy.json.data.plaintext, 'base64').toString()).toBe('hello');
  });
});

describe('client.secrets.pki', () => {
  it('generate_root, create_or_update_role, generate_certificate, read_ca_certificate (text), revoke_certificate, read_crl (text)', async () => {
    const m = mounts.pki;
    const root = await v.post(`/v1/${m}/root/generate/internal`, { common_name: 'hvac root', ttl: '87600h' });
    expect(root.json.data.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(root.json.data.serial_number).toMatch(/^([0-9a-f]{2}:)+[0-9a-f]{2}$/);
    await v.post(`/v1/${m}/config/urls`, { issuing_certificates: [`${target.addr}/v1/${m}/ca`], crl_distribution_points: [`${target.addr}/v1/${m}/crl`] });
    expect((await v.post(`/v1/${m}/roles/web`, { allowed_domains: ['example.com'], allow_subdomains: true, max_ttl: '72h' })).status).toBeLessThan(300);
    expect((await v.list(`/v1/${m}/roles`)).json.data.keys).toEqual(['web']);

    const cert = await v.post(`/v1/${m}/issue/web`, { common_name: 'www.example.com' });
    expect(cert.status).toBe(200);
    expect(Object.keys(cert.json.data)).toEqual(expect.arrayContaining(['certificate', 'issuing_ca', 'ca_chain', 'private_key', 'private_key_type', 'serial_number', 'expiration']));
    const refused = await v.post(`/v1/${m}/issue/web`, { common_name: 'www.example.org' });
    expect(refused.status).toBe(400);

    // hvac returns the text body of ca/pem and crl/pem, read without a token.
    const caPem = await rawRequest(target.addr, 'GET', `/v1/${m}/ca/pem`);
    expect(caPem.status).toBe(200);
    expect(caPem.text.trim()).toBe(String(root.json.data.certificate).trim());
    expect((await v.list(`/v1/${m}/certs`)).json.data.keys).toContain(cert.json.data.serial_number);
    const read = await rawRequest(target.addr, 'GET', `/v1/${m}/cert/${cert.json.data.serial_number}`);
    expect(read.json.data.certificate.trim()).toBe(cert.json.data.certificate.trim());

    const revoked = await v.post(`/v1/${m}/revoke`, { serial_number: cert.json.data.serial_number });
    expect(revoked.status).toBe(200);
    expect(typeof revoked.json.data.revocation_time).toBe('number');
    const crlPem = await rawRequest(target.addr, 'GET', `/v1/${m}/crl/pem`);
    expect(crlPem.text).toMatch(/^-----BEGIN X509 CRL-----/);
    expect((await v.list(`/v1/${m}/certs/revoked`)).json.data.keys).toContain(cert.json.data.serial_number);
  });
});
