/**
 * The token store (`auth/token/*`) through node-vault's token calls, plus the raw requests
 * hvac makes (reference: vault-core-api.md §3, §1 "Exact messages"; vault-engines-perf.md
 * §5.3): the `auth` block on create, the lookup `data` keys (and what ESO reads from
 * lookup-self), renew, revoke in its four forms, roles, batch tokens, `num_uses`, and the
 * 403 `permission denied` every revoked, expired or unknown token gets.
 *
 * node-vault's create/renew calls (`tokenSource`) switch the client to the token they return,
 * so every such call here goes through a client of its own.
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE_KEYS, api, compatTarget, rawRequest, unique, type Api, type CompatTarget, type RawResponse } from '../support/index.js';

type Client = ReturnType<typeof vault>;
interface NodeVaultError {
  message: string;
  response: { statusCode: number; body: unknown };
}

let target: CompatTarget;
let root: Api;
/** A policy that may create child tokens (the default policy may not). */
let creator: string;
/** A policy that exists, so creates carry no "does not exist" warning. */
let reader: string;
let kvPath: string;

/** A node-vault client bound to `token` (root by default); a fresh one each time. */
function client(token = target.token): Client {
  return vault({ apiVersion: 'v1', endpoint: target.addr, token });
}

/** The rejection of a node-vault call (fails the test if it resolved). */
async function rejection(promise: Promise<unknown>): Promise<NodeVaultError> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (err: unknown) => ({ resolved: false as const, err }),
  );
  if (outcome.resolved) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.err as NodeVaultError;
}

function errorsOf(res: RawResponse): string {
  return ((res.json as { errors?: string[] } | undefined)?.errors ?? []).join('\n');
}

/** What hvac needs: 403, exactly `application/json`, `permission denied` in the errors. */
function expectDenied(res: RawResponse): void {
  expect(res.status).toBe(403);
  expect(res.headers['content-type']).toBe('application/json');
  expect(errorsOf(res)).toContain('permission denied');
}

async function createToken(body: Record<string, unknown>, token = target.token, path = 'create'): Promise<Record<string, any>> {
  const res = await root.post(`/v1/auth/token/${path}`, body, { token });
  if (res.status !== 200) throw new Error(`auth/token/${path}: ${res.status} ${res.text}`);
  return res.json.auth as Record<string, any>;
}

const lookupSelf = (token: string): Promise<RawResponse> => rawRequest(target.addr, 'GET', '/v1/auth/token/lookup-self', { token });

/** Vault's lookup `data` for a service token that was never renewed and has no period or role. */
const LOOKUP_KEYS = [
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
];

/** The `auth` block on create (`identity_policies` is omitted while empty). */
const AUTH_KEYS = [
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
];

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const BASE62 = /^[0-9A-Za-z]+$/;

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
  creator = unique('tok-creator');
  reader = unique('tok-reader');
  kvPath = `secret/data/${unique('tok-kv')}`;
  const policies: [string, string][] = [
    [creator, 'path "auth/token/create" { capabilities = ["update"] }\npath "auth/token/create-orphan" { capabilities = ["update"] }\n'],
    [reader, `path "${kvPath}" { capabilities = ["read"] }\n`],
  ];
  for (const [name, policy] of policies) expect((await root.put(`/v1/sys/policies/acl/${name}`, { policy })).status).toBe(204);
  expect((await root.post(`/v1/${kvPath}`, { data: { v: 'readable' } })).status).toBe(200);
});

afterAll(async () => {
  if (root) {
    for (const name of [creator, reader]) await root.delete(`/v1/sys/policies/acl/${name}`);
    await root.delete(`/v1/${kvPath.replace('/data/', '/metadata/')}`);
  }
  await target?.close();
});

describe('create', () => {
  it('tokenCreate(): the auth block with Vault’s keys, data null, and the client switches to the new token', async () => {
    const nv = client();
    const res = await nv.tokenCreate({ policies: [reader], meta: { app: 'web' }, ttl: '1h', display_name: 'My App' });
    expect(Object.keys(res).sort()).toEqual([...ENVELOPE_KEYS]);
    expect(res.data).toBeNull();
    expect(res.mount_type).toBe('token');
    const auth = res.auth as Record<string, unknown>;
    expect(Object.keys(auth).sort()).toEqual(AUTH_KEYS);
    expect(auth['client_token']).toMatch(/^hvs\.[0-9A-Za-z_-]{24,}$/);
    expect(auth['accessor']).toMatch(BASE62);
    expect(auth['accessor']).toHaveLength(24);
    expect(auth['policies']).toEqual(['default', reader].sort());
    expect(auth['token_policies']).toEqual(auth['policies']);
    expect(auth['metadata']).toEqual({ app: 'web' });
    expect(auth['lease_duration']).toBe(3600);
    expect(auth).toMatchObject({ renewable: true, token_type: 'service', orphan: false, num_uses: 0, entity_id: '', mfa_requirement: null });
    // node-vault's tokenSource: later calls use the new token.
    expect(nv.token).toBe(auth['client_token']);
    const self = await nv.tokenLookupSelf();
    expect(self.data.id).toBe(auth['client_token']);
  });

  it('policies are lowercased, de-duplicated and sorted; an unknown one is a warning, not an error', async () => {
    const missing = unique('no-such-policy');
    const res = await root.post('/v1/auth/token/create', { policies: [reader.toUpperCase(), reader, missing], ttl: '10m' });
    expect(res.status).toBe(200);
    expect(res.json.auth.policies).toEqual(['default', missing, reader].sort());
    expect(res.json.warnings).toEqual([`Policy "${missing}" does not exist`]);
  });

  it('no_default_policy leaves "default" out; no policies inherits the parent’s', async () => {
    const bare = await createToken({ policies: [reader], no_default_policy: true, ttl: '10m' });
    expect(bare['policies']).toEqual([reader]);
    const parent = await createToken({ policies: [creator, reader], ttl: '10m' });
    const child = await createToken({ ttl: '5m' }, parent['client_token'] as string);
    expect(child['policies']).toEqual(['default', creator, reader].sort());
    expect(child['orphan']).toBe(false);
  });

  it('a child may not get policies its parent lacks, nor root', async () => {
    const parent = await createToken({ policies: [creator], ttl: '10m' });
    const token = parent['client_token'] as string;
    for (const policies of [[reader], ['root']]) {
      const res = await root.post('/v1/auth/token/create', { policies }, { token });
      expect(res.status).toBe(400);
      expect(errorsOf(res)).toContain('child policies must be subset of parent');
    }
  });

  it('no_parent needs root or sudo; create-orphan only needs the ACL', async () => {
    const parent = await createToken({ policies: [creator], ttl: '10m' });
    const token = parent['client_token'] as string;
    const res = await root.post('/v1/auth/token/create', { no_parent: true }, { token });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('root or sudo privileges required to create orphan token');
    const orphan = await client(token).tokenCreateOrphan({ ttl: '5m' });
    expect(orphan.auth.orphan).toBe(true);
    const byRoot = await createToken({ no_parent: true, policies: ['default'], ttl: '5m' });
    expect(byRoot['orphan']).toBe(true);
  });

  it('a TTL above the max is capped with Vault’s warning', async () => {
    const res = await root.post('/v1/auth/token/create', { policies: ['default'], ttl: '10000h' });
    expect(res.status).toBe(200);
    expect(res.json.auth.lease_duration).toBe(2764800);
    expect(res.json.warnings).toEqual(['TTL of "10000h" exceeded the effective max_ttl of "768h"; TTL value is capped accordingly']);
  });

  it('a custom id works (root only); "." or the hvs. prefix is 400', async () => {
    const id = unique('custom');
    const made = await createToken({ id, policies: ['default'], ttl: '5m' });
    expect(made['client_token']).toBe(id);
    expect((await lookupSelf(id)).json.data.id).toBe(id);
    for (const bad of ['has.dot', 'hvs.abcdef']) {
      const res = await root.post('/v1/auth/token/create', { id: bad });
      expect(res.status).toBe(400);
    }
  });

  it('num_uses < 0 is 400', async () => {
    const res = await root.post('/v1/auth/token/create', { num_uses: -1 });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('number of uses cannot be negative');
  });
});

describe('lookup', () => {
  let token = '';
  let accessor = '';

  beforeAll(async () => {
    const auth = await createToken({ policies: [reader], meta: { team: 'a' }, ttl: '1h', display_name: 'lookup me' });
    token = auth['client_token'] as string;
    accessor = auth['accessor'] as string;
  });

  it('tokenLookup(): exactly Vault’s data keys with Vault’s types', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await client().tokenLookup({ token });
    expect(Object.keys(res).sort()).toEqual([...ENVELOPE_KEYS]);
    expect(res.auth).toBeNull();
    const data = res.data as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual(LOOKUP_KEYS);
    expect(data).toMatchObject({
      id: token,
      accessor,
      creation_ttl: 3600,
      display_name: 'token-lookup-me',
      entity_id: '',
      explicit_max_ttl: 0,
      meta: { team: 'a' },
      num_uses: 0,
      orphan: false,
      path: 'auth/token/create',
      policies: ['default', reader].sort(),
      renewable: true,
      type: 'service',
    });
    // creation_time is unix seconds (an integer), the other times RFC 3339 strings.
    expect(Number.isInteger(data['creation_time'])).toBe(true);
    expect(Math.abs((data['creation_time'] as number) - before)).toBeLessThan(60);
    expect(data['issue_time']).toMatch(RFC3339);
    expect(data['expire_time']).toMatch(RFC3339);
    const ttl = data['ttl'] as number;
    expect(Number.isInteger(ttl)).toBe(true);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    const expiresIn = (Date.parse(data['expire_time'] as string) - Date.now()) / 1000;
    expect(Math.abs(expiresIn - ttl)).toBeLessThan(5);
  });

  it('tokenLookupSelf(): what ESO reads — type, a numeric ttl and an expire_time key', async () => {
    const res = await client(token).tokenLookupSelf();
    expect(Object.keys(res.data).sort()).toEqual(LOOKUP_KEYS);
    expect(res.data.type).toBe('service');
    expect(typeof res.data.ttl).toBe('number');
    expect(res.data.ttl).toBeGreaterThan(60);
    expect(res.data).toHaveProperty('expire_time');
    expect(res.data.id).toBe(token);
  });

  it('the root token: policies ["root"], path auth/token/root, ttl 0, expire_time null', async () => {
    const res = await client().tokenLookupSelf();
    expect(res.data).toMatchObject({
      policies: ['root'],
      path: 'auth/token/root',
      display_name: 'root',
      ttl: 0,
      creation_ttl: 0,
      expire_time: null,
      explicit_max_ttl: 0,
      meta: null,
      orphan: true,
      type: 'service',
    });
  });

  it('tokenLookupAccessor(): the same data with an empty id', async () => {
    const res = await client().tokenLookupAccessor({ accessor });
    expect(Object.keys(res.data).sort()).toEqual(LOOKUP_KEYS);
    expect(res.data.id).toBe('');
    expect(res.data.accessor).toBe(accessor);
    expect(res.data.display_name).toBe('token-lookup-me');
  });

  it('unknown token: lookup is 403 "bad token", lookup-self 403 permission denied; unknown accessor 400 "invalid accessor"', async () => {
    const bad = await rejection(client().tokenLookup({ token: 'hvs.doesnotexist0000000000' }));
    expect(bad.response.statusCode).toBe(403);
    expect(bad.message).toBe('bad token');
    const self = await rejection(client('hvs.doesnotexist0000000000').tokenLookupSelf());
    expect(self.response.statusCode).toBe(403);
    expect(self.message).toContain('permission denied');
    expectDenied(await lookupSelf('hvs.doesnotexist0000000000'));
    const acc = await rejection(client().tokenLookupAccessor({ accessor: 'doesnotexist0000000000aa' }));
    expect(acc.response.statusCode).toBe(400);
    expect(acc.message).toBe('invalid accessor');
  });

  it('no token at all is 403 permission denied', async () => {
    expectDenied(await rawRequest(target.addr, 'GET', '/v1/auth/token/lookup-self'));
  });

  it('tokenAccessors() (LIST, sudo) includes the token’s accessor; a non-sudo token gets 403', async () => {
    const res = await client().tokenAccessors();
    expect(res.data.keys).toContain(accessor);
    expectDenied(await rawRequest(target.addr, 'LIST', '/v1/auth/token/accessors', { token }));
  });
});

describe('renew', () => {
  it('tokenRenew(): a new lease_duration from the increment, same token and accessor', async () => {
    const auth = await createToken({ policies: [reader], ttl: '1h' });
    const res = await client().tokenRenew({ token: auth['client_token'], increment: '2h' });
    expect(Object.keys(res.auth).sort()).toEqual(AUTH_KEYS);
    expect(res.auth).toMatchObject({ client_token: auth['client_token'], accessor: auth['accessor'], lease_duration: 7200, renewable: true });
    expect(res.data).toBeNull();
    const looked = (await root.post('/v1/auth/token/lookup', { token: auth['client_token'] })).json.data;
    expect(looked.ttl).toBeGreaterThan(7100);
    expect(looked.creation_ttl).toBe(3600);
    // Once renewed, Vault adds the renewal times.
    expect(looked).toHaveProperty('last_renewal_time');
    expect(looked).toHaveProperty('last_renewal');
  });

  it('tokenRenewSelf() with an integer increment', async () => {
    const auth = await createToken({ policies: [reader], ttl: '1h' });
    const res = await client(auth['client_token'] as string).tokenRenewSelf({ increment: 600 });
    expect(res.auth.lease_duration).toBe(600);
    expect(res.auth.client_token).toBe(auth['client_token']);
  });

  it('renew-accessor (hvac) returns the auth block with an empty client_token', async () => {
    const auth = await createToken({ policies: [reader], ttl: '1h' });
    const res = await root.post('/v1/auth/token/renew-accessor', { accessor: auth['accessor'], increment: '30m' });
    expect(res.status).toBe(200);
    expect(res.json.auth).toMatchObject({ client_token: '', accessor: auth['accessor'], lease_duration: 1800 });
  });

  it('an increment past explicit_max_ttl is capped with a warning', async () => {
    const auth = await createToken({ policies: [reader], ttl: '10m', explicit_max_ttl: '20m' });
    const res = await root.post('/v1/auth/token/renew', { token: auth['client_token'], increment: '1h' });
    expect(res.status).toBe(200);
    expect(res.json.auth.lease_duration).toBeLessThanOrEqual(1200);
    expect(res.json.auth.lease_duration).toBeGreaterThan(1100);
    expect(res.json.warnings).toEqual(['TTL of "1h" exceeded the effective max_ttl of "20m"; TTL value is capped accordingly']);
  });

  it('a non-renewable token is 400 "lease is not renewable"', async () => {
    const auth = await createToken({ policies: [reader], ttl: '10m', renewable: false });
    expect(auth['renewable']).toBe(false);
    const err = await rejection(client(auth['client_token'] as string).tokenRenewSelf());
    expect(err.response.statusCode).toBe(400);
    expect(err.message).toBe('lease is not renewable');
  });
});

describe('revoke', () => {
  it('tokenRevoke(): 204, then the token is 403 permission denied everywhere', async () => {
    const auth = await createToken({ policies: [reader], ttl: '10m' });
    const token = auth['client_token'] as string;
    expect((await rawRequest(target.addr, 'GET', `/v1/${kvPath}`, { token })).status).toBe(200);
    await client().tokenRevoke({ token });
    const res = await lookupSelf(token);
    expectDenied(res);
    expect(errorsOf(res)).toContain('invalid token');
    expectDenied(await rawRequest(target.addr, 'GET', `/v1/${kvPath}`, { token }));
    const nv = await rejection(client(token).read(kvPath));
    expect(nv.response.statusCode).toBe(403);
  });

  it('a raw revoke is 204 with no body', async () => {
    const auth = await createToken({ policies: [reader], ttl: '10m' });
    const res = await root.post('/v1/auth/token/revoke', { token: auth['client_token'] });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('tokenRevokeSelf()', async () => {
    const auth = await createToken({ policies: [reader], ttl: '10m' });
    const token = auth['client_token'] as string;
    await client(token).tokenRevokeSelf();
    expectDenied(await lookupSelf(token));
  });

  it('tokenRevokeAccessor()', async () => {
    const auth = await createToken({ policies: [reader], ttl: '10m' });
    await client().tokenRevokeAccessor({ accessor: auth['accessor'] });
    expectDenied(await lookupSelf(auth['client_token'] as string));
    const again = await rejection(client().tokenLookupAccessor({ accessor: auth['accessor'] }));
    expect(again.response.statusCode).toBe(400);
  });

  it('revoking a parent revokes its children and grandchildren, not its orphans', async () => {
    const parent = (await createToken({ policies: [creator, reader], ttl: '10m' }))['client_token'] as string;
    const child = (await createToken({ ttl: '5m' }, parent))['client_token'] as string;
    const grandchild = (await createToken({ ttl: '5m' }, child))['client_token'] as string;
    const orphan = (await createToken({ ttl: '5m' }, parent, 'create-orphan'))['client_token'] as string;
    for (const t of [child, grandchild, orphan]) expect((await lookupSelf(t)).status).toBe(200);
    await client().tokenRevoke({ token: parent });
    for (const t of [parent, child, grandchild]) expectDenied(await lookupSelf(t));
    const kept = await lookupSelf(orphan);
    expect(kept.status).toBe(200);
    expect(kept.json.data.orphan).toBe(true);
  });

  it('tokenRevokeOrphan() (sudo) revokes only the parent; the children become orphans', async () => {
    const parent = (await createToken({ policies: [creator, reader], ttl: '10m' }))['client_token'] as string;
    const child = (await createToken({ ttl: '5m' }, parent))['client_token'] as string;
    const grandchild = (await createToken({ ttl: '5m' }, child))['client_token'] as string;
    await client().tokenRevokeOrphan({ token: parent });
    expectDenied(await lookupSelf(parent));
    const c = await lookupSelf(child);
    expect(c.status).toBe(200);
    expect(c.json.data.orphan).toBe(true);
    expect((await lookupSelf(grandchild)).json.data.orphan).toBe(false);
    // Without sudo on auth/token/revoke-orphan: 403.
    const denied = await rejection(client(child).tokenRevokeOrphan({ token: grandchild }));
    expect(denied.response.statusCode).toBe(403);
    await client().tokenRevoke({ token: child });
    expectDenied(await lookupSelf(grandchild));
  });
});

describe('expiry and num_uses', () => {
  it('an expired token is 403 permission denied (never 401)', async () => {
    const auth = await createToken({ policies: [reader], ttl: '1s' });
    const token = auth['client_token'] as string;
    expect(auth['lease_duration']).toBe(1);
    let res = await lookupSelf(token);
    for (let i = 0; i < 40 && res.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await lookupSelf(token);
    }
    expectDenied(res);
    expectDenied(await rawRequest(target.addr, 'GET', `/v1/${kvPath}`, { token }));
    const lookup = await root.post('/v1/auth/token/lookup', { token });
    expect(lookup.status).toBe(403);
  });

  it('num_uses counts down on each request, then the token is revoked', async () => {
    const auth = await createToken({ policies: [reader], num_uses: 3, ttl: '10m' });
    const token = auth['client_token'] as string;
    expect(auth['num_uses']).toBe(3);
    expect((await root.post('/v1/auth/token/lookup', { token })).json.data.num_uses).toBe(3);
    const first = await lookupSelf(token);
    expect(first.status).toBe(200);
    expect(first.json.data.num_uses).toBe(2);
    expect((await root.post('/v1/auth/token/lookup', { token })).json.data.num_uses).toBe(2);
    expect((await rawRequest(target.addr, 'GET', `/v1/${kvPath}`, { token })).status).toBe(200);
    expect((await rawRequest(target.addr, 'GET', `/v1/${kvPath}`, { token })).status).toBe(200);
    expectDenied(await rawRequest(target.addr, 'GET', `/v1/${kvPath}`, { token }));
    expectDenied(await lookupSelf(token));
  });

  it('a limited-use token cannot create children', async () => {
    const auth = await createToken({ policies: [creator], num_uses: 5, ttl: '10m' });
    const res = await root.post('/v1/auth/token/create', { policies: ['default'] }, { token: auth['client_token'] as string });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('restricted use token cannot generate child tokens');
  });
});

describe('batch tokens', () => {
  let batch: Record<string, any>;

  beforeAll(async () => {
    batch = await createToken({ type: 'batch', policies: [creator, reader], ttl: '10m' });
  });

  it('hvb. prefix, no accessor, not renewable, token_type batch', () => {
    expect(batch['client_token']).toMatch(/^hvb\./);
    expect(batch).toMatchObject({ accessor: '', renewable: false, token_type: 'batch', lease_duration: 600 });
  });

  it('works for what its policies allow, and lookup-self says type batch', async () => {
    const token = batch['client_token'] as string;
    const read = await rawRequest(target.addr, 'GET', `/v1/${kvPath}`, { token });
    expect(read.status).toBe(200);
    expect(read.json.data.data).toEqual({ v: 'readable' });
    const self = await client(token).tokenLookupSelf();
    expect(self.data).toMatchObject({ type: 'batch', renewable: false, accessor: '', id: token });
    expect(self.data.ttl).toBeGreaterThan(500);
    expect(self.data.expire_time).toMatch(RFC3339);
  });

  it('cannot be renewed, revoked, be a parent or have a cubbyhole', async () => {
    const token = batch['client_token'] as string;
    const renew = await rejection(client(token).tokenRenewSelf());
    expect(renew.response.statusCode).toBe(400);
    expect(renew.message).toBe('batch tokens cannot be renewed');
    expect((await root.post('/v1/auth/token/revoke', { token })).status).toBe(400);
    const child = await root.post('/v1/auth/token/create', { policies: ['default'] }, { token });
    expect(child.status).toBe(400);
    expect(errorsOf(child)).toContain('batch tokens cannot create more tokens');
    expect((await rawRequest(target.addr, 'GET', '/v1/cubbyhole/x', { token })).status).toBe(400);
    expect((await lookupSelf(token)).status).toBe(200);
  });

  it('a batch child dies with its service parent', async () => {
    const parent = (await createToken({ policies: [creator, reader], ttl: '10m' }))['client_token'] as string;
    const child = await createToken({ type: 'batch', ttl: '5m' }, parent);
    expect(child['orphan']).toBe(false);
    expect((await lookupSelf(child['client_token'] as string)).status).toBe(200);
    await client().tokenRevoke({ token: parent });
    expectDenied(await lookupSelf(child['client_token'] as string));
  });
});

describe('roles', () => {
  let role = '';

  beforeAll(() => {
    role = unique('role');
  });

  afterAll(async () => {
    if (role) await root.delete(`/v1/auth/token/roles/${role}`);
  });

  it('addTokenRole(), tokenRoles(), getTokenRole()', async () => {
    await client().addTokenRole({
      role_name: role,
      allowed_policies: `default,${reader}`,
      orphan: true,
      renewable: false,
      path_suffix: 'sfx',
      explicit_max_ttl: 3600,
    });
    const listed = await client().tokenRoles();
    expect(listed.data.keys).toContain(role);
    const read = await client().getTokenRole({ role_name: role });
    expect(read.data).toMatchObject({
      name: role,
      allowed_policies: ['default', reader].sort(),
      disallowed_policies: [],
      orphan: true,
      renewable: false,
      path_suffix: 'sfx',
      explicit_max_ttl: 3600,
      token_explicit_max_ttl: 3600,
      token_type: 'default-service',
    });
  });

  it('tokenCreateRole(): the role’s settings, path auth/token/create/<role>/<suffix>', async () => {
    const res = await client().tokenCreateRole({ role_name: role, policies: [reader] });
    expect(res.auth).toMatchObject({ orphan: true, renewable: false, policies: ['default', reader].sort(), lease_duration: 3600 });
    const data = (await root.post('/v1/auth/token/lookup', { token: res.auth.client_token })).json.data;
    expect(data).toMatchObject({ path: `auth/token/create/${role}/sfx`, role, explicit_max_ttl: 3600, orphan: true });
  });

  it('policies outside allowed_policies are 400', async () => {
    const res = await root.post(`/v1/auth/token/create/${role}`, { policies: [creator] });
    expect(res.status).toBe(400);
  });

  it('removeTokenRole(): 204, then a read is 404 and create with it is 400', async () => {
    await client().removeTokenRole({ role_name: role });
    const read = await rejection(client().getTokenRole({ role_name: role }));
    expect(read.response.statusCode).toBe(404);
    const res = await root.post(`/v1/auth/token/create/${role}`, {});
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain(`unknown role ${role}`);
    role = '';
  });
});
