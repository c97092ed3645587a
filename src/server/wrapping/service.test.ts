import { describe, expect, it } from 'vitest';
import {
  decideWrap,
  generateWrappingJwtKey,
  INVALID_WRAPPING_TOKEN,
  isWrappingToken,
  looksLikeJwt,
  wrappedEnvelope,
  wrappingTokenMayCall,
  type WrappedResponse,
} from './index.js';
import { createWrappingHarness } from './testing.js';

const INVALID = { code: 'ERR_INVALID_REQUEST', message: INVALID_WRAPPING_TOKEN };
const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

describe('wrap and unwrap', () => {
  it('round-trips the exact body and returns Vault-shaped wrap_info', async () => {
    const h = await createWrappingHarness();
    const body = h.envelope(
      { password: 's3cr3t-value', nested: { n: 1, list: [1, 'two', null], big: 12345678901234 } },
      { warnings: ['a warning'] },
    );
    const info = await h.service.wrap(body, { ttl: 300, creationPath: 'secret/data/app' });
    expect(info.token).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);
    expect(info.accessor).toMatch(/^[0-9A-Za-z]{24}$/);
    expect(info.ttl).toBe(300);
    expect(info.creation_path).toBe('secret/data/app');
    expect(info.creation_time).toMatch(RFC3339_NANO);
    expect(info.creation_time).toBe('2024-01-02T03:04:05.678Z');
    expect(info).not.toHaveProperty('wrapped_accessor');

    const out = await h.service.unwrap(info.token);
    expect(out).toEqual(body);
    expect(JSON.stringify(out)).toBe(JSON.stringify(body));
  });

  it('creates a single-use, non-renewable orphan token with only the response-wrapping policy', async () => {
    const h = await createWrappingHarness();
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 120, creationPath: 'auth/token/create' });
    const entry = await h.tokens.lookup(info.token);
    expect(entry).not.toBeNull();
    expect(entry).toMatchObject({
      policies: ['response-wrapping'],
      num_uses: 1,
      orphan: true,
      parent: '',
      renewable: false,
      ttl: 120,
      explicit_max_ttl: 120,
      type: 'service',
      path: 'auth/token/create',
      accessor: info.accessor,
    });
    expect(isWrappingToken(entry as NonNullable<typeof entry>)).toBe(true);
    // Long wrap TTLs are not capped by the system max (768h), as in Vault.
    const long = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 1000 * 3600, creationPath: 'x' });
    expect((await h.tokens.lookup(long.token))?.ttl).toBe(1000 * 3600);
  });

  it('is single use: the second unwrap fails with Vault’s message', async () => {
    const h = await createWrappingHarness();
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 60, creationPath: 'kv/a' });
    await h.service.unwrap(info.token);
    await expect(h.service.unwrap(info.token)).rejects.toMatchObject(INVALID);
    await expect(h.service.lookup(info.token)).rejects.toMatchObject(INVALID);
    expect(await h.tokens.lookup(info.token)).toBeNull();
  });

  it('lets only one of two concurrent unwraps succeed', async () => {
    const h = await createWrappingHarness();
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 60, creationPath: 'kv/a' });
    const results = await Promise.allSettled([h.service.unwrap(info.token), h.service.unwrap(info.token)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });

  it('refuses expired, unknown, empty and non-wrapping tokens', async () => {
    const h = await createWrappingHarness();
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 60, creationPath: 'kv/a' });
    h.clock.advance(59);
    expect(await h.service.lookup(info.token)).toMatchObject({ creation_ttl: 60 });
    h.clock.advance(1);
    await expect(h.service.unwrap(info.token)).rejects.toMatchObject(INVALID);
    await expect(h.service.lookup(info.token)).rejects.toMatchObject(INVALID);
    await expect(h.service.rewrap(info.token)).rejects.toMatchObject(INVALID);
    await expect(h.service.unwrap('hvs.AAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toMatchObject(INVALID);
    await expect(h.service.unwrap('')).rejects.toMatchObject(INVALID);
    const plain = await h.newToken();
    await expect(h.service.unwrap(plain.token)).rejects.toMatchObject(INVALID);
    await expect(h.service.unwrap(h.rootToken)).rejects.toMatchObject(INVALID);
    // A plain token's own use count is untouched.
    expect(await h.tokens.lookup(plain.token)).not.toBeNull();
  });

  it('lookup does not consume the token', async () => {
    const h = await createWrappingHarness();
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 300, creationPath: 'secret/data/x' });
    const expected = { creation_path: 'secret/data/x', creation_time: info.creation_time, creation_ttl: 300 };
    expect(await h.service.lookup(info.token)).toEqual(expected);
    expect(await h.service.lookup(info.token)).toEqual(expected);
    expect((await h.tokens.lookup(info.token))?.num_uses).toBe(1);
    expect((await h.service.unwrap(info.token)).data).toEqual({ a: 1 });
  });

  it('rewrap issues a new token for the same response and invalidates the old one', async () => {
    const h = await createWrappingHarness();
    const body = h.envelope({ k: 'v' });
    const first = await h.service.wrap(body, { ttl: 600, creationPath: 'secret/data/orig' });
    h.clock.advance(100);
    const second = await h.service.rewrap(first.token);
    expect(second.token).not.toBe(first.token);
    expect(second.accessor).not.toBe(first.accessor);
    expect(second.ttl).toBe(600);
    expect(second.creation_path).toBe('secret/data/orig');
    expect(second.creation_time).not.toBe(first.creation_time);
    await expect(h.service.unwrap(first.token)).rejects.toMatchObject(INVALID);
    expect(await h.service.lookup(second.token)).toMatchObject({ creation_path: 'secret/data/orig', creation_ttl: 600 });
    expect(await h.service.unwrap(second.token)).toEqual(body);
  });

  it('records the wrapped token’s accessor', async () => {
    const h = await createWrappingHarness();
    const body = h.envelope(null as unknown as Record<string, unknown>, {
      data: null,
      auth: { client_token: 'hvs.inner', accessor: 'innerAccessor123', policies: ['default'] },
    });
    const info = await h.service.wrap(body, { ttl: 60, creationPath: 'auth/token/create' });
    expect(info.wrapped_accessor).toBe('innerAccessor123');
    const explicit = await h.service.wrap(h.envelope({ secret_id: 'x' }), { ttl: 60, creationPath: 'auth/approle/role/r/secret-id', wrappedAccessor: 'sid-acc' });
    expect(explicit.wrapped_accessor).toBe('sid-acc');
    expect(wrappedEnvelope(explicit)['wrap_info']).toMatchObject({ wrapped_accessor: 'sid-acc' });
  });

  it('refuses a non-positive TTL', async () => {
    const h = await createWrappingHarness();
    await expect(h.service.wrap(h.envelope({}), { ttl: 0, creationPath: 'x' })).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
  });
});

describe('storage layout', () => {
  it('keeps the wrapped response only in the wrapping token’s cubbyhole, and removes it on unwrap', async () => {
    const h = await createWrappingHarness();
    const secret = 'the-plaintext-secret-4f9a';
    const info = await h.service.wrap(h.envelope({ password: secret }), { ttl: 60, creationPath: 'secret/data/db' });
    const entry = await h.tokens.lookup(info.token);
    const cid = entry?.cubbyhole_id ?? '';
    expect(cid).toMatch(/^[0-9A-Za-z]{24}$/);
    expect([...h.cubbyStorage.entries.keys()].sort()).toEqual([`${cid}/response`, `${cid}/wrapinfo`]);
    const stored = JSON.parse(Buffer.from(h.cubbyStorage.entries.get(`${cid}/response`) ?? new Uint8Array()).toString()) as {
      response: string;
    };
    expect(Object.keys(stored)).toEqual(['response']);
    expect(typeof stored.response).toBe('string');
    expect((JSON.parse(stored.response) as WrappedResponse).data).toEqual({ password: secret });
    expect(Buffer.from(h.cubbyStorage.entries.get(`${cid}/wrapinfo`) ?? new Uint8Array()).toString()).not.toContain(secret);
    // Nowhere else: not in the token store, and the token itself is stored nowhere.
    expect(h.tokenStorage.dump()).not.toContain(secret);
    expect(h.tokenStorage.dump()).not.toContain(info.token);
    expect(h.cubbyStorage.dump()).not.toContain(info.token);

    await h.service.unwrap(info.token);
    expect(h.cubbyStorage.entries.size).toBe(0);
    expect(h.tokenStorage.dump()).not.toContain(secret);
  });

  it('destroys the cubbyhole when the wrapping token is revoked', async () => {
    const h = await createWrappingHarness();
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 60, creationPath: 'x' });
    await h.tokens.revokeTree((await h.tokens.hashToken(info.token)));
    expect(h.cubbyStorage.entries.size).toBe(0);
  });

  it('never puts the token into an error message', async () => {
    const h = await createWrappingHarness();
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 60, creationPath: 'x' });
    await h.service.unwrap(info.token);
    const err = await h.service.unwrap(info.token).catch((e: unknown) => e as Error);
    expect(err.message).not.toContain(info.token);
  });
});

describe('wrapping tokens and the pipeline rules', () => {
  it('recognises wrapping tokens and the paths they may call', async () => {
    const h = await createWrappingHarness();
    const plain = await h.newToken();
    expect(isWrappingToken(plain.entry)).toBe(false);
    expect(isWrappingToken({ policies: ['response-wrapping', 'default'] })).toBe(false);
    expect(isWrappingToken({ policies: ['response-wrapping'] })).toBe(true);
    expect(isWrappingToken({ policies: ['response-wrapping'], type: 'batch' })).toBe(false);
    for (const p of ['sys/wrapping/unwrap', 'sys/wrapping/lookup', 'sys/wrapping/rewrap', '/sys/wrapping/unwrap/', 'cubbyhole/response']) {
      expect(wrappingTokenMayCall(p)).toBe(true);
    }
    for (const p of ['sys/wrapping/wrap', 'secret/data/x', 'cubbyhole/other', 'cubbyhole/wrapinfo', 'auth/token/lookup-self', 'sys/wrapping/unwrapx']) {
      expect(wrappingTokenMayCall(p)).toBe(false);
    }
  });

  it('decides when and how to wrap', () => {
    const base = { operation: 'read' as const, path: 'secret/data/x', requestTtl: 60 };
    expect(decideWrap({ ...base, response: null })).toBeNull();
    expect(decideWrap({ ...base, response: { raw: { status: 200, body: {} } } })).toBeNull();
    expect(decideWrap({ ...base, requestTtl: 0, response: { data: { a: 1 } } })).toBeNull();
    expect(decideWrap({ ...base, response: { data: { a: 1 } } })).toEqual({ ttl: 60, format: 'token' });
    expect(decideWrap({ ...base, backendTtl: 30, response: { data: {} } })).toEqual({ ttl: 30, format: 'token' });
    expect(decideWrap({ ...base, requestTtl: 0, backendTtl: 30, response: { data: {} } })).toEqual({ ttl: 30, format: 'token' });
    expect(decideWrap({ ...base, requestFormat: 'jwt', response: { data: {} } })).toEqual({ ttl: 60, format: 'jwt' });
    expect(decideWrap({ ...base, path: 'sys/wrapping/wrap', requestFormat: 'jwt', response: { data: {} } })).toEqual({ ttl: 60, format: 'token' });
    const list = { ...base, operation: 'list' as const };
    expect(() => decideWrap({ ...list, response: { data: {} } })).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_PATH' }));
    expect(() => decideWrap({ ...list, response: { data: { keys: [] } } })).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_PATH' }));
    expect(decideWrap({ ...list, response: { data: { keys: ['a'] } } })).toEqual({ ttl: 60, format: 'token' });
    expect(decideWrap({ ...list, response: { data: {}, warnings: ['w'] } })).toEqual({ ttl: 60, format: 'token' });
  });

  it('renders the wrapped envelope like Vault', () => {
    expect(
      wrappedEnvelope({ token: 't', accessor: 'a', ttl: 60, creation_time: '2024-01-01T00:00:00Z', creation_path: 'p' }),
    ).toEqual({
      request_id: '',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: { token: 't', accessor: 'a', ttl: 60, creation_time: '2024-01-01T00:00:00Z', creation_path: 'p' },
      warnings: null,
      auth: null,
      mount_type: '',
    });
  });
});

describe('JWT wrapping tokens', () => {
  it('issues and accepts ES512 JWTs whose jti is the wrapping token', async () => {
    const h = await createWrappingHarness({ jwtKey: generateWrappingJwtKey() });
    const body = h.envelope({ a: 1 });
    const info = await h.service.wrap(body, { ttl: 60, creationPath: 'x', format: 'jwt' });
    expect(looksLikeJwt(info.token)).toBe(true);
    const payload = JSON.parse(Buffer.from(info.token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ type: 'wrapping', addr: 'https://127.0.0.1:8200' });
    expect(payload['exp']).toBe((payload['iat'] as number) + 60);
    expect(await h.service.lookup(info.token)).toMatchObject({ creation_ttl: 60 });
    expect(await h.service.unwrap(info.token)).toEqual(body);
    await expect(h.service.unwrap(info.token)).rejects.toMatchObject(INVALID);
    expect(h.service.jwtPublicKey()).toMatchObject({ jwt_curve: 'p521', jwt_x: expect.stringMatching(/^\d+$/) });
  });

  it('rejects tampered JWTs and falls back to plain tokens without a key', async () => {
    const h = await createWrappingHarness({ jwtKey: generateWrappingJwtKey() });
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 60, creationPath: 'x', format: 'jwt' });
    const [head, , sig] = info.token.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ jti: 'hvs.forged', type: 'wrapping' })).toString('base64url')}.${sig}`;
    await expect(h.service.unwrap(forged)).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: expect.stringMatching(/^error validating wrapping token: wrapping token signature could not be validated/),
    });
    const plain = await createWrappingHarness();
    const fallback = await plain.service.wrap(plain.envelope({ a: 1 }), { ttl: 60, creationPath: 'x', format: 'jwt' });
    expect(fallback.token).toMatch(/^hvs\./);
    expect(plain.service.jwtPublicKey()).toBeNull();
  });
});
