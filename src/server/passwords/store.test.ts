import { describe, expect, it } from 'vitest';
import { InternalError, UserError } from '../../shared/errors.js';
import { getJson, putJson } from '../sdk/index.js';
import { InmemStorage } from '../sdk/testing.js';
import { createPasswordPolicyStore } from './store.js';

const DIGITS_POLICY = 'length = 8\nrule "charset" {\n  charset = "0123456789"\n  min-chars = 8\n}\n';
const ALPHA_POLICY = 'length = 12\nrule "charset" { charset = "abcdef" }\n';

/** Satisfiable (50 a's meet both rules) but overlapping rules no random draw will meet. */
const TOO_STRICT = JSON.stringify({
  length: 100,
  rule: [
    { charset: { charset: 'ab', 'min-chars': 50 } },
    { charset: { charset: 'ac', 'min-chars': 50 } },
    { charset: { charset: Array.from({ length: 200 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('') } },
  ],
});

describe('createPasswordPolicyStore', () => {
  it('stores {policy} under password_policy/<name> and reads it back as written', async () => {
    const storage = new InmemStorage();
    const store = createPasswordPolicyStore(storage);
    const policy = await store.put('pin', DIGITS_POLICY);
    expect(policy.length).toBe(8);
    expect(await getJson(storage, 'password_policy/pin')).toEqual({ policy: DIGITS_POLICY });
    expect(await store.get('pin')).toBe(DIGITS_POLICY);
    expect(await store.get('missing')).toBeNull();
  });

  it('honours a custom prefix', async () => {
    const storage = new InmemStorage();
    await createPasswordPolicyStore(storage, { prefix: 'pp/' }).put('pin', DIGITS_POLICY);
    expect([...storage.entries.keys()]).toEqual(['pp/pin']);
  });

  it('generates passwords that follow the stored policy', async () => {
    const store = createPasswordPolicyStore(new InmemStorage());
    await store.put('pin', DIGITS_POLICY);
    for (let i = 0; i < 20; i++) expect(await store.generate('pin')).toMatch(/^[0-9]{8}$/);
  });

  it('picks up a policy rewritten behind its back (by another node)', async () => {
    const storage = new InmemStorage();
    const store = createPasswordPolicyStore(storage);
    await store.put('p', DIGITS_POLICY);
    expect(await store.generate('p')).toMatch(/^[0-9]{8}$/);
    await putJson(storage, 'password_policy/p', { policy: ALPHA_POLICY });
    expect(await store.generate('p')).toMatch(/^[a-f]{12}$/);
  });

  it('refuses to generate from a missing policy with a UserError naming it', async () => {
    const store = createPasswordPolicyStore(new InmemStorage());
    await expect(store.generate('nope')).rejects.toThrow(new UserError('password policy "nope" not found'));
  });

  it('answers 500 (not 400) for a stored policy that no longer parses', async () => {
    const storage = new InmemStorage();
    await putJson(storage, 'password_policy/broken', { policy: 'length = ' });
    await expect(createPasswordPolicyStore(storage).generate('broken')).rejects.toThrow(InternalError);
  });

  it('refuses invalid policies and leaves the stored one intact', async () => {
    const storage = new InmemStorage();
    const store = createPasswordPolicyStore(storage);
    await store.put('p', DIGITS_POLICY);
    await expect(store.put('p', '')).rejects.toThrow(new UserError('missing policy'));
    await expect(store.put('p', 'length = 2\nrule "charset" { charset = "a" }')).rejects.toThrow(
      new UserError('invalid password policy: passwords must be between 4 and 100 characters'),
    );
    await expect(store.put('p', 'length = 10\nrule "upper" { charset = "A" }')).rejects.toThrow(/^invalid password policy: unrecognized rule type "upper"/);
    await expect(store.put('p', 'length = 10')).rejects.toThrow(/^invalid password policy: no charset specified/);
    await expect(store.put('p', TOO_STRICT)).rejects.toThrow(/^unable to generate password from provided policy: .*too restrictive/);
    expect(await store.get('p')).toBe(DIGITS_POLICY);
  });

  it('lists names sorted, including names with slashes; deletes idempotently', async () => {
    const store = createPasswordPolicyStore(new InmemStorage());
    expect(await store.list()).toEqual([]);
    await store.put('zeta', DIGITS_POLICY);
    await store.put('team/alpha', DIGITS_POLICY);
    await store.put('alpha', DIGITS_POLICY);
    expect(await store.list()).toEqual(['alpha', 'team/alpha', 'zeta']);
    await store.delete('alpha');
    await store.delete('alpha');
    expect(await store.list()).toEqual(['team/alpha', 'zeta']);
  });

  it.each(['', '/a', 'a/', 'a//b', '..', 'a/../b', './a'])('refuses the name %j', async (name) => {
    const store = createPasswordPolicyStore(new InmemStorage());
    await expect(store.put(name, DIGITS_POLICY)).rejects.toThrow(UserError);
    await expect(store.get(name)).rejects.toThrow(UserError);
    await expect(store.delete(name)).rejects.toThrow(UserError);
  });
});
