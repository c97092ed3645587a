import { afterAll, describe, expect, it } from 'vitest';
import type { BackendSpec } from '../../sdk/index.js';
import { Clock, dataOf, expectUserError, OpenSsl, pkiBackend } from './testing.js';
import type { TestBackend } from '../../sdk/testing.js';

const ssl = new OpenSsl();
afterAll(() => ssl.cleanup());

async function setup(clock?: Clock): Promise<{ pki: TestBackend; root: string }> {
  const pki = await pkiBackend(clock ? { clock } : {});
  const root = dataOf(await pki.request('write', 'root/generate/internal', { common_name: 'CRL Root', key_type: 'ec', ttl: '8760h' }))['certificate'] as string;
  await pki.request('write', 'roles/r', { allow_any_name: true, key_type: 'ec', ttl: '1h' });
  return { pki, root };
}

/** Serials in a CRL as openssl prints them, lowercased with colons. */
function crlSerials(text: string): string[] {
  return [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => (m[1] ?? '').toLowerCase().match(/../g)?.join(':') ?? '');
}

describe('revoke and CRL', () => {
  it('a revoked serial is in the DER and PEM CRLs and openssl -crl_check refuses the certificate', async () => {
    const { pki, root } = await setup();
    const live = dataOf(await pki.request('write', 'issue/r', { common_name: 'live.test' }));
    const gone = dataOf(await pki.request('write', 'issue/r', { common_name: 'gone.test' }));
    const crlBefore = (await pki.request('read', 'crl/pem'))?.raw?.body as string;
    expect(ssl.verify(`${root}\n${crlBefore}`, gone['certificate'], [], ['-crl_check']).status).toBe(0);

    const revoked = dataOf(await pki.request('write', 'revoke', { serial_number: gone['serial_number'] }));
    expect(revoked['state']).toBe('revoked');
    expect(revoked['revocation_time']).toBeGreaterThan(0);
    expect(revoked['revocation_time_rfc3339']).toMatch(/^\d{4}-\d\d-\d\dT/);

    const der = await pki.request('read', 'crl');
    expect(der?.raw?.contentType).toBe('application/pkix-crl');
    const derText = ssl.run(['crl', '-inform', 'DER', '-noout', '-text', '-in', ssl.write('crl.der', der?.raw?.body as Buffer)]);
    expect(crlSerials(derText)).toEqual([gone['serial_number']]);
    expect(derText).toMatch(/CRL Number:\s+2/);
    const pem = await pki.request('read', 'crl/pem');
    expect(pem?.raw?.contentType).toBe('application/x-pem-file');
    const pemText = ssl.run(['crl', '-noout', '-text', '-in', ssl.write('crl.pem', pem?.raw?.body as string)]);
    expect(crlSerials(pemText)).toEqual([gone['serial_number']]);
    // The CRL is signed by the root.
    expect(ssl.tryRun(['crl', '-noout', '-CAfile', ssl.write('root.pem', root), '-in', 'crl.pem']).output).toMatch(/verify OK/);

    const refused = ssl.verify(`${root}\n${pem?.raw?.body as string}`, gone['certificate'], [], ['-crl_check']);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/certificate revoked/);
    expect(ssl.verify(`${root}\n${pem?.raw?.body as string}`, live['certificate'], [], ['-crl_check']).status).toBe(0);

    const info = dataOf(await pki.request('read', `cert/${gone['serial_number']}`));
    expect(info['revocation_time']).toBe(revoked['revocation_time']);
    expect(dataOf(await pki.request('list', 'certs/revoked'))['keys']).toEqual([gone['serial_number']]);
    // JSON forms of the CRL.
    expect(dataOf(await pki.request('read', 'cert/crl'))['certificate']).toBe((pem?.raw?.body as string).trim());
    expect(dataOf(await pki.request('read', 'issuer/default/crl'))['crl']).toBe((pem?.raw?.body as string).trim());
    // Revoking again keeps the first time.
    expect(dataOf(await pki.request('write', 'revoke', { serial_number: gone['serial_number'].replace(/:/g, '-') }))['revocation_time']).toBe(revoked['revocation_time']);
  });

  it('revokes by certificate and with key; refuses unknown serials, issuers and bad input', async () => {
    const { pki } = await setup();
    const a = dataOf(await pki.request('write', 'issue/r', { common_name: 'a.test' }));
    expect(dataOf(await pki.request('write', 'revoke', { certificate: a['certificate'] }))['state']).toBe('revoked');
    const b = dataOf(await pki.request('write', 'issue/r', { common_name: 'b.test' }));
    const other = dataOf(await pki.request('write', 'issue/r', { common_name: 'c.test' }));
    await expectUserError(pki.request('write', 'revoke-with-key', { serial_number: b['serial_number'], private_key: other['private_key'] }), /public keys differ/);
    expect(dataOf(await pki.request('write', 'revoke-with-key', { serial_number: b['serial_number'], private_key: b['private_key'] }))['state']).toBe('revoked');

    await expectUserError(pki.request('write', 'revoke', { serial_number: '01:02:03' }), 'certificate with serial 01:02:03 not found.');
    await expectUserError(pki.request('write', 'revoke', { serial_number: 'xyz' }), /invalid serial number/);
    await expectUserError(pki.request('write', 'revoke', {}), 'The serial number must be provided');
    await expectUserError(pki.request('write', 'revoke', { serial_number: a['serial_number'], certificate: a['certificate'] }), /not both/);
    const issuer = dataOf(await pki.request('read', 'issuer/default'));
    await expectUserError(pki.request('write', 'revoke', { serial_number: issuer['serial_number'] }), /to its own CRL is not allowed/);
  });

  it('config/crl sets the expiry; disable publishes an empty CRL; crl/rotate rebuilds', async () => {
    const { pki } = await setup();
    const a = dataOf(await pki.request('write', 'issue/r', { common_name: 'a.test' }));
    await pki.request('write', 'revoke', { serial_number: a['serial_number'] });
    expect(dataOf(await pki.request('write', 'config/crl', { expiry: '24h' }))['expiry']).toBe('24h');
    const read = async (): Promise<string> => {
      const body = (await pki.request('read', 'crl'))?.raw?.body as Buffer;
      return ssl.run(['crl', '-inform', 'DER', '-noout', '-text', '-in', ssl.write('c.der', body)]);
    };
    const withExpiry = await read();
    const last = Date.parse(/Last Update: (.+)/.exec(withExpiry)?.[1] ?? '');
    const next = Date.parse(/Next Update: (.+)/.exec(withExpiry)?.[1] ?? '');
    expect(next - last).toBe(24 * 3600 * 1000);
    await pki.request('write', 'config/crl', { disable: true });
    expect(crlSerials(await read())).toEqual([]);
    await pki.request('write', 'config/crl', { disable: false });
    expect(dataOf(await pki.request('read', 'crl/rotate'))).toEqual({ success: true });
    expect(crlSerials(await read())).toEqual([a['serial_number']]);
    await expectUserError(pki.request('write', 'config/crl', { expiry: 'whenever' }), /could not be decoded/);
    await expectUserError(pki.request('write', 'config/urls', { issuing_certificates: 'not a url' }), /invalid URL found in issuing_certificates/);
  });
});

describe('leases', () => {
  it('revoking a generate_lease certificate through the SecretKind puts its serial in the CRL', async () => {
    const pki = await pkiBackend();
    await pki.request('write', 'root/generate/internal', { common_name: 'Lease Root', key_type: 'ec', ttl: '8760h' });
    await pki.request('write', 'roles/leased', { allow_any_name: true, key_type: 'ec', generate_lease: true });
    const resp = await pki.request('write', 'issue/leased', { common_name: 'leased.test', ttl: '1h' });
    const secret = resp?.secret;
    expect(secret?.kind).toBe('pki');
    const spec: BackendSpec = pki.backend.spec;
    const kind = spec.secrets?.find((s) => s.type === secret?.kind);
    expect(kind).toBeDefined();
    await kind?.revoke({
      leaseId: `pki/issue/leased/abc`,
      storage: pki.storage,
      mount: pki.mount,
      internalData: secret?.internalData ?? {},
      increment: 0,
      issueTimeMs: Date.now(),
      expireTimeMs: Date.now() + 3600_000,
    });
    const crl = (await pki.request('read', 'crl/pem'))?.raw?.body as string;
    expect(crlSerials(ssl.run(['crl', '-noout', '-text', '-in', ssl.write('lease.crl', crl)]))).toEqual([dataOf(resp)['serial_number']]);
    // A lease whose certificate is gone revokes nothing and does not fail.
    await expect(
      kind?.revoke({ leaseId: 'x', storage: pki.storage, mount: pki.mount, internalData: { serial_number: '0a:0b' }, increment: 0, issueTimeMs: 0, expireTimeMs: 0 }),
    ).resolves.toBeUndefined();
  });
});

describe('tidy', () => {
  it('removes expired certificates and expired revocations after the safety buffer', async () => {
    const clock = new Clock();
    const { pki } = await setup(clock);
    const a = dataOf(await pki.request('write', 'issue/r', { common_name: 'a.test', ttl: '1h' }));
    const b = dataOf(await pki.request('write', 'issue/r', { common_name: 'b.test', ttl: '1h' }));
    await pki.request('write', 'revoke', { serial_number: b['serial_number'] });
    await expectUserError(pki.request('write', 'tidy', {}), /at least one of/);

    // Nothing has expired yet.
    const started = await pki.request('write', 'tidy', { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '1h' });
    expect(started?.httpStatus).toBe(202);
    await waitTidy(pki);
    expect(dataOf(await pki.request('list', 'certs'))['keys']).toEqual(expect.arrayContaining([a['serial_number'], b['serial_number']]));

    clock.offsetMs = 3 * 3600_000;
    await pki.request('write', 'tidy', { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '1h' });
    const status = await waitTidy(pki);
    expect(status).toMatchObject({ state: 'Finished', cert_store_deleted_count: 1, revoked_cert_deleted_count: 1 });
    const left = dataOf(await pki.request('list', 'certs'))['keys'] as string[];
    expect(left).not.toContain(a['serial_number']);
    expect(left).not.toContain(b['serial_number']);
    expect(await pki.request('list', 'certs/revoked')).toEqual({ data: { keys: [] } });
    const crl = (await pki.request('read', 'crl/pem'))?.raw?.body as string;
    expect(crlSerials(ssl.run(['crl', '-noout', '-text', '-in', ssl.write('t.crl', crl)]))).toEqual([]);
  });
});

async function waitTidy(pki: TestBackend): Promise<Record<string, unknown>> {
  for (;;) {
    const status = dataOf(await pki.request('read', 'tidy-status'));
    if (status['state'] !== 'Running') return status;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
