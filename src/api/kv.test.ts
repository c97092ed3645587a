import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, addPrefixToKvPath, createClient, joinPath, kvApiPath, sanitizePath, type Client } from './index.js';
import { envelope, startFakeVault, uiMount, type FakeVault } from './testing.js';

describe('path helpers', () => {
  it('joinPath behaves like Go path.Join', () => {
    expect(joinPath('secret/', 'data', 'foo')).toBe('secret/data/foo');
    expect(joinPath('secret/', '')).toBe('secret');
    expect(joinPath('', '')).toBe('');
    expect(joinPath('a//b/', './c/', '../d')).toBe('a/b/d');
    expect(joinPath('secret', 'metadata', 'dir/')).toBe('secret/metadata/dir');
  });

  it('addPrefixToKvPath inserts the API prefix after the mount', () => {
    expect(addPrefixToKvPath('secret/foo', 'secret/', 'data')).toBe('secret/data/foo');
    expect(addPrefixToKvPath('secret/a/b/c', 'secret/', 'metadata')).toBe('secret/metadata/a/b/c');
    expect(addPrefixToKvPath('secret', 'secret/', 'metadata')).toBe('secret/metadata');
    expect(addPrefixToKvPath('secret/', 'secret/', 'metadata')).toBe('secret/metadata');
    expect(addPrefixToKvPath('team/kv/x', 'team/kv/', 'data')).toBe('team/kv/data/x');
    // A mount path with a namespace prefix the user did not type.
    expect(addPrefixToKvPath('kv/x', 'ns1/kv/', 'data')).toBe('kv/data/x');
  });

  it('kvApiPath prefixes v2 and leaves v1 alone', () => {
    expect(kvApiPath({ mountPath: 'secret/', version: 2, partialPath: 'secret/foo' }, 'destroy')).toBe('secret/destroy/foo');
    expect(kvApiPath({ mountPath: 'kv/', version: 1, partialPath: 'kv/foo' }, 'data')).toBe('kv/foo');
  });

  it('sanitizePath trims slashes and whitespace', () => {
    expect(sanitizePath('  /secret/foo/ ')).toBe('secret/foo');
  });

  it('property: the prefixed path is mount + prefix + the key path', () => {
    const seg = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(seg, fc.array(seg, { minLength: 1, maxLength: 4 }), fc.constantFrom('data', 'metadata', 'delete', 'undelete', 'destroy'), (mount, key, prefix) => {
        const path = `${mount}/${key.join('/')}`;
        expect(addPrefixToKvPath(path, `${mount}/`, prefix)).toBe(`${mount}/${prefix}/${key.join('/')}`);
      }),
    );
  });
});

describe('kv helpers against a fake server', () => {
  let vault: FakeVault;
  let c: Client;
  beforeEach(async () => {
    vault = await startFakeVault({
      'GET /v1/sys/internal/ui/mounts/secret/foo': uiMount('secret/', 2),
      'GET /v1/sys/internal/ui/mounts/secret': uiMount('secret/', 2),
      'GET /v1/sys/internal/ui/mounts/kv/foo': uiMount('kv/', 1),
      'GET /v1/sys/internal/ui/mounts/denied/foo': { status: 403, body: { errors: ['preflight capability check returned 403, please ensure client\'s policies grant access to path "denied/foo/"'] } },
    });
    c = createClient({ address: vault.address, token: 't', env: {} });
  });
  afterEach(async () => {
    c.close();
    await vault.close();
  });

  it('mountInfo reads the mount and version; 404 means v1 at the first segment; 403 is an error', async () => {
    expect(await c.kvMountInfo('secret/foo')).toEqual({ mountPath: 'secret/', version: 2 });
    expect(await c.kv.mountInfo('kv/foo')).toEqual({ mountPath: 'kv/', version: 1 });
    expect(await c.kv.mountInfo('old/foo/bar')).toEqual({ mountPath: 'old/', version: 1 });
    await expect(c.kv.mountInfo('denied/foo')).rejects.toMatchObject({ status: 403 });
  });

  it('get on v2 reads <mount>/data/<key> with ?version', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { body: envelope({ data: { a: 'b' }, metadata: { version: 3 } }) });
    const res = await c.kv.get('secret/foo', { version: 3 });
    expect(res.path).toBe('secret/data/foo');
    expect(res.version).toBe(2);
    expect(res.secret?.data?.['data']).toEqual({ a: 'b' });
    expect(vault.requests.at(-1)?.query.get('version')).toBe('3');
  });

  it('get with -mount syntax', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { body: envelope({ data: { a: 'b' }, metadata: {} }) });
    const res = await c.kv.get('foo', { mount: 'secret' });
    expect(res.path).toBe('secret/data/foo');
    expect(vault.requests[0]?.path).toBe('/v1/sys/internal/ui/mounts/secret');
  });

  it('get on v1 reads the plain path; a missing key is a null secret', async () => {
    const res = await c.kv.get('kv/foo');
    expect(res.path).toBe('kv/foo');
    expect(res.secret).toBeNull();
  });

  it('put wraps data for v2 (with cas) and not for v1', async () => {
    vault.routes.set('PUT /v1/secret/data/foo', { body: envelope({ version: 1 }) });
    vault.routes.set('PUT /v1/kv/foo', { status: 204 });
    await c.kv.put('secret/foo', { a: 'b' }, { cas: 0 });
    expect(vault.requests.at(-1)?.json).toEqual({ data: { a: 'b' }, options: { cas: 0 } });
    await c.kv.put('secret/foo', { a: 'b' });
    expect(vault.requests.at(-1)?.json).toEqual({ data: { a: 'b' }, options: {} });
    await c.kv.put('kv/foo', { a: 'b' });
    expect(vault.requests.at(-1)?.json).toEqual({ a: 'b' });
  });

  it('patch uses PATCH, and falls back to read+write with cas on 405', async () => {
    vault.routes.set('PATCH /v1/secret/data/foo', { body: envelope({ version: 2 }) });
    let res = await c.kv.patch('secret/foo', { a: 'z' });
    expect(res.method).toBe('patch');
    expect(vault.requests.at(-1)?.headers['content-type']).toBe('application/merge-patch+json');

    vault.routes.set('PATCH /v1/secret/data/foo', { status: 405, body: { errors: ['unsupported operation'] } });
    vault.routes.set('GET /v1/secret/data/foo', { body: envelope({ data: { a: 'b', c: 'd' }, metadata: { version: 4 } }) });
    vault.routes.set('PUT /v1/secret/data/foo', { body: envelope({ version: 5 }) });
    res = await c.kv.patch('secret/foo', { a: 'z', c: null });
    expect(res.method).toBe('rw');
    expect(res.fallbackStatus).toBe(405);
    expect(vault.requests.at(-1)?.json).toEqual({ data: { a: 'z' }, options: { cas: 4 } });

    // -method=patch never falls back.
    await expect(c.kv.patch('secret/foo', { a: 'z' }, { method: 'patch' })).rejects.toBeInstanceOf(ApiError);
  });

  it('patch on v1 is refused', async () => {
    await expect(c.kv.patch('kv/foo', { a: 'b' })).rejects.toThrow(/version 2/);
  });

  it('list uses <mount>/metadata with ?list=true', async () => {
    vault.routes.set('GET /v1/secret/metadata', { body: envelope({ keys: ['foo'] }) });
    const res = await c.kv.list('secret');
    expect(res.path).toBe('secret/metadata');
    expect(vault.requests.at(-1)?.query.get('list')).toBe('true');
  });

  it('delete, undelete, destroy and metadata build the v2 paths', async () => {
    for (const r of ['DELETE /v1/secret/data/foo', 'PUT /v1/secret/delete/foo', 'PUT /v1/secret/undelete/foo', 'PUT /v1/secret/destroy/foo', 'PUT /v1/secret/metadata/foo', 'DELETE /v1/secret/metadata/foo']) {
      vault.routes.set(r, { status: 204 });
    }
    vault.routes.set('GET /v1/secret/metadata/foo', { body: envelope({ current_version: 1, versions: { '1': {} } }) });
    expect((await c.kv.delete('secret/foo')).path).toBe('secret/data/foo');
    expect((await c.kv.delete('secret/foo', { versions: ['1', '2'] })).path).toBe('secret/delete/foo');
    expect(vault.requests.at(-1)?.json).toEqual({ versions: ['1', '2'] });
    expect((await c.kv.undelete('secret/foo', [1])).path).toBe('secret/undelete/foo');
    expect((await c.kv.destroy('secret/foo', [1])).path).toBe('secret/destroy/foo');
    expect((await c.kv.metadataGet('secret/foo')).secret?.data?.['current_version']).toBe(1);
    await c.kv.metadataPut('secret/foo', { max_versions: 3, custom_metadata: { owner: 'me' } });
    expect(vault.requests.at(-1)?.json).toEqual({ max_versions: 3, custom_metadata: { owner: 'me' } });
    expect((await c.kv.metadataDelete('secret/foo')).path).toBe('secret/metadata/foo');
    await expect(c.kv.undelete('kv/foo', [1])).rejects.toThrow('Undelete not supported on KV Version 1');
  });

  it('a resolved location skips the second pre-flight', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { body: envelope({ data: {}, metadata: {} }) });
    const loc = await c.kv.resolve('secret/foo');
    await c.kv.get(loc);
    expect(vault.requests.filter((r) => r.path.startsWith('/v1/sys/internal/ui/mounts'))).toHaveLength(1);
  });
});
