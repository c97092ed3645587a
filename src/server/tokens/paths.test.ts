import { describe, expect, it } from 'vitest';
import type { LogicalResponse } from '../sdk/index.js';
import { isTokenAuthResponse, type AuthBlock } from './responses.js';
import { createTokenHarness, type TokenHarness } from './testing.js';

const H = 3600;

function auth(resp: LogicalResponse | null): AuthBlock {
  if (!isTokenAuthResponse(resp)) throw new Error(`expected an auth response, got ${JSON.stringify(resp)}`);
  return resp.auth;
}

function data(resp: LogicalResponse | null): Record<string, unknown> {
  if (!resp?.data) throw new Error(`expected data, got ${JSON.stringify(resp)}`);
  return resp.data;
}

function clock(start = 1_700_000_000_000): { now: () => number; advance(seconds: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(seconds) {
      t += seconds * 1000;
    },
  };
}

async function createAs(h: TokenHarness, token: string, body: Record<string, unknown> = {}, path = 'create'): Promise<AuthBlock> {
  return auth(await h.call(token, 'write', path, body));
}

describe('auth/token/create', () => {
  it('answers with an auth block shaped exactly like Vault', async () => {
    const h = await createTokenHarness();
    const resp = await h.call(h.rootToken, 'write', 'create', {
      policies: ['app', 'Ops '],
      meta: { user: 'bob' },
      display_name: 'my app!',
      ttl: '1h',
    });
    expect(resp?.data).toBeNull();
    const a = auth(resp);
    expect(Object.keys(a).sort()).toEqual(
      [
        'accessor',
        'client_token',
        'entity_id',
        'lease_duration',
        'metadata',
        'mfa_requirement',
        'num_uses',
        'orphan',
        'policies',
        'renewable',
        'token_policies',
        'token_type',
      ].sort(),
    );
    expect(a.client_token).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);
    expect(a.accessor).toMatch(/^[0-9A-Za-z]{24}$/);
    expect(a.policies).toEqual(['app', 'default', 'ops']);
    expect(a.token_policies).toEqual(['app', 'default', 'ops']);
    expect(a.metadata).toEqual({ user: 'bob' });
    expect(a.lease_duration).toBe(H);
    expect(a.renewable).toBe(true);
    expect(a.entity_id).toBe('');
    expect(a.token_type).toBe('service');
    expect(a.orphan).toBe(false);
    expect(a.mfa_requirement).toBeNull();
    expect(a.num_uses).toBe(0);
    const entry = await h.store.lookup(a.client_token);
    expect(entry?.display_name).toBe('token-my-app');
    expect(entry?.path).toBe('auth/token/create');
  });

  it('inherits the parent policies and enforces the subset rule for non-sudo callers', async () => {
    const h = await createTokenHarness();
    const parent = await createAs(h, h.rootToken, { policies: ['app'] });
    expect(parent.policies).toEqual(['app', 'default']);
    const inherited = await createAs(h, parent.client_token);
    expect(inherited.policies).toEqual(['app', 'default']);
    expect(inherited.orphan).toBe(false);
    const subset = await createAs(h, parent.client_token, { policies: ['app'], no_default_policy: true });
    expect(subset.policies).toEqual(['app']);
    await expect(h.call(parent.client_token, 'write', 'create', { policies: ['admin'] })).rejects.toThrow(
      'child policies must be subset of parent',
    );
    await expect(h.call(parent.client_token, 'write', 'create', { policies: ['root'] })).rejects.toThrow(
      'child policies must be subset of parent',
    );
    const rootChild = await createAs(h, h.rootToken);
    expect(rootChild.policies).toEqual(['root']);
    expect(rootChild.lease_duration).toBe(0);
    expect(rootChild.renewable).toBe(false);
  });

  it('needs sudo for no_parent, period and id; create-orphan is allowed by ACL alone', async () => {
    const h = await createTokenHarness();
    const plain = await createAs(h, h.rootToken, { policies: ['app'] });
    await expect(h.call(plain.client_token, 'write', 'create', { no_parent: true })).rejects.toThrow(
      'root or sudo privileges required to create orphan token',
    );
    await expect(h.call(plain.client_token, 'write', 'create', { period: '1h' })).rejects.toThrow(
      'root or sudo privileges required to create periodic token',
    );
    await expect(h.call(plain.client_token, 'write', 'create', { id: 'abc' })).rejects.toThrow(
      'root or sudo privileges required to specify token id',
    );
    const orphan = await createAs(h, plain.client_token, {}, 'create-orphan');
    expect(orphan.orphan).toBe(true);
    expect((await h.store.lookup(orphan.client_token))?.path).toBe('auth/token/create-orphan');

    h.sudoPolicies.add('admin');
    const admin = await createAs(h, h.rootToken, { policies: ['admin'] });
    const noParent = await createAs(h, admin.client_token, { no_parent: true, policies: ['anything'] });
    expect(noParent.orphan).toBe(true);
    expect(noParent.policies).toEqual(['anything', 'default']);
    const periodic = await createAs(h, admin.client_token, { period: '30m' });
    expect(periodic.lease_duration).toBe(30 * 60);
    const custom = await createAs(h, h.rootToken, { id: 'custom-id' });
    expect(custom.client_token).toBe('custom-id');
  });

  it('validates num_uses, type and ttl', async () => {
    const h = await createTokenHarness();
    await expect(h.call(h.rootToken, 'write', 'create', { num_uses: -1 })).rejects.toThrow('number of uses cannot be negative');
    await expect(h.call(h.rootToken, 'write', 'create', { type: 'weird' })).rejects.toThrow("invalid 'token_type' value");
    await expect(h.call(h.rootToken, 'write', 'create', { ttl: '-5s' })).rejects.toThrow('ttl must be positive');
    await expect(h.call(h.rootToken, 'write', 'create', { type: 'batch', num_uses: 2 })).rejects.toThrow(
      'batch tokens cannot have "num_uses" set',
    );
    await expect(h.call(h.rootToken, 'write', 'create', { policies: ['response-wrapping'] })).rejects.toThrow(
      'cannot assign policy "response-wrapping"',
    );
  });

  it('warns about unknown policies when told which exist', async () => {
    const h = await createTokenHarness({ deps: { policyExists: async (p) => p === 'default' } });
    const resp = await h.call(h.rootToken, 'write', 'create', { policies: ['ghost'] });
    expect(resp?.warnings).toEqual(['Policy "ghost" does not exist']);
  });

  it('creates batch tokens that are not stored and cannot be parents', async () => {
    const h = await createTokenHarness();
    const before = h.storage.puts;
    const b = await createAs(h, h.rootToken, { type: 'batch', policies: ['app'], ttl: '10m' });
    expect(h.storage.puts).toBe(before);
    expect(b.client_token.startsWith('hvb.')).toBe(true);
    expect(b.accessor).toBe('');
    expect(b.token_type).toBe('batch');
    expect(b.renewable).toBe(false);
    expect(b.lease_duration).toBe(600);
    const look = data(await h.call(b.client_token, 'read', 'lookup-self'));
    expect(look['type']).toBe('batch');
    expect(look['id']).toBe(b.client_token);
    expect(look['renewable']).toBe(false);
    await expect(h.call(b.client_token, 'write', 'create')).rejects.toThrow('batch tokens cannot create more tokens');
    await expect(h.call(b.client_token, 'write', 'renew-self')).rejects.toThrow('batch tokens cannot be renewed');
    await expect(h.call(b.client_token, 'write', 'revoke-self')).rejects.toThrow('batch tokens cannot be revoked');
    await expect(h.call(h.rootToken, 'write', 'revoke', { token: b.client_token })).rejects.toThrow('batch tokens cannot be revoked');
    expect(h.storage.puts).toBe(before);
  });

  it('children inherit entity and bound CIDRs unless orphaned', async () => {
    const h = await createTokenHarness();
    const login = await h.store.createToken({
      policies: ['default', 'app'],
      parent: null,
      orphan: true,
      path: 'auth/userpass/login/bob',
      displayName: 'userpass-bob',
      entityId: 'ent-1',
      boundCidrs: ['127.0.0.0/8'],
    });
    const kid = await createAs(h, login.token);
    expect(kid.entity_id).toBe('ent-1');
    expect((await h.store.lookup(kid.client_token))?.bound_cidrs).toEqual(['127.0.0.0/8']);
    const orphan = await createAs(h, login.token, {}, 'create-orphan');
    expect(orphan.entity_id).toBe('');
    await expect(h.call(kid.client_token, 'read', 'lookup-self', {}, { remoteAddr: '10.0.0.1' })).rejects.toThrow('permission denied');
  });
});

describe('lookups', () => {
  it('lookup-self gives Vault’s data (ESO needs type, numeric ttl and an expire_time key)', async () => {
    const c = clock();
    const h = await createTokenHarness({ now: c.now });
    const rootLook = data(await h.call(h.rootToken, 'read', 'lookup-self'));
    expect(Object.keys(rootLook).sort()).toEqual(
      [
        'accessor',
        'creation_time',
        'creation_ttl',
        'display_name',
        'entity_id',
        'expire_time',
        'explicit_max_ttl',
        'id',
        'issue_time',
        'meta',
        'num_uses',
        'orphan',
        'path',
        'policies',
        'renewable',
        'ttl',
        'type',
      ].sort(),
    );
    expect(rootLook).toMatchObject({
      id: h.rootToken,
      display_name: 'root',
      expire_time: null,
      ttl: 0,
      creation_ttl: 0,
      policies: ['root'],
      path: 'auth/token/root',
      meta: null,
      renewable: false,
      orphan: true,
      type: 'service',
      creation_time: Math.floor(c.now() / 1000),
      issue_time: new Date(c.now()).toISOString().replace('.000Z', 'Z'),
    });

    const t = await createAs(h, h.rootToken, { policies: ['app'], ttl: '1h', explicit_max_ttl: '2h', meta: { a: 'b' } });
    c.advance(100);
    const look = data(await h.call(t.client_token, 'read', 'lookup-self'));
    expect(look).toMatchObject({
      id: t.client_token,
      accessor: t.accessor,
      ttl: H - 100,
      creation_ttl: H,
      explicit_max_ttl: 2 * H,
      renewable: true,
      orphan: false,
      meta: { a: 'b' },
      policies: ['app', 'default'],
      display_name: 'token',
    });
    expect(look['expire_time']).toBe(new Date(c.now() + (H - 100) * 1000).toISOString().replace('.000Z', 'Z'));
  });

  it('lookup takes a token (or defaults to the caller); lookup-accessor hides the id', async () => {
    const h = await createTokenHarness();
    const t = await createAs(h, h.rootToken, { policies: ['app'] });
    expect(data(await h.call(h.rootToken, 'write', 'lookup', { token: t.client_token }))['id']).toBe(t.client_token);
    expect(data(await h.call(t.client_token, 'read', 'lookup'))['id']).toBe(t.client_token);
    const byAccessor = data(await h.call(h.rootToken, 'write', 'lookup-accessor', { accessor: t.accessor }));
    expect(byAccessor['id']).toBe('');
    expect(byAccessor['accessor']).toBe(t.accessor);
    await expect(h.call(h.rootToken, 'write', 'lookup', { token: 'hvs.unknown' })).rejects.toMatchObject({
      code: 'ERR_PERMISSION_DENIED',
      message: 'bad token',
    });
    await expect(h.call(h.rootToken, 'write', 'lookup-accessor', { accessor: 'nope' })).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: 'invalid accessor',
    });
    await expect(h.call(h.rootToken, 'write', 'lookup-accessor', {})).rejects.toThrow('missing accessor');
  });

  it('reports identity policies when an identity store is wired', async () => {
    const h = await createTokenHarness({
      deps: {
        identity: {
          upsertEntityForAlias: async () => ({ id: 'e1', disabled: false }),
          policiesFor: async (id) => (id === 'e1' ? ['team'] : []),
        },
      },
    });
    const login = await h.store.createToken({ policies: ['default'], parent: null, orphan: true, path: 'auth/userpass/login/a', displayName: 'userpass-a', entityId: 'e1' });
    const look = data(await h.call(login.token, 'read', 'lookup-self'));
    expect(look['identity_policies']).toEqual(['team']);
    const kid = await createAs(h, login.token);
    expect(kid.identity_policies).toEqual(['team']);
    expect(kid.token_policies).toEqual(['default']);
    expect(kid.policies).toEqual(['default', 'team']);
  });
});

describe('num_uses through the pipeline', () => {
  it('a single-use token works once and is then gone', async () => {
    const h = await createTokenHarness();
    const t = await createAs(h, h.rootToken, { num_uses: 2 });
    expect(t.num_uses).toBe(2);
    const first = data(await h.call(t.client_token, 'read', 'lookup-self'));
    expect(first['num_uses']).toBe(1);
    await h.call(t.client_token, 'read', 'lookup-self');
    await expect(h.call(t.client_token, 'read', 'lookup-self')).rejects.toThrow('permission denied');
    expect(await h.store.lookup(t.client_token, { tainted: true })).toBeNull();
  });
});

describe('renew', () => {
  it('renew, renew-self and renew-accessor answer with auth blocks and capping warnings', async () => {
    const c = clock();
    const h = await createTokenHarness({ now: c.now });
    const t = await createAs(h, h.rootToken, { policies: ['app'], ttl: '10m', explicit_max_ttl: '1h' });
    c.advance(60);
    const self = await h.call(t.client_token, 'write', 'renew-self', { increment: '30m' });
    expect(auth(self).client_token).toBe(t.client_token);
    expect(auth(self).lease_duration).toBe(30 * 60);
    const viaToken = await h.call(h.rootToken, 'write', 'renew', { token: t.client_token, increment: 7200 });
    expect(auth(viaToken).lease_duration).toBe(H - 60);
    expect(viaToken?.warnings).toEqual(['TTL of "2h" exceeded the effective max_ttl of "59m"; TTL value is capped accordingly']);
    const viaAccessor = await h.call(h.rootToken, 'write', 'renew-accessor', { accessor: t.accessor, increment: 60 });
    expect(auth(viaAccessor).client_token).toBe('');
    expect(auth(viaAccessor).accessor).toBe(t.accessor);
    expect(auth(viaAccessor).lease_duration).toBe(60);
    await expect(h.call(h.rootToken, 'write', 'renew', {})).rejects.toThrow('missing token ID');
    await expect(h.call(h.rootToken, 'write', 'renew', { token: 'hvs.nope' })).rejects.toThrow('token not found');
    await expect(h.call(h.rootToken, 'write', 'renew-self')).rejects.toThrow('lease is not renewable');
  });
});

describe('revoke', () => {
  it('revoke, revoke-self, revoke-accessor and revoke-orphan', async () => {
    const h = await createTokenHarness();
    const a = await createAs(h, h.rootToken, { policies: ['app'] });
    const b = await createAs(h, a.client_token);
    expect(await h.call(h.rootToken, 'write', 'revoke', { token: a.client_token })).toBeNull();
    expect(await h.store.lookup(b.client_token)).toBeNull();
    // Unknown tokens: 204 like Vault.
    expect(await h.call(h.rootToken, 'write', 'revoke', { token: 'hvs.nope' })).toBeNull();

    const self = await createAs(h, h.rootToken);
    expect(await h.call(self.client_token, 'write', 'revoke-self')).toBeNull();
    expect(await h.store.lookup(self.client_token)).toBeNull();

    const byAccessor = await createAs(h, h.rootToken);
    expect(await h.call(h.rootToken, 'write', 'revoke-accessor', { accessor: byAccessor.accessor })).toBeNull();
    expect(await h.store.lookup(byAccessor.client_token)).toBeNull();
    expect((await h.call(h.rootToken, 'write', 'revoke-accessor', { accessor: 'gone' }))?.warnings).toEqual([
      'No token found with this accessor',
    ]);

    const p = await createAs(h, h.rootToken, { policies: ['app'] });
    const kid = await createAs(h, p.client_token);
    await expect(h.call(p.client_token, 'write', 'revoke-orphan', { token: p.client_token })).rejects.toThrow(
      'root or sudo privileges required to revoke and orphan',
    );
    expect(await h.call(h.rootToken, 'write', 'revoke-orphan', { token: p.client_token })).toBeNull();
    expect((await h.store.lookup(kid.client_token))?.orphan).toBe(true);
    await expect(h.call(h.rootToken, 'write', 'revoke-orphan', { token: 'hvs.nope' })).rejects.toThrow('token to revoke not found');
  });
});

describe('roles', () => {
  it('CRUD and LIST with Vault’s read shape', async () => {
    const h = await createTokenHarness();
    expect(await h.call(h.rootToken, 'write', 'roles/web', { allowed_policies: 'web,Shared', orphan: true, token_period: '1h' })).toBeNull();
    const read = data(await h.call(h.rootToken, 'read', 'roles/web'));
    expect(read).toEqual({
      name: 'web',
      allowed_policies: ['shared', 'web'],
      disallowed_policies: [],
      allowed_policies_glob: [],
      disallowed_policies_glob: [],
      allowed_entity_aliases: null,
      orphan: true,
      renewable: true,
      path_suffix: '',
      period: 0,
      token_period: H,
      explicit_max_ttl: 0,
      token_explicit_max_ttl: 0,
      token_type: 'default-service',
      token_no_default_policy: false,
    });
    expect(data(await h.call(h.rootToken, 'list', 'roles/'))['keys']).toEqual(['web']);
    // Update keeps unspecified fields.
    await h.call(h.rootToken, 'write', 'roles/web', { renewable: false });
    expect(data(await h.call(h.rootToken, 'read', 'roles/web'))).toMatchObject({ orphan: true, renewable: false, token_period: H });
    expect(await h.call(h.rootToken, 'delete', 'roles/web')).toBeNull();
    expect(await h.call(h.rootToken, 'read', 'roles/web')).toBeNull();
    await expect(h.call(h.rootToken, 'write', 'create/nope')).rejects.toThrow('unknown role nope');
  });

  it('constrains tokens created against a role', async () => {
    const h = await createTokenHarness();
    await h.call(h.rootToken, 'write', 'roles/app', {
      allowed_policies: ['app', 'extra'],
      disallowed_policies: ['bad'],
      allowed_policies_glob: ['team-*'],
      path_suffix: 'rev-2',
      token_explicit_max_ttl: '2h',
      token_num_uses: 5,
    });
    const plain = await createAs(h, h.rootToken, { policies: ['default'] });
    // Roles allow policies beyond the caller's.
    const dflt = await createAs(h, plain.client_token, {}, 'create/app');
    expect(dflt.policies).toEqual(['app', 'default', 'extra']);
    expect(dflt.num_uses).toBe(5);
    expect(dflt.orphan).toBe(false);
    const entry = await h.store.lookup(dflt.client_token);
    expect(entry?.path).toBe('auth/token/create/app/rev-2');
    expect(entry?.role).toBe('app');
    expect(entry?.explicit_max_ttl).toBe(2 * H);
    expect(dflt.lease_duration).toBe(2 * H);
    const glob = await createAs(h, plain.client_token, { policies: ['team-blue'] }, 'create/app');
    expect(glob.policies).toEqual(['default', 'team-blue']);
    await expect(h.call(plain.client_token, 'write', 'create/app', { policies: ['ops'] })).rejects.toThrow(
      `token policies (["default" "ops"]) must be subset of the role's allowed policies (["app" "default" "extra"]) or glob policies (["team-*"])`,
    );
    await h.call(h.rootToken, 'write', 'roles/deny', { disallowed_policies: 'secret', disallowed_policies_glob: 'adm-*' });
    const admin = await createAs(h, h.rootToken, { policies: ['secret', 'ops', 'adm-x'] });
    await expect(h.call(admin.client_token, 'write', 'create/deny')).rejects.toThrow('is disallowed by this role');
    const ok = await createAs(h, admin.client_token, { policies: ['ops'] }, 'create/deny');
    expect(ok.policies).toEqual(['default', 'ops']);
    const both = await h.call(h.rootToken, 'write', 'create/app', { explicit_max_ttl: '3h' });
    expect(both?.warnings).toContain('Explicit max TTL specified both during creation call and in role; using the lesser value of 7200 seconds');
  });

  it('periodic, orphan, batch and CIDR-bound roles', async () => {
    const h = await createTokenHarness();
    await h.call(h.rootToken, 'write', 'roles/per', { token_period: '30m', orphan: true, token_bound_cidrs: '127.0.0.1' });
    const plain = await createAs(h, h.rootToken, { policies: ['app'] });
    const per = await createAs(h, plain.client_token, {}, 'create/per');
    expect(per.lease_duration).toBe(30 * 60);
    expect(per.orphan).toBe(true);
    const e = await h.store.lookup(per.client_token);
    expect(e?.bound_cidrs).toEqual(['127.0.0.1/32']);
    expect(e?.period).toBe(30 * 60);
    const renewed = await h.call(per.client_token, 'write', 'renew-self', { increment: '5h' });
    expect(auth(renewed).lease_duration).toBe(30 * 60);

    await expect(h.call(h.rootToken, 'write', 'roles/b1', { token_type: 'batch' })).rejects.toThrow(
      "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens",
    );
    await expect(h.call(h.rootToken, 'write', 'roles/b1', { token_type: 'batch', orphan: true })).rejects.toThrow(
      "'token_type' cannot be 'batch' when role is set to generate renewable tokens",
    );
    await expect(h.call(h.rootToken, 'write', 'roles/b1', { token_type: 'nope' })).rejects.toThrow(`invalid 'token_type' value "nope"`);
    await h.call(h.rootToken, 'write', 'roles/b1', { token_type: 'batch', orphan: true, renewable: false });
    const b = await createAs(h, plain.client_token, {}, 'create/b1');
    expect(b.token_type).toBe('batch');
    await h.call(h.rootToken, 'write', 'roles/db', { token_type: 'default-batch', orphan: true, renewable: false });
    expect((await createAs(h, plain.client_token, {}, 'create/db')).token_type).toBe('batch');
    expect((await createAs(h, plain.client_token, { type: 'service' }, 'create/db')).token_type).toBe('service');
    await expect(h.call(h.rootToken, 'write', 'roles/x', { path_suffix: 'a..b' })).rejects.toThrow(
      'error registering path suffix: path cannot contain parent references',
    );
    await expect(h.call(h.rootToken, 'write', 'roles/x', { token_bound_cidrs: 'not-an-ip' })).rejects.toThrow('failed to parse');
  });

  it('entity_alias needs a role that allows it and binds the token to the entity', async () => {
    const calls: unknown[] = [];
    const h = await createTokenHarness({
      deps: {
        identity: {
          upsertEntityForAlias: async (input) => {
            calls.push(input);
            return { id: 'entity-42', disabled: input.name === 'disabled-one' };
          },
          policiesFor: async () => [],
        },
      },
    });
    await h.call(h.rootToken, 'write', 'roles/ea', { allowed_entity_aliases: ['svc-*', 'exact', 'disabled-one'] });
    await expect(h.call(h.rootToken, 'write', 'create', { entity_alias: 'svc-a' })).rejects.toThrow(
      "'entity_alias' is only allowed in combination with token role",
    );
    await expect(h.call(h.rootToken, 'write', 'create/ea', { entity_alias: 'other' })).rejects.toThrow("invalid 'entity_alias' value");
    const t = await createAs(h, h.rootToken, { entity_alias: 'SVC-A' }, 'create/ea');
    expect(t.entity_id).toBe('entity-42');
    expect(calls).toEqual([{ mountAccessor: 'auth_token_12345678', mountType: 'token', name: 'SVC-A' }]);
    await expect(h.call(h.rootToken, 'write', 'create/ea', { entity_alias: 'disabled-one' })).rejects.toThrow(
      'entity from given entity alias is disabled',
    );
  });
});

describe('tidy and accessors', () => {
  it('tidy answers 202 with Vault’s warning', async () => {
    const h = await createTokenHarness();
    const resp = await h.call(h.rootToken, 'write', 'tidy');
    expect(resp?.httpStatus).toBe(202);
    expect(resp?.warnings).toEqual([
      "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.",
    ]);
  });

  it('LIST accessors needs sudo', async () => {
    const h = await createTokenHarness();
    const t = await createAs(h, h.rootToken, { policies: ['app'] });
    const keys = data(await h.call(h.rootToken, 'list', 'accessors/'))['keys'] as string[];
    expect(keys).toContain(t.accessor);
    await expect(h.call(t.client_token, 'list', 'accessors/')).rejects.toThrow('permission denied');
    expect(h.backend.isSpecialPath('root', 'accessors/')).toBe(true);
    expect(h.backend.isSpecialPath('root', 'revoke-orphan/x')).toBe(true);
  });
});
