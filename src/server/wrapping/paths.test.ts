import { describe, expect, it } from 'vitest';
import type { LogicalResponse } from '../sdk/index.js';
import {
  checkWrappingRequest,
  generateWrappingJwtKey,
  INVALID_WRAPPING_TOKEN,
  WRAP_REQUIRED_ERROR,
  type WrapInfo,
  type WrappedResponse,
} from './index.js';
import { createWrappingHarness } from './testing.js';

const INVALID = { code: 'ERR_INVALID_REQUEST', message: INVALID_WRAPPING_TOKEN };

function wrapInfoOf(resp: LogicalResponse | null): WrapInfo {
  const body = resp?.raw?.body as { wrap_info?: WrapInfo } | undefined;
  if (!body?.wrap_info) throw new Error('not a wrapped response');
  return body.wrap_info;
}

function rawBody(resp: LogicalResponse | null): WrappedResponse {
  if (!resp?.raw || resp.raw.status !== 200) throw new Error('not a raw 200 response');
  return resp.raw.body as WrappedResponse;
}

describe('sys/wrapping/wrap', () => {
  it('requires a wrap TTL', async () => {
    const h = await createWrappingHarness();
    await expect(h.call(h.rootToken, 'write', 'sys/wrapping/wrap', { a: 1 })).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: WRAP_REQUIRED_ERROR,
    });
    await expect(h.call(h.rootToken, 'write', 'sys/wrapping/wrap', { a: 1 }, { 'X-Vault-Wrap-TTL': '0' })).rejects.toThrow(
      WRAP_REQUIRED_ERROR,
    );
    await expect(h.call(h.rootToken, 'write', 'sys/wrapping/wrap', { a: 1 }, { 'X-Vault-Wrap-TTL': '-5' })).rejects.toThrow(
      'requested wrap ttl cannot be negative',
    );
  });

  it('wraps the posted data; unwrapping gives it back in the original envelope', async () => {
    const h = await createWrappingHarness();
    const user = await h.newToken();
    const wrapped = await h.call(user.token, 'write', 'sys/wrapping/wrap', { foo: 'bar', n: 2 }, { 'X-Vault-Wrap-TTL': '5m' });
    const body = rawBody(wrapped);
    expect(body).toMatchObject({ request_id: '', data: null, auth: null, lease_duration: 0, mount_type: '' });
    const info = wrapInfoOf(wrapped);
    expect(info).toMatchObject({ ttl: 300, creation_path: 'sys/wrapping/wrap' });
    expect(info.token).toMatch(/^hvs\./);

    const unwrapped = rawBody(await h.call(user.token, 'write', 'sys/wrapping/unwrap', { token: info.token }));
    expect(unwrapped).toMatchObject({ data: { foo: 'bar', n: 2 }, wrap_info: null, warnings: null, auth: null, mount_type: 'system' });
    expect(unwrapped.request_id).toMatch(/^[0-9a-f-]{36}$/);
    // The unwrapping token itself was used once, not consumed.
    expect(await h.tokens.lookup(user.token)).not.toBeNull();
  });

  it('never issues a JWT for sys/wrapping/wrap', async () => {
    const h = await createWrappingHarness({ jwtKey: generateWrappingJwtKey() });
    const wrapped = await h.call(h.rootToken, 'write', 'sys/wrapping/wrap', { a: 1 }, { 'X-Vault-Wrap-TTL': '60', 'X-Vault-Wrap-Format': 'jwt' });
    expect(wrapInfoOf(wrapped).token).toMatch(/^hvs\./);
  });
});

describe('sys/wrapping/unwrap', () => {
  it('unwraps with the wrapping token as the caller (empty body), once', async () => {
    const h = await createWrappingHarness();
    const body = h.envelope({ secret: 'x' });
    const info = await h.service.wrap(body, { ttl: 60, creationPath: 'secret/data/x' });
    expect(rawBody(await h.call(info.token, 'write', 'sys/wrapping/unwrap'))).toEqual(body);
    expect(await h.tokens.lookup(info.token)).toBeNull();
    expect(h.cubbyStorage.entries.size).toBe(0);
    // The second attempt fails in the pre-authentication check: 400, not 403.
    await expect(h.call(info.token, 'write', 'sys/wrapping/unwrap')).rejects.toMatchObject(INVALID);
  });

  it('unwraps a third party’s token from the body, and treats the caller’s own token in the body as first-party', async () => {
    const h = await createWrappingHarness();
    const a = await h.service.wrap(h.envelope({ n: 1 }), { ttl: 60, creationPath: 'p' });
    expect(rawBody(await h.call(h.rootToken, 'write', 'sys/wrapping/unwrap', { token: a.token })).data).toEqual({ n: 1 });
    await expect(h.call(h.rootToken, 'write', 'sys/wrapping/unwrap', { token: a.token })).rejects.toMatchObject(INVALID);
    const b = await h.service.wrap(h.envelope({ n: 2 }), { ttl: 60, creationPath: 'p' });
    expect(rawBody(await h.call(b.token, 'write', 'sys/wrapping/unwrap', { token: b.token })).data).toEqual({ n: 2 });
  });

  it('answers bad tokens with Vault’s 400s before authentication', async () => {
    const h = await createWrappingHarness();
    await expect(h.call(h.rootToken, 'write', 'sys/wrapping/unwrap', { token: 'hvs.nope' })).rejects.toMatchObject(INVALID);
    await expect(h.call('hvs.nope', 'write', 'sys/wrapping/unwrap')).rejects.toMatchObject(INVALID);
    await expect(h.call(h.rootToken, 'write', 'sys/wrapping/unwrap')).rejects.toMatchObject(INVALID);
    await expect(h.call(h.rootToken, 'write', 'sys/wrapping/unwrap', { token: '' })).rejects.toThrow(
      'error validating wrapping token: empty token in request body',
    );
    await expect(h.call(h.rootToken, 'write', 'sys/wrapping/unwrap', { token: 42 })).rejects.toThrow(
      'error validating wrapping token: could not decode token in request body',
    );
    await expect(h.call(null, 'write', 'sys/wrapping/unwrap')).rejects.toThrow('error validating wrapping token: token is empty');
    expect(await checkWrappingRequest(h.service, { path: 'secret/data/x', data: {} })).toBeNull();
  });

  it('unwraps a wrapped token-creation response, auth block included', async () => {
    const h = await createWrappingHarness();
    const inner = await h.newToken();
    const body = h.envelope({}, {
      data: null,
      auth: { client_token: inner.token, accessor: inner.entry.accessor, policies: ['default'], lease_duration: 3600 },
    });
    const info = await h.service.wrap(body, { ttl: 60, creationPath: 'auth/token/create' });
    expect(info.wrapped_accessor).toBe(inner.entry.accessor);
    const out = rawBody(await h.call(info.token, 'write', 'sys/wrapping/unwrap'));
    expect(out.auth).toMatchObject({ client_token: inner.token, accessor: inner.entry.accessor });
  });
});

describe('sys/wrapping/lookup', () => {
  it('is unauthenticated and does not use the token', async () => {
    const h = await createWrappingHarness();
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 90, creationPath: 'secret/data/l' });
    const expected = { creation_path: 'secret/data/l', creation_time: info.creation_time, creation_ttl: 90 };
    expect((await h.call(null, 'write', 'sys/wrapping/lookup', { token: info.token }))?.data).toEqual(expected);
    expect((await h.call(null, 'read', 'sys/wrapping/lookup', { token: info.token }))?.data).toEqual(expected);
    expect((await h.call(info.token, 'write', 'sys/wrapping/lookup'))?.data).toEqual(expected);
    expect((await h.tokens.lookup(info.token))?.num_uses).toBe(1);
    expect(rawBody(await h.call(info.token, 'write', 'sys/wrapping/unwrap')).data).toEqual({ a: 1 });
    await expect(h.call(null, 'write', 'sys/wrapping/lookup', { token: info.token })).rejects.toMatchObject(INVALID);
  });
});

describe('sys/wrapping/rewrap', () => {
  it('returns a new wrapped envelope and invalidates the old token', async () => {
    const h = await createWrappingHarness();
    const body = h.envelope({ keep: 'me' });
    const old = await h.service.wrap(body, { ttl: 120, creationPath: 'secret/data/r' });
    const resp = await h.call(h.rootToken, 'write', 'sys/wrapping/rewrap', { token: old.token });
    const info = wrapInfoOf(resp);
    expect(rawBody(resp)).toMatchObject({ request_id: '', data: null });
    expect(info).toMatchObject({ ttl: 120, creation_path: 'secret/data/r' });
    await expect(h.call(h.rootToken, 'write', 'sys/wrapping/unwrap', { token: old.token })).rejects.toMatchObject(INVALID);
    expect(rawBody(await h.call(h.rootToken, 'write', 'sys/wrapping/unwrap', { token: info.token }))).toEqual(body);
  });
});

describe('wrapping tokens in the pipeline', () => {
  it('may unwrap but do nothing else', async () => {
    const h = await createWrappingHarness();
    const info = await h.service.wrap(h.envelope({ a: 1 }), { ttl: 60, creationPath: 'p' });
    await expect(h.call(info.token, 'write', 'sys/wrapping/wrap', { a: 1 }, { 'X-Vault-Wrap-TTL': '60' })).rejects.toMatchObject({
      code: 'ERR_PERMISSION_DENIED',
    });
    await expect(h.call(info.token, 'write', 'cubbyhole/mine', { a: 1 })).rejects.toMatchObject({ code: 'ERR_PERMISSION_DENIED' });
    await expect(h.call(info.token, 'read', 'cubbyhole/wrapinfo')).rejects.toMatchObject({ code: 'ERR_PERMISSION_DENIED' });
    // Denied requests above were refused before use: the token still unwraps.
    expect(rawBody(await h.call(info.token, 'write', 'sys/wrapping/unwrap')).data).toEqual({ a: 1 });
  });

  it('may read cubbyhole/response the pre-0.6.2 way, once, with a deprecation warning', async () => {
    const h = await createWrappingHarness();
    const body = h.envelope({ a: 1 });
    const info = await h.service.wrap(body, { ttl: 60, creationPath: 'p' });
    const resp = await h.call(info.token, 'read', 'cubbyhole/response');
    expect(JSON.parse(resp?.data?.['response'] as string)).toEqual(body);
    expect(resp?.warnings?.[0]).toMatch(/^Reading from 'cubbyhole\/response' is deprecated/);
    expect(await h.tokens.lookup(info.token)).toBeNull();
    expect(h.cubbyStorage.entries.size).toBe(0);
  });

  it('wraps any response when asked, e.g. a cubbyhole read', async () => {
    const h = await createWrappingHarness();
    const user = await h.newToken();
    await h.call(user.token, 'write', 'cubbyhole/app', { pw: 'hunter2' });
    const wrapped = await h.call(user.token, 'read', 'cubbyhole/app', {}, { 'X-Vault-Wrap-TTL': '1m' });
    const info = wrapInfoOf(wrapped);
    expect(info.creation_path).toBe('cubbyhole/app');
    const out = rawBody(await h.call(info.token, 'write', 'sys/wrapping/unwrap'));
    expect(out).toMatchObject({ data: { pw: 'hunter2' }, lease_duration: 0, mount_type: 'cubbyhole' });
    await expect(h.call(user.token, 'list', 'cubbyhole/nothing/', {}, { 'X-Vault-Wrap-TTL': '1m' })).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED_PATH',
    });
  });
});
