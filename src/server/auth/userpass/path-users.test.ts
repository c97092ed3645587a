import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { AppError, UserError } from '../../../shared/errors.js';
import { InmemStorage } from '../../sdk/testing.js';
import { dataOf, errorOf, storageText, userpassBackend } from './testing.js';

const DEFAULT_READ = {
  token_bound_cidrs: [],
  token_explicit_max_ttl: 0,
  token_max_ttl: 0,
  token_no_default_policy: false,
  token_num_uses: 0,
  token_period: 0,
  token_policies: [],
  token_ttl: 0,
  token_type: 'default',
};

describe('userpass users', () => {
  it('creates a user and reads back every token_* field, never the password', async () => {
    const up = await userpassBackend();
    expect(await up.request('write', 'users/mitchellh', { password: 'superSecretPassword' })).toBeNull();
    expect(await up.request('read', 'users/mitchellh')).toEqual({ data: DEFAULT_READ });
  });

  it('stores the token settings sent (durations, lists as csv or arrays)', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/bob', {
      password: 'pw',
      token_policies: 'admin,default',
      token_ttl: '1h',
      token_max_ttl: 7200,
      token_period: '30m',
      token_explicit_max_ttl: '2d',
      token_num_uses: '3',
      token_no_default_policy: 'true',
      token_type: 'service',
      token_bound_cidrs: ['127.0.0.1', '128.252.0.0/16'],
    });
    expect(dataOf(await up.request('read', 'users/bob'))).toEqual({
      token_bound_cidrs: ['127.0.0.1', '128.252.0.0/16'],
      token_explicit_max_ttl: 172800,
      token_max_ttl: 7200,
      token_no_default_policy: true,
      token_num_uses: 3,
      token_period: 1800,
      token_policies: ['admin', 'default'],
      token_ttl: 3600,
      token_type: 'service',
    });
  });

  it('decides create vs update with an existence check', async () => {
    const up = await userpassBackend();
    const req = (path: string) => ({
      id: 'r',
      operation: 'update' as const,
      path,
      data: {},
      headers: {},
      remoteAddr: '127.0.0.1',
      storage: up.storage,
      mount: up.mount,
    });
    expect(await up.backend.existenceCheck(req('users/bob'))).toEqual({ checked: true, exists: false });
    await up.request('write', 'users/bob', { password: 'pw' });
    expect(await up.backend.existenceCheck(req('users/BOB'))).toEqual({ checked: true, exists: true });
  });

  it('requires a password (or hash) on create only', async () => {
    const up = await userpassBackend();
    const missing = await errorOf(up.request('write', 'users/bob', { token_policies: 'a' }));
    expect(missing).toBeInstanceOf(UserError);
    expect(missing.message).toBe('missing password');
    expect((await errorOf(up.request('write', 'users/bob', { password: '' }))).message).toBe('missing password');
    expect(await up.request('read', 'users/bob')).toBeNull();

    await up.request('write', 'users/bob', { password: 'pw' });
    await up.request('write', 'users/bob', { token_policies: 'a' });
    expect(dataOf(await up.request('read', 'users/bob'))['token_policies']).toEqual(['a']);
    // The password survived the update.
    expect((await up.request('write', 'login/bob', { password: 'pw' }))?.login).toBeDefined();
    // Sending an empty password on update is an error, not a removal.
    expect((await errorOf(up.request('write', 'users/bob', { password: '' }))).message).toBe('missing password');
  });

  it('only changes the fields sent', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/bob', { password: 'pw', token_policies: 'a,b', token_ttl: 60 });
    await up.request('write', 'users/bob', { token_max_ttl: 120 });
    const data = dataOf(await up.request('read', 'users/bob'));
    expect(data).toMatchObject({ token_policies: ['a', 'b'], token_ttl: 60, token_max_ttl: 120 });
    // JSON null counts as not sent.
    await up.request('write', 'users/bob', { password: null, policies: null, token_ttl: 30 });
    expect((await up.request('write', 'login/bob', { password: 'pw' }))?.login?.ttl).toBe(30);
    expect(dataOf(await up.request('read', 'users/bob'))['policies']).toBeUndefined();
  });

  it('rejects bad token fields and bad hashes', async () => {
    const up = await userpassBackend();
    const cases: [Record<string, unknown>, string][] = [
      [{ password: 'pw', token_type: 'weird' }, `invalid 'token_type' value "weird"`],
      [{ password: 'pw', token_ttl: 100, token_max_ttl: 10 }, "'token_ttl' cannot be greater than 'token_max_ttl'"],
      [{ password: 'pw', token_bound_cidrs: 'not-an-ip' }, 'failed to parse "not-an-ip" as an address'],
      [{ password: 'pw', token_bound_cidrs: '10.0.0.0/33' }, 'failed to parse "10.0.0.0/33" as an address'],
      [{ password: 'pw', password_hash: bcrypt.hashSync('x', 4) }, 'only one of password or password_hash may be provided'],
      [{ password_hash: 'plaintext' }, 'password_hash is not a valid bcrypt hash'],
      [{ password: 'a\ud800b' }, 'password must be valid Unicode text'],
      [{ password: 'pw', token_ttl: 'soon' }, 'Field validation failed'],
    ];
    for (const [data, message] of cases) {
      const err = await errorOf(up.request('write', 'users/bob', data));
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toContain(message);
    }
    expect(await up.request('read', 'users/bob')).toBeNull();
  });

  it('lowercases usernames everywhere', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/Mixed.Case_User-1', { password: 'pw' });
    expect(await up.request('list', 'users/')).toEqual({ data: { keys: ['mixed.case_user-1'] } });
    expect(await up.request('read', 'users/MIXED.case_user-1')).toEqual({ data: DEFAULT_READ });
    const resp = await up.request('write', 'login/MiXeD.CaSe_UsEr-1', { password: 'pw' });
    expect(resp?.login?.metadata).toEqual({ username: 'mixed.case_user-1' });
  });

  it('accepts Vault username characters only', async () => {
    const up = await userpassBackend();
    for (const name of ['-bob', 'bob.', '.bob', 'bo b', 'bob/x']) {
      const err = await errorOf(up.request('write', `users/${name}`, { password: 'pw' }));
      expect((err as AppError).code).toBe('ERR_UNSUPPORTED_PATH');
    }
    for (const name of ['a', 'a.b', 'a-b', 'a_b', '_x_']) {
      expect(await up.request('write', `users/${name}`, { password: 'pw' })).toBeNull();
    }
  });

  it('lists and deletes users', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/zed', { password: 'pw' });
    await up.request('write', 'users/amy', { password: 'pw' });
    expect(await up.request('list', 'users')).toEqual({ data: { keys: ['amy', 'zed'] } });
    expect(await up.request('delete', 'users/ZED')).toBeNull();
    expect(await up.request('read', 'users/zed')).toBeNull();
    expect(await up.request('list', 'users/')).toEqual({ data: { keys: ['amy'] } });
    expect(await up.request('delete', 'users/nobody')).toBeNull();
    expect((await errorOf(up.request('write', 'login/zed', { password: 'pw' }))).message).toBe('invalid username or password');
  });

  it('accepts the deprecated names and shows them back while in use (tokenutil.UpgradeValue)', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/bob', { password: 'pw', policies: 'a,b', ttl: '1m', max_ttl: '1h', bound_cidrs: '10.0.0.0/8' });
    expect(dataOf(await up.request('read', 'users/bob'))).toEqual({
      ...DEFAULT_READ,
      token_policies: ['a', 'b'],
      policies: ['a', 'b'],
      token_ttl: 60,
      ttl: 60,
      token_max_ttl: 3600,
      max_ttl: 3600,
      token_bound_cidrs: ['10.0.0.0/8'],
      bound_cidrs: ['10.0.0.0/8'],
    });
    // The new names win and retire the old ones.
    await up.request('write', 'users/bob', { token_policies: 'c', token_ttl: 30, policies: 'ignored' });
    const data = dataOf(await up.request('read', 'users/bob'));
    expect(data['token_policies']).toEqual(['c']);
    expect(data['policies']).toEqual(['c']);
    expect(data['token_ttl']).toBe(30);
    expect(data['ttl']).toBeUndefined();
    await up.request('write', 'users/bob', { token_policies: 'd' });
    expect(dataOf(await up.request('read', 'users/bob'))['policies']).toBeUndefined();
  });

  it('changes the password at users/:u/password', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/bob', { password: 'old', token_policies: 'p' });
    expect(await up.request('write', 'users/bob/password', { password: 'new' })).toBeNull();
    expect((await errorOf(up.request('write', 'login/bob', { password: 'old' }))).message).toBe('invalid username or password');
    expect((await up.request('write', 'login/bob', { password: 'new' }))?.login?.policies).toEqual(['p']);
    await up.request('write', 'users/bob/password', { password_hash: bcrypt.hashSync('hashed', 4) });
    expect((await up.request('write', 'login/bob', { password: 'hashed' }))?.login).toBeDefined();

    expect((await errorOf(up.request('write', 'users/bob/password', {}))).message).toBe('missing password');
    const unknown = await errorOf(up.request('write', 'users/nobody/password', { password: 'x' }));
    expect(unknown).toBeInstanceOf(UserError);
    expect(unknown.message).toBe('username does not exist');
  });

  it('sets policies at users/:u/policies', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/bob', { password: 'pw', token_policies: 'a', token_ttl: 60 });
    await up.request('write', 'users/bob/policies', { token_policies: ['x', 'y'] });
    expect(dataOf(await up.request('read', 'users/bob'))).toMatchObject({ token_policies: ['x', 'y'], token_ttl: 60 });
    await up.request('write', 'users/bob/policies', { policies: 'legacy' });
    expect(dataOf(await up.request('read', 'users/bob'))).toMatchObject({ token_policies: ['legacy'], policies: ['legacy'] });
    await up.request('write', 'users/bob/policies', { token_policies: '' });
    expect(dataOf(await up.request('read', 'users/bob'))['token_policies']).toEqual([]);
    expect((await errorOf(up.request('write', 'users/nobody/policies', { token_policies: 'a' }))).message).toBe('username does not exist');
  });

  it('stores a salted scrypt record with its parameters, never the password', async () => {
    const storage = new InmemStorage();
    const up = await userpassBackend({ storage });
    const secret = 'correct horse battery staple';
    const responses = [
      await up.request('write', 'users/alice', { password: secret }),
      await up.request('write', 'users/bob', { password: secret }),
      await up.request('read', 'users/alice'),
      await up.request('list', 'users/'),
      await up.request('write', 'login/alice', { password: secret }),
    ];
    const text = storageText(storage);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    expect(JSON.stringify(responses)).not.toContain(secret);

    const record = (name: string) => JSON.parse(new TextDecoder().decode(storage.entries.get(`user/${name}`))).password;
    const alice = record('alice');
    expect(alice).toMatchObject({ alg: 'scrypt', n: 1024, r: 8, p: 1 });
    expect(Buffer.from(alice.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(alice.hash, 'base64')).toHaveLength(32);
    // Same password, different salt and hash.
    expect(record('bob').salt).not.toBe(alice.salt);
    expect(record('bob').hash).not.toBe(alice.hash);
  });

  it('stores a bcrypt password_hash as given', async () => {
    const storage = new InmemStorage();
    const up = await userpassBackend({ storage });
    const hash = bcrypt.hashSync('from-elsewhere', 4);
    await up.request('write', 'users/carol', { password_hash: hash });
    expect(storageText(storage)).not.toContain('from-elsewhere');
    expect(JSON.parse(new TextDecoder().decode(storage.entries.get('user/carol'))).password).toEqual({ alg: 'bcrypt', hash });
    expect(await up.request('read', 'users/carol')).toEqual({ data: DEFAULT_READ });
  });

  it('routes login without a token and everything else with one', async () => {
    const up = await userpassBackend();
    expect(up.backend.spec.kind).toBe('credential');
    expect(up.backend.isSpecialPath('unauthenticated', 'login/bob')).toBe(true);
    expect(up.backend.isSpecialPath('unauthenticated', 'users/bob')).toBe(false);
  });
});
