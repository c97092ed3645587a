import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createClient, resolveConfig, DEFAULT_ADDRESS, errorCodeForStatus, STATUS_CONNECTION_FAILED } from './index.js';
import { envelope, startFakeVault, type FakeVault } from './testing.js';

const TOKEN = 'hvs.SUPERSECRETTOKEN1234567890';

let vault: FakeVault;
beforeEach(async () => {
  vault = await startFakeVault();
});
afterEach(async () => {
  await vault.close();
});

function client(extra: Parameters<typeof createClient>[0] = {}) {
  return createClient({ address: vault.address, token: TOKEN, env: {}, ...extra });
}

describe('request headers', () => {
  it('sends X-Vault-Token and X-Vault-Request: true', async () => {
    vault.routes.set('GET /v1/secret/foo', { body: envelope({ a: '1' }) });
    const c = client();
    const secret = await c.read('secret/foo');
    expect(secret?.data).toEqual({ a: '1' });
    const req = vault.requests[0];
    expect(req?.headers['x-vault-token']).toBe(TOKEN);
    expect(req?.headers['x-vault-request']).toBe('true');
    c.close();
  });

  it('sends no token header without a token, and the namespace header when set', async () => {
    vault.routes.set('GET /v1/sys/leader', { body: { ha_enabled: false, is_self: false, leader_address: '', leader_cluster_address: '' } });
    const c = createClient({ address: vault.address, token: '', namespace: 'team-a', env: { HOME: '/nonexistent' } });
    await c.sys.leader();
    expect(vault.requests[0]?.headers['x-vault-token']).toBeUndefined();
    expect(vault.requests[0]?.headers['x-vault-namespace']).toBe('team-a');
    c.close();
  });

  it('list sends GET ?list=true', async () => {
    vault.routes.set('GET /v1/secret/metadata', { body: envelope({ keys: ['a', 'b/'] }) });
    const c = client();
    const secret = await c.list('secret/metadata');
    expect(secret?.data?.['keys']).toEqual(['a', 'b/']);
    expect(vault.requests[0]?.method).toBe('GET');
    expect(vault.requests[0]?.query.get('list')).toBe('true');
    c.close();
  });

  it('patch sends PATCH with application/merge-patch+json', async () => {
    vault.routes.set('PATCH /v1/secret/data/foo', { body: envelope({ version: 2 }) });
    const c = client();
    await c.patch('secret/data/foo', { data: { a: null } });
    const req = vault.requests[0];
    expect(req?.method).toBe('PATCH');
    expect(req?.headers['content-type']).toBe('application/merge-patch+json');
    expect(req?.json).toEqual({ data: { a: null } });
    c.close();
  });

  it('write sends PUT with a JSON body and returns null on 204', async () => {
    vault.routes.set('PUT /v1/kv/foo', { status: 204 });
    const c = client();
    expect(await c.write('kv/foo', { a: 'b' })).toBeNull();
    expect(vault.requests[0]?.method).toBe('PUT');
    expect(vault.requests[0]?.json).toEqual({ a: 'b' });
    expect(vault.requests[0]?.headers['content-type']).toBe('application/json');
    c.close();
  });

  it('read and delete pass query parameters; paths are encoded', async () => {
    vault.routes.set('GET /v1/secret/data/my key', { body: envelope({ data: {}, metadata: {} }) });
    vault.routes.set('DELETE /v1/secret/data/x', { status: 204 });
    const c = client();
    await c.read('/v1/secret/data/my key', { version: '3' });
    expect(vault.requests[0]?.query.get('version')).toBe('3');
    await c.delete('secret/data/x', { versions: ['1', '2'] });
    expect(vault.requests[1]?.query.getAll('versions')).toEqual(['1', '2']);
    c.close();
  });

  it('sends extra headers but refuses X-Vault-* ones', () => {
    expect(() => createClient({ address: vault.address, headers: { 'X-Vault-Token': 'x' }, env: {} })).toThrow(/X-Vault-/);
  });
});

describe('404 handling (Go client semantics)', () => {
  it('read: 404 without data is null, 404 with data or warnings is the secret', async () => {
    const c = client();
    expect(await c.read('secret/data/missing')).toBeNull();
    vault.routes.set('GET /v1/secret/data/deleted', {
      status: 404,
      body: envelope({ data: null, metadata: { version: 1, deletion_time: '2024-01-01T00:00:00Z', destroyed: false } }),
    });
    const deleted = await c.read('secret/data/deleted');
    expect(deleted?.data?.['data']).toBeNull();
    vault.routes.set('GET /v1/secret/foo', { status: 404, body: envelope(null, { warnings: ['Invalid path for a versioned K/V secrets engine.'] }) });
    expect((await c.read('secret/foo'))?.warnings).toEqual(['Invalid path for a versioned K/V secrets engine.']);
    c.close();
  });

  it('list: 404 is null', async () => {
    const c = client();
    expect(await c.list('secret/metadata/nothing')).toBeNull();
    c.close();
  });

  it('write and delete: 404 is an error', async () => {
    const c = client();
    await expect(c.write('nope/x', { a: 1 })).rejects.toBeInstanceOf(ApiError);
    await expect(c.delete('nope/x')).rejects.toMatchObject({ status: 404, code: 'ERR_NOT_FOUND' });
    c.close();
  });
});

describe('ApiError', () => {
  it('carries status, errors, code and a Go-style message without the token', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } });
    const c = client();
    const err = await c.read('secret/data/foo').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const apiErr = err as ApiError;
    expect(apiErr.status).toBe(403);
    expect(apiErr.code).toBe('ERR_PERMISSION_DENIED');
    expect(apiErr.errors).toEqual(['1 error occurred:\n\t* permission denied\n\n']);
    expect(apiErr.path).toBe('/v1/secret/data/foo');
    expect(apiErr.message).toBe(
      `Error making API request.\n\nURL: GET ${vault.address}/v1/secret/data/foo\nCode: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n`,
    );
    expect(apiErr.message).not.toContain(TOKEN);
    expect(JSON.stringify(apiErr)).not.toContain(TOKEN);
    expect(String(apiErr.stack)).not.toContain(TOKEN);
    c.close();
  });

  it('keeps the query in the URL and reports several errors', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { status: 400, body: { errors: ['a', 'b'] } });
    const c = client();
    const err = (await c.read('secret/data/foo', { version: '2' }).catch((e: unknown) => e)) as ApiError;
    expect(err.message).toContain(`URL: GET ${vault.address}/v1/secret/data/foo?version=2`);
    expect(err.message).toMatch(/Code: 400\. Errors:\n\n\* a\n\* b$/);
    expect(err.code).toBe('ERR_INVALID_REQUEST');
    c.close();
  });

  it('reports a non-JSON body as a raw message', async () => {
    vault.routes.set('GET /v1/sys/leader', { status: 502, raw: 'Bad Gateway' });
    const c = client();
    const err = (await c.sys.leader().catch((e: unknown) => e)) as ApiError;
    expect(err.rawError).toBe(true);
    expect(err.message).toContain('Code: 502. Raw Message:\n\nBad Gateway');
    expect(err.code).toBe('ERR_INTERNAL');
    c.close();
  });

  it('maps statuses to error codes', () => {
    expect(errorCodeForStatus(400)).toBe('ERR_INVALID_REQUEST');
    expect(errorCodeForStatus(403)).toBe('ERR_PERMISSION_DENIED');
    expect(errorCodeForStatus(404)).toBe('ERR_NOT_FOUND');
    expect(errorCodeForStatus(405)).toBe('ERR_UNSUPPORTED_OPERATION');
    expect(errorCodeForStatus(409)).toBe('ERR_CONFLICT');
    expect(errorCodeForStatus(413)).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(errorCodeForStatus(415)).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
    expect(errorCodeForStatus(429)).toBe('ERR_RATE_LIMITED');
    expect(errorCodeForStatus(503)).toBe('ERR_SEALED');
    expect(errorCodeForStatus(500)).toBe('ERR_INTERNAL');
  });

  it('a refused connection names the address and never the token', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const c = createClient({ address: `http://127.0.0.1:${port}`, token: TOKEN, env: {} });
    const err = (await c.sys.sealStatus().catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(STATUS_CONNECTION_FAILED);
    expect(err.code).toBe('ERR_UNAVAILABLE');
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
    expect(err.message).toContain('connection refused');
    expect(err.message).not.toContain(TOKEN);
    c.close();
  });

  it('times out with a clear message', async () => {
    vault.routes.set('GET /v1/sys/seal-status', () => {
      throw new Error('unused');
    });
    const slow = await new Promise<{ address: string; close: () => void }>((resolve) => {
      const s = net.createServer(() => {
        /* accept and never answer */
      });
      s.listen(0, '127.0.0.1', () => resolve({ address: `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`, close: () => s.close() }));
    });
    const c = createClient({ address: slow.address, timeoutMs: 200, env: {} });
    const err = (await c.sys.sealStatus().catch((e: unknown) => e)) as ApiError;
    expect(err.message).toMatch(/no response from .* within/);
    c.close();
    slow.close();
  });
});

describe('configuration', () => {
  it('defaults to https://127.0.0.1:8200', () => {
    expect(DEFAULT_ADDRESS).toBe('https://127.0.0.1:8200');
    expect(resolveConfig({ env: { HOME: '/nonexistent' } }).baseUrl.toString()).toBe('https://127.0.0.1:8200/');
  });

  it('reads COFFER_ADDR before VAULT_ADDR, and an explicit address before both', () => {
    const env = { COFFER_ADDR: 'http://a:1', VAULT_ADDR: 'http://b:2', HOME: '/nonexistent' };
    expect(resolveConfig({ env }).baseUrl.host).toBe('a:1');
    expect(resolveConfig({ env: { VAULT_ADDR: 'http://b:2' } }).baseUrl.host).toBe('b:2');
    expect(resolveConfig({ env, address: 'http://c:3' }).baseUrl.host).toBe('c:3');
  });

  it('takes the token from env before ~/.vault-token', () => {
    const home = mkdtempSync(join(tmpdir(), 'coffer-home-'));
    writeFileSync(join(home, '.vault-token'), 'from-file\n');
    expect(resolveConfig({ env: { HOME: home } }).token).toBe('from-file');
    expect(resolveConfig({ env: { HOME: home, VAULT_TOKEN: 'from-vault' } }).token).toBe('from-vault');
    expect(resolveConfig({ env: { HOME: home, VAULT_TOKEN: 'from-vault', COFFER_TOKEN: 'from-coffer' } }).token).toBe('from-coffer');
    expect(resolveConfig({ env: { HOME: home }, token: 'explicit' }).token).toBe('explicit');
    expect(resolveConfig({ env: { HOME: home }, token: '' }).token).toBeUndefined();
  });

  it('reads skip-verify, namespace and timeout from the environment', () => {
    const cfg = resolveConfig({ env: { HOME: '/nonexistent', VAULT_SKIP_VERIFY: 'true', VAULT_NAMESPACE: 'ns1', VAULT_CLIENT_TIMEOUT: '5s' } });
    expect(cfg.tlsSkipVerify).toBe(true);
    expect(cfg.namespace).toBe('ns1');
    expect(cfg.timeoutMs).toBe(5000);
  });

  it('fails clearly on a bad address or a missing CA file', () => {
    expect(() => resolveConfig({ address: 'not a url', env: {} })).toThrow(/invalid server address/);
    expect(() => resolveConfig({ address: 'ftp://x', env: {} })).toThrow(/only http/);
    expect(() => resolveConfig({ caCert: '/nonexistent/ca.pem', env: {} })).toThrow(/failed to read CA certificate/);
  });

  it('exposes the address without credentials and hides the token', () => {
    const c = createClient({ address: 'http://user:pw@127.0.0.1:1', token: TOKEN, env: {} });
    expect(c.address).toBe('http://127.0.0.1:1');
    expect(c.hasToken).toBe(true);
    expect(JSON.stringify(c)).not.toContain(TOKEN);
    expect(inspect(c, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    c.close();
  });
});

describe('sys helpers', () => {
  it('seal lifecycle endpoints', async () => {
    const status = { type: 'shamir', initialized: true, sealed: true, t: 3, n: 5, progress: 1, nonce: 'n', version: '1.0.0', migration: false, recovery_seal: false };
    vault.routes.set('GET /v1/sys/seal-status', { body: status });
    vault.routes.set('GET /v1/sys/init', { body: { initialized: false } });
    vault.routes.set('PUT /v1/sys/init', { body: { keys: ['aa'], keys_base64: ['qg=='], root_token: 'hvs.root' } });
    vault.routes.set('PUT /v1/sys/unseal', (req) => ({ body: { ...status, progress: (req.json as { reset?: boolean }).reset === true ? 0 : 2 } }));
    vault.routes.set('PUT /v1/sys/seal', { status: 204 });
    const c = client();
    expect((await c.sys.sealStatus()).t).toBe(3);
    expect(await c.sys.initStatus()).toBe(false);
    expect((await c.sys.init({ secret_shares: 1, secret_threshold: 1 })).root_token).toBe('hvs.root');
    expect(vault.requests.at(-1)?.json).toEqual({ secret_shares: 1, secret_threshold: 1 });
    expect((await c.sys.unseal('key-share')).progress).toBe(2);
    expect(vault.requests.at(-1)?.json).toEqual({ key: 'key-share' });
    expect((await c.sys.unseal({ reset: true })).progress).toBe(0);
    await c.sys.seal();
    c.close();
  });

  it('health returns the body whatever the status', async () => {
    vault.routes.set('GET /v1/sys/health', { status: 503, body: { initialized: true, sealed: true, standby: false } });
    const c = client();
    expect((await c.sys.health()).sealed).toBe(true);
    c.close();
  });

  it('mounts reads data (or the injected top level) and mount/tune/unmount send the right requests', async () => {
    const entry = { type: 'kv', description: '', accessor: 'kv_1', config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false }, options: { version: '2' }, local: false, seal_wrap: false };
    vault.routes.set('GET /v1/sys/mounts', { body: { 'secret/': entry, ...envelope({ 'secret/': entry }) } });
    vault.routes.set('POST /v1/sys/mounts/kv', { status: 204 });
    vault.routes.set('POST /v1/sys/mounts/kv/tune', { body: envelope(null, { warnings: ['Upgrading mount from version 1 to version 2'] }) });
    vault.routes.set('GET /v1/sys/mounts/kv/tune', { body: envelope({ default_lease_ttl: 2764800, max_lease_ttl: 2764800, force_no_cache: false }) });
    vault.routes.set('DELETE /v1/sys/mounts/kv', { status: 204 });
    vault.routes.set('GET /v1/sys/key-status', { body: { term: 2, install_time: '2024-01-01T00:00:00Z', encryptions: 7, ...envelope({ term: 2, install_time: '2024-01-01T00:00:00Z', encryptions: 7 }) } });
    vault.routes.set('POST /v1/sys/rotate', { status: 204 });
    const c = client();
    expect(Object.keys(await c.sys.mounts())).toEqual(['secret/']);
    await c.sys.mount('kv/', { type: 'kv', options: { version: '2' } });
    expect(vault.requests.at(-1)?.json).toEqual({ type: 'kv', options: { version: '2' } });
    expect((await c.sys.tuneMount('/kv/', { options: { version: '2' } }))?.warnings).toHaveLength(1);
    expect((await c.sys.readMountTune('kv')).default_lease_ttl).toBe(2764800);
    await c.sys.unmount('kv');
    expect((await c.sys.keyStatus()).term).toBe(2);
    await c.sys.rotate();
    c.close();
  });

  it('internalUiMounts returns the mount entry', async () => {
    vault.routes.set('GET /v1/sys/internal/ui/mounts/secret/foo', { body: envelope({ path: 'secret/', type: 'kv', options: { version: '2' } }) });
    const c = client();
    expect(await c.sys.internalUiMounts('secret/foo')).toMatchObject({ path: 'secret/', type: 'kv', options: { version: '2' } });
    c.close();
  });
});
