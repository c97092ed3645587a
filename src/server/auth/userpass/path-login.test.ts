import bcrypt from 'bcryptjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermissionDeniedError, UserError } from '../../../shared/errors.js';
import { InmemStorage } from '../../sdk/testing.js';
import { errorOf, userpassBackend } from './testing.js';

describe('userpass login', () => {
  it('returns the login result the core turns into a token', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/mitchellh', { password: 'pw', token_policies: 'policy1,policy2' });
    const resp = await up.request('write', 'login/mitchellh', { password: 'pw' });
    expect(resp).toEqual({
      login: {
        policies: ['policy1', 'policy2'],
        metadata: { username: 'mitchellh' },
        displayName: 'mitchellh',
        alias: { name: 'mitchellh' },
        ttl: 0,
        maxTtl: 0,
        explicitMaxTtl: 0,
        period: 0,
        numUses: 0,
        boundCidrs: [],
        tokenType: 'default',
        noDefaultPolicy: false,
      },
    });
    expect(resp?.data).toBeUndefined();
    expect(resp?.auth).toBeUndefined();
  });

  it('carries the user token settings into the login', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/bob', {
      password: 'pw',
      token_ttl: '1h',
      token_max_ttl: '2h',
      token_explicit_max_ttl: '3h',
      token_period: '10m',
      token_num_uses: 4,
      token_type: 'batch',
      token_no_default_policy: true,
      token_bound_cidrs: '127.0.0.1,10.0.0.0/8',
    });
    expect((await up.request('write', 'login/bob', { password: 'pw' }))?.login).toMatchObject({
      ttl: 3600,
      maxTtl: 7200,
      explicitMaxTtl: 10800,
      period: 600,
      numUses: 4,
      tokenType: 'batch',
      noDefaultPolicy: true,
      // Full CIDRs, so the token store's check reads them right.
      boundCidrs: ['127.0.0.1/32', '10.0.0.0/8'],
    });
  });

  it('answers a wrong password and an unknown user with the same 400', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/bob', { password: 'right-password' });
    const wrong = await errorOf(up.request('write', 'login/bob', { password: 'wrong-password' }));
    const unknown = await errorOf(up.request('write', 'login/nobody', { password: 'wrong-password' }));
    for (const err of [wrong, unknown]) {
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toBe('invalid username or password');
      // Nothing about the attempt leaks: no password, no cause, no details.
      expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain('wrong-password');
      expect(err.cause).toBeUndefined();
      expect((err as UserError).details).toEqual([]);
    }
  });

  it('requires a password', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/bob', { password: 'pw' });
    for (const data of [{}, { password: '' }]) {
      const err = await errorOf(up.request('write', 'login/bob', data));
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toBe('missing password');
    }
  });

  it('does the same scrypt work for unknown users as for known ones', async () => {
    // Costly enough that skipping the hash would show: ~8 ms per hash against ~0.1 ms without.
    const kdf = { N: 2 ** 13, r: 8, p: 1 };
    const up = await userpassBackend({ kdf, lockout: { disable_lockout: true } });
    await up.request('write', 'users/bob', { password: 'pw' });
    const median = async (path: string): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const start = performance.now();
        await errorOf(up.request('write', path, { password: 'nope' }));
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[3] ?? 0;
    };
    await median('login/bob'); // warm-up
    const known = await median('login/bob');
    const unknown = await median('login/nobody');
    expect(unknown).toBeGreaterThan(known * 0.4);
  });

  it('verifies bcrypt password_hash users with bcrypt', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/carol', { password_hash: bcrypt.hashSync('s3cret', 4), token_policies: 'p' });
    expect((await up.request('write', 'login/carol', { password: 's3cret' }))?.login?.policies).toEqual(['p']);
    expect((await errorOf(up.request('write', 'login/carol', { password: 'S3cret' }))).message).toBe('invalid username or password');
    // $2y$ (PHP) and $2b$ hashes too.
    const y = bcrypt.hashSync('php', 4).replace(/^\$2[ab]\$/, '$2y$');
    await up.request('write', 'users/dave', { password_hash: y });
    expect((await up.request('write', 'login/dave', { password: 'php' }))?.login).toBeDefined();
  });

  it('refuses logins from outside token_bound_cidrs with 403', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/far', { password: 'pw', token_bound_cidrs: '10.0.0.0/8' });
    await up.request('write', 'users/near', { password: 'pw', token_bound_cidrs: ['127.0.0.0/8', '::1'] });
    // createTestBackend's requests come from 127.0.0.1.
    expect(await errorOf(up.request('write', 'login/far', { password: 'pw' }))).toBeInstanceOf(PermissionDeniedError);
    expect((await up.request('write', 'login/near', { password: 'pw' }))?.login).toBeDefined();
    // A wrong password from outside is still just a wrong password.
    expect(await errorOf(up.request('write', 'login/far', { password: 'x' }))).toBeInstanceOf(UserError);
  });

  it('upgrades hashes made with weaker parameters at the next successful login', async () => {
    const storage = new InmemStorage();
    const weak = await userpassBackend({ storage, kdf: { N: 2 ** 4, r: 1, p: 1 } });
    await weak.request('write', 'users/bob', { password: 'pw' });
    const stored = () => JSON.parse(new TextDecoder().decode(storage.entries.get('user/bob'))).password;
    expect(stored()).toMatchObject({ n: 16, r: 1 });

    const strong = await userpassBackend({ storage });
    await errorOf(strong.request('write', 'login/bob', { password: 'wrong' }));
    expect(stored()).toMatchObject({ n: 16, r: 1 });
    await strong.request('write', 'login/bob', { password: 'pw' });
    expect(stored()).toMatchObject({ alg: 'scrypt', n: 1024, r: 8, p: 1 });
    expect((await strong.request('write', 'login/bob', { password: 'pw' }))?.login).toBeDefined();
    expect((await weak.request('write', 'login/bob', { password: 'pw' }))?.login).toBeDefined();
  });

  it('round-trips any password: it logs in, and any other password does not', async () => {
    const up = await userpassBackend({ lockout: { disable_lockout: true } });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
        async (password, other) => {
          fc.pre(password !== other);
          const name = `u${n++}`;
          await up.request('write', `users/${name}`, { password });
          const ok = await up.request('write', `login/${name}`, { password });
          expect(ok?.login?.alias).toEqual({ name });
          const err = await errorOf(up.request('write', `login/${name}`, { password: other }));
          expect(err.message).toBe('invalid username or password');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('never lets a lone surrogate stand in for U+FFFD', async () => {
    const up = await userpassBackend();
    await up.request('write', 'users/bob', { password: 'a\uFFFDb' });
    expect((await errorOf(up.request('write', 'login/bob', { password: 'a\uD800b' }))).message).toBe('invalid username or password');
    expect((await up.request('write', 'login/bob', { password: 'a\uFFFDb' }))?.login).toBeDefined();
  });
});
