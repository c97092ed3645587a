/**
 * Auth method logins through node-vault (`userpassLogin`, `approleLogin`, `kubernetesLogin`,
 * `jwtLogin` and its approle/kubernetes role calls) and raw HTTP shaped like hvac's
 * `client.auth.*` calls (reference: vault-core-api.md §2 "auth", §6, §7;
 * vault-engines-perf.md §5.3): userpass users and lockout, approle roles and secret IDs with
 * their CIDR bindings, jwt with static validation keys, kubernetes against the in-process
 * Kubernetes API test server, and the `sys/auth` list/enable/tune/disable shapes.
 *
 * Login tokens are orphans, renewable, with `path = auth/<mount>/login[/...]` and an entity.
 * Every mount here has a unique name and is disabled afterwards.
 *
 * node-vault's login calls (`tokenSource`) switch the client to the token they return, so
 * every login goes through a client of its own.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE_KEYS, api, compatTarget, rawRequest, unique, type Api, type CompatTarget, type RawResponse } from '../support/index.js';
import { start as startKube, type KubeTestServer } from '../support/kube/index.js';

type Client = ReturnType<typeof vault>;
interface NodeVaultError {
  message: string;
  response: { statusCode: number; body: unknown };
}

/** The `auth` block of a login (`identity_policies` is omitted while empty). */
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

let target: CompatTarget;
let root: Api;
let reader: string;
let kvPath: string;
const mounts: string[] = [];

function client(token = target.token): Client {
  return vault({ apiVersion: 'v1', endpoint: target.addr, token });
}

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

function must(res: RawResponse, what: string): RawResponse {
  if (res.status < 200 || res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res;
}

/** An unauthenticated POST, as a login is. */
function anon(method: string, path: string, body?: unknown): Promise<RawResponse> {
  return rawRequest(target.addr, method, path, body === undefined ? {} : { body });
}

async function enableAuth(type: string, extra: Record<string, unknown> = {}): Promise<string> {
  const path = unique(type);
  const res = await root.post(`/v1/sys/auth/${path}`, { type, ...extra });
  expect(res.status).toBe(204);
  mounts.push(path);
  return path;
}

/** The common login shape: envelope, `data: null`, the auth block keys, orphan and renewable. */
function expectLoginShape(res: Record<string, any>): Record<string, any> {
  expect(Object.keys(res).sort()).toEqual([...ENVELOPE_KEYS]);
  expect(res['data']).toBeNull();
  expect(res['lease_id']).toBe('');
  const auth = res['auth'] as Record<string, any>;
  expect(Object.keys(auth).sort()).toEqual(AUTH_KEYS);
  expect(auth['client_token']).toMatch(/^hvs\./);
  expect(auth['orphan']).toBe(true);
  expect(auth['renewable']).toBe(true);
  expect(auth['token_type']).toBe('service');
  expect(auth['entity_id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(auth['mfa_requirement']).toBeNull();
  return auth;
}

/** lookup-self of a login token: orphan, renewable, the login path, the entity. */
async function expectLoginToken(token: string, path: string, entityId: string, displayName: string): Promise<Record<string, any>> {
  const res = await root.get('/v1/auth/token/lookup-self', { token });
  expect(res.status).toBe(200);
  const data = res.json.data as Record<string, any>;
  expect(data['path']).toBe(path);
  expect(data['orphan']).toBe(true);
  expect(data['renewable']).toBe(true);
  expect(data['entity_id']).toBe(entityId);
  expect(data['display_name']).toBe(displayName);
  return data;
}

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
  reader = unique('auth-reader');
  kvPath = `secret/data/${unique('auth-kv')}`;
  must(await root.put(`/v1/sys/policies/acl/${reader}`, { policy: `path "${kvPath}" { capabilities = ["read"] }\n` }), 'policy');
  must(await root.post(`/v1/${kvPath}`, { data: { v: 'readable' } }), 'kv write');
});

afterAll(async () => {
  if (root) {
    for (const m of mounts) await root.delete(`/v1/sys/auth/${m}`);
    await root.delete(`/v1/sys/policies/acl/${reader}`);
    await root.delete(`/v1/${kvPath.replace('/data/', '/metadata/')}`);
  }
  await target?.close();
});

// ---- sys/auth ------------------------------------------------------------------------

describe('sys/auth', () => {
  it('enable, list (accessor, config.token_type), read, tune and disable', async () => {
    const nv = client();
    const path = unique('userpass');
    await nv.enableAuth({ mount_point: path, type: 'userpass', description: 'people' });
    mounts.push(path);

    const list = (await nv.auths()) as Record<string, any>;
    expect(list['token/']).toMatchObject({ type: 'token' });
    const entry = list[`${path}/`] as Record<string, any>;
    expect(entry).toBeDefined();
    expect(entry['type']).toBe('userpass');
    expect(entry['description']).toBe('people');
    expect(entry['accessor']).toMatch(/^auth_userpass_[0-9a-f]{8}$/);
    expect(entry['config']).toMatchObject({ token_type: 'default-service', default_lease_ttl: 0, max_lease_ttl: 0 });
    expect(entry['local']).toBe(false);
    expect(entry['seal_wrap']).toBe(false);
    // The same entries under `data`.
    expect((list['data'] as Record<string, any>)[`${path}/`]).toEqual(entry);

    const one = await root.get(`/v1/sys/auth/${path}`);
    expect(one.status).toBe(200);
    expect(one.json.data).toMatchObject({ type: 'userpass', accessor: entry['accessor'] });

    expect((await root.post(`/v1/sys/auth/${path}/tune`, { default_lease_ttl: '1h', token_type: 'default-service' })).status).toBe(204);
    const tune = await root.get(`/v1/sys/auth/${path}/tune`);
    expect(tune.status).toBe(200);
    expect(tune.json.data).toMatchObject({ default_lease_ttl: 3600, token_type: 'default-service' });
    expect(tune.json.data.max_lease_ttl).toEqual(expect.any(Number));

    // Enabling the same path again is a 409 (as sys/mounts).
    const again = await root.post(`/v1/sys/auth/${path}`, { type: 'userpass' });
    expect(again.status).toBe(409);
    expect(errorsOf(again)).toContain('path is already in use');

    await nv.disableAuth({ mount_point: path });
    const after = (await nv.auths()) as Record<string, any>;
    expect(after[`${path}/`]).toBeUndefined();
  });

  it('an unknown auth type is a 400', async () => {
    const res = await root.post(`/v1/sys/auth/${unique('nope')}`, { type: 'no-such-method' });
    expect(res.status).toBe(400);
  });
});

// ---- userpass ------------------------------------------------------------------------

describe('userpass', () => {
  let mount: string;

  beforeAll(async () => {
    mount = await enableAuth('userpass');
  });

  it('users/:u create (name lowercased), read (no password), list and delete', async () => {
    expect((await root.post(`/v1/auth/${mount}/users/Carol`, { password: 'pw-carol', token_policies: reader, token_ttl: '30m' })).status).toBe(204);
    const read = await root.get(`/v1/auth/${mount}/users/carol`);
    expect(read.status).toBe(200);
    const data = read.json.data as Record<string, any>;
    expect(data['token_policies']).toEqual([reader]);
    expect(data['token_ttl']).toBe(1800);
    expect(data['token_type']).toBe('default');
    expect(data['token_bound_cidrs']).toEqual([]);
    expect(data).not.toHaveProperty('password');
    expect(data).not.toHaveProperty('password_hash');

    const list = await root.list(`/v1/auth/${mount}/users`);
    expect(list.status).toBe(200);
    expect(list.json.data.keys).toContain('carol');

    expect((await root.delete(`/v1/auth/${mount}/users/carol`)).status).toBe(204);
    expect((await root.get(`/v1/auth/${mount}/users/carol`)).status).toBe(404);
  });

  it('userpassLogin(): the auth block, data null, metadata.username, policies; the token is an orphan on login/<user>', async () => {
    must(await root.post(`/v1/auth/${mount}/users/bob`, { password: 'pw-bob', token_policies: reader }), 'user bob');
    const nv = client();
    const res = (await nv.userpassLogin({ mount_point: mount, username: 'bob', password: 'pw-bob' })) as Record<string, any>;
    const auth = expectLoginShape(res);
    expect(auth['metadata']).toEqual({ username: 'bob' });
    expect(auth['policies']).toEqual(['default', reader].sort());
    expect(auth['token_policies']).toEqual(auth['policies']);
    expect(nv.token).toBe(auth['client_token']);

    await expectLoginToken(auth['client_token'] as string, `auth/${mount}/login/bob`, auth['entity_id'] as string, `${mount}-bob`);
    // The token works, within its policy.
    expect((await root.get(`/v1/${kvPath}`, { token: auth['client_token'] as string })).status).toBe(200);
    // It renews.
    const renewed = await root.post('/v1/auth/token/renew-self', {}, { token: auth['client_token'] as string });
    expect(renewed.status).toBe(200);
    expect(renewed.json.auth.client_token).toBe(auth['client_token']);

    // A second login finds the same entity.
    const again = await anon('POST', `/v1/auth/${mount}/login/bob`, { password: 'pw-bob' });
    expect(again.status).toBe(200);
    expect(again.json.auth.entity_id).toBe(auth['entity_id']);
    expect(again.json.auth.client_token).not.toBe(auth['client_token']);
  });

  it('a wrong password or unknown user is a 400 invalid username or password', async () => {
    must(await root.post(`/v1/auth/${mount}/users/dave`, { password: 'pw-dave' }), 'user dave');
    const err = await rejection(client().userpassLogin({ mount_point: mount, username: 'dave', password: 'wrong' }));
    expect(err.response.statusCode).toBe(400);
    expect(err.message).toBe('invalid username or password');
    const unknown = await anon('POST', `/v1/auth/${mount}/login/nobody`, { password: 'x' });
    expect(unknown.status).toBe(400);
    expect(errorsOf(unknown)).toBe('invalid username or password');
  });

  it('locks the user out after the tuned threshold (403), even with the right password', async () => {
    const locked = await enableAuth('userpass');
    expect(
      (
        await root.post(`/v1/sys/auth/${locked}/tune`, {
          user_lockout_config: { lockout_threshold: '2', lockout_duration: '10m', lockout_counter_reset: '10m' },
        })
      ).status,
    ).toBe(204);
    const tune = await root.get(`/v1/sys/auth/${locked}/tune`);
    expect(tune.status).toBe(200);
    must(await root.post(`/v1/auth/${locked}/users/erin`, { password: 'pw-erin' }), 'user erin');

    for (let i = 0; i < 2; i++) {
      const bad = await anon('POST', `/v1/auth/${locked}/login/erin`, { password: 'wrong' });
      expect(bad.status).toBe(400);
      expect(errorsOf(bad)).toBe('invalid username or password');
    }
    const refused = await anon('POST', `/v1/auth/${locked}/login/erin`, { password: 'pw-erin' });
    expect(refused.status).toBe(403);
    expect(errorsOf(refused)).toContain('permission denied');
    // Another user on the same mount is unaffected.
    must(await root.post(`/v1/auth/${locked}/users/frank`, { password: 'pw-frank' }), 'user frank');
    expect((await anon('POST', `/v1/auth/${locked}/login/frank`, { password: 'pw-frank' })).status).toBe(200);
  });
});

// ---- approle -------------------------------------------------------------------------

describe('approle', () => {
  let mount: string;

  beforeAll(async () => {
    mount = await enableAuth('approle');
  });

  it('role CRUD, role-id, secret-id generate/lookup/destroy and approleLogin()', async () => {
    const nv = client();
    // node-vault sends only the fields in its schema: `policies` (the old name), not token_policies.
    await nv.addApproleRole({ mount_point: mount, role_name: 'web', policies: reader, token_ttl: 600, secret_id_ttl: 3600 });
    const role = (await nv.getApproleRole({ mount_point: mount, role_name: 'web' })) as Record<string, any>;
    expect(role['data']).toMatchObject({ bind_secret_id: true, token_policies: [reader], token_ttl: 600, secret_id_ttl: 3600, token_type: 'default' });
    const list = (await nv.approleRoles({ mount_point: mount })) as Record<string, any>;
    expect(list['data'].keys).toContain('web');

    const roleId = ((await nv.getApproleRoleId({ mount_point: mount, role_name: 'web' })) as Record<string, any>)['data'].role_id as string;
    expect(roleId).toMatch(/^[0-9a-f-]{36}$/);

    const gen = (await nv.getApproleRoleSecret({ mount_point: mount, role_name: 'web', metadata: JSON.stringify({ env: 'test' }) })) as Record<
      string,
      any
    >;
    const secret = gen['data'] as Record<string, any>;
    expect(Object.keys(secret).sort()).toEqual(['secret_id', 'secret_id_accessor', 'secret_id_num_uses', 'secret_id_ttl']);
    expect(secret['secret_id_ttl']).toBe(3600);

    const lookup = (await nv.approleSecretLookup({ mount_point: mount, role_name: 'web', secret_id: secret['secret_id'] })) as Record<string, any>;
    expect(lookup['data']).toMatchObject({ secret_id_accessor: secret['secret_id_accessor'], metadata: { env: 'test' }, secret_id_ttl: 3600 });
    const accessors = await root.list(`/v1/auth/${mount}/role/web/secret-id`);
    expect(accessors.json.data.keys).toContain(secret['secret_id_accessor']);

    const login = client();
    const res = (await login.approleLogin({ mount_point: mount, role_id: roleId, secret_id: secret['secret_id'] })) as Record<string, any>;
    const auth = expectLoginShape(res);
    expect(auth['metadata']).toEqual({ role_name: 'web', env: 'test' });
    expect(auth['policies']).toEqual(['default', reader].sort());
    expect(auth['lease_duration']).toBe(600);
    await expectLoginToken(auth['client_token'] as string, `auth/${mount}/login`, auth['entity_id'] as string, `${mount}`);
    expect((await root.get(`/v1/${kvPath}`, { token: auth['client_token'] as string })).status).toBe(200);

    await nv.approleSecretDestroy({ mount_point: mount, role_name: 'web', secret_id: secret['secret_id'] });
    const gone = await anon('POST', `/v1/auth/${mount}/login`, { role_id: roleId, secret_id: secret['secret_id'] });
    expect(gone.status).toBe(400);
    expect(errorsOf(gone)).toBe('invalid role or secret ID');

    await nv.deleteApproleRole({ mount_point: mount, role_name: 'web' });
    expect((await root.get(`/v1/auth/${mount}/role/web`)).status).toBe(404);
  });

  it('bad credentials are a 400 invalid role or secret ID', async () => {
    must(await root.post(`/v1/auth/${mount}/role/bad`, { token_policies: reader }), 'role bad');
    const roleId = (await root.get(`/v1/auth/${mount}/role/bad/role-id`)).json.data.role_id as string;
    const err = await rejection(client().approleLogin({ mount_point: mount, role_id: roleId, secret_id: 'not-a-secret' }));
    expect(err.response.statusCode).toBe(400);
    expect(err.message).toBe('invalid role or secret ID');
    const unknownRole = await anon('POST', `/v1/auth/${mount}/login`, { role_id: 'no-such-role-id', secret_id: 'x' });
    expect(unknownRole.status).toBe(400);
    expect(errorsOf(unknownRole)).toBe('invalid role or secret ID');
    const missing = await anon('POST', `/v1/auth/${mount}/login`, { role_id: roleId });
    expect(missing.status).toBe(400);
    expect(errorsOf(missing)).toContain('missing secret_id');
  });

  it('secret_id_bound_cidrs that exclude 127.0.0.1 refuse the login', async () => {
    must(await root.post(`/v1/auth/${mount}/role/far`, { token_policies: reader, secret_id_bound_cidrs: '10.0.0.0/8' }), 'role far');
    const roleId = (await root.get(`/v1/auth/${mount}/role/far/role-id`)).json.data.role_id as string;
    const secretId = (await root.post(`/v1/auth/${mount}/role/far/secret-id`, {})).json.data.secret_id as string;
    const res = await anon('POST', `/v1/auth/${mount}/login`, { role_id: roleId, secret_id: secretId });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('unauthorized by CIDR restrictions on the role');
  });

  it('a secret ID with a cidr_list that excludes 127.0.0.1 is refused', async () => {
    must(await root.post(`/v1/auth/${mount}/role/sidcidr`, { token_policies: reader }), 'role sidcidr');
    const roleId = (await root.get(`/v1/auth/${mount}/role/sidcidr/role-id`)).json.data.role_id as string;
    const secretId = (await root.post(`/v1/auth/${mount}/role/sidcidr/secret-id`, { cidr_list: '192.0.2.0/24' })).json.data.secret_id as string;
    const res = await anon('POST', `/v1/auth/${mount}/login`, { role_id: roleId, secret_id: secretId });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('unauthorized through CIDR restrictions on the secret ID');
  });

  it('bind_secret_id=false with token_bound_cidrs 127.0.0.1/32 logs in with the role ID alone', async () => {
    // Without any CIDR binding a role may not drop the secret ID.
    const unbound = await root.post(`/v1/auth/${mount}/role/open`, { bind_secret_id: false });
    expect(unbound.status).toBe(400);

    must(await root.post(`/v1/auth/${mount}/role/local`, { bind_secret_id: false, token_bound_cidrs: '127.0.0.1/32', token_policies: reader }), 'role local');
    const roleId = (await root.get(`/v1/auth/${mount}/role/local/role-id`)).json.data.role_id as string;
    const res = await anon('POST', `/v1/auth/${mount}/login`, { role_id: roleId });
    expect(res.status).toBe(200);
    const auth = expectLoginShape(res.json as Record<string, any>);
    expect(auth['metadata']).toEqual({ role_name: 'local' });
    const data = await expectLoginToken(auth['client_token'] as string, `auth/${mount}/login`, auth['entity_id'] as string, `${mount}`);
    expect(data['bound_cidrs']).toEqual(['127.0.0.1']);
    // The bound token is usable from loopback.
    expect((await root.get(`/v1/${kvPath}`, { token: auth['client_token'] as string })).status).toBe(200);
  });

  it('custom role-id via updateApproleRoleId()', async () => {
    must(await root.post(`/v1/auth/${mount}/role/custom`, { token_policies: reader }), 'role custom');
    const custom = unique('rid');
    await client().updateApproleRoleId({ mount_point: mount, role_name: 'custom', role_id: custom });
    expect((await root.get(`/v1/auth/${mount}/role/custom/role-id`)).json.data.role_id).toBe(custom);
    const secretId = (await root.post(`/v1/auth/${mount}/role/custom/secret-id`, {})).json.data.secret_id as string;
    expect((await anon('POST', `/v1/auth/${mount}/login`, { role_id: custom, secret_id: secretId })).status).toBe(200);
  });
});

// ---- jwt -----------------------------------------------------------------------------

describe('jwt', () => {
  let mount: string;
  let privateKey: KeyObject;
  let otherKey: KeyObject;
  const issuer = 'https://issuer.example.test';

  function sign(claims: Record<string, unknown>, options: { key?: KeyObject; aud?: string; exp?: number } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(issuer)
      .setSubject('ci-runner-7')
      .setAudience(options.aud ?? 'coffer')
      .setIssuedAt(now - 10)
      .setExpirationTime(options.exp ?? now + 300)
      .sign(options.key ?? privateKey);
  }

  beforeAll(async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    mount = await enableAuth('jwt');
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    must(await root.post(`/v1/auth/${mount}/config`, { jwt_validation_pubkeys: [pem], bound_issuer: issuer }), 'jwt config');
    must(
      await root.post(`/v1/auth/${mount}/role/ci`, {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: ['coffer'],
        bound_claims_type: 'glob',
        bound_claims: { email: '*@example.com' },
        claim_mappings: { team: 'team' },
        token_policies: [reader],
      }),
      'jwt role',
    );
  });

  it('jwtLogin() with a signed JWT: the login shape, claim_mappings metadata, the entity', async () => {
    const jwt = await sign({ email: 'ci@example.com', team: 'platform' });
    const res = (await client().jwtLogin({ mount_point: mount, role: 'ci', jwt })) as Record<string, any>;
    const auth = expectLoginShape(res);
    expect(auth['metadata']).toEqual({ role: 'ci', team: 'platform' });
    expect(auth['policies']).toEqual(['default', reader].sort());
    await expectLoginToken(auth['client_token'] as string, `auth/${mount}/login`, auth['entity_id'] as string, `${mount}-ci-runner-7`);
    const entity = await root.get(`/v1/identity/entity/id/${auth['entity_id'] as string}`);
    expect((entity.json.data.aliases as Array<Record<string, any>>).map((a) => a['name'])).toContain('ci-runner-7');
  });

  it('a wrong audience, an expired token or a bad signature is a 400 error validating token', async () => {
    const cases = [
      await sign({ email: 'ci@example.com' }, { aud: 'someone-else' }),
      await sign({ email: 'ci@example.com' }, { exp: Math.floor(Date.now() / 1000) - 3600 }),
      await sign({ email: 'ci@example.com' }, { key: otherKey }),
    ];
    for (const jwt of cases) {
      const res = await anon('POST', `/v1/auth/${mount}/login`, { role: 'ci', jwt });
      expect(res.status).toBe(400);
      expect(errorsOf(res)).toMatch(/^error validating token/);
    }
  });

  it('a claim outside the bound_claims glob is a 400 error validating claims', async () => {
    const jwt = await sign({ email: 'intruder@evil.test' });
    const err = await rejection(client().jwtLogin({ mount_point: mount, role: 'ci', jwt }));
    expect(err.response.statusCode).toBe(400);
    expect(err.message).toMatch(/error validating claims/);
  });

  it('an unknown role is a 400', async () => {
    const res = await anon('POST', `/v1/auth/${mount}/login`, { role: 'nope', jwt: await sign({ email: 'ci@example.com' }) });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('role "nope" could not be found');
  });
});

// ---- kubernetes ----------------------------------------------------------------------

describe('kubernetes', () => {
  let kube: KubeTestServer;
  let mount: string;

  beforeAll(async () => {
    kube = await startKube();
    kube.createNamespace('vault-system');
    kube.createServiceAccount('vault-system', 'reviewer');
    kube.createNamespace('shop');
    kube.createServiceAccount('shop', 'api');
    mount = await enableAuth('kubernetes');
    must(
      await root.post(`/v1/auth/${mount}/config`, {
        kubernetes_host: kube.url,
        kubernetes_ca_cert: kube.caPem,
        token_reviewer_jwt: kube.mintLegacyToken('vault-system', 'reviewer'),
      }),
      'kubernetes config',
    );
    // node-vault 0.12's addKubernetesRole has a malformed schema (no `properties`) and throws
    // before sending anything, so the role is written the way hvac does it.
    must(
      await root.post(`/v1/auth/${mount}/role/shop`, {
        bound_service_account_names: ['api'],
        bound_service_account_namespaces: ['shop'],
        audience: 'vault',
        token_policies: reader,
      }),
      'kubernetes role',
    );
  });

  afterAll(async () => {
    await kube?.close();
  });

  it('config and role reads (the reviewer JWT is never returned)', async () => {
    const config = await root.get(`/v1/auth/${mount}/config`);
    expect(config.status).toBe(200);
    expect(config.json.data).toMatchObject({ kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem });
    expect(config.json.data).not.toHaveProperty('token_reviewer_jwt');
    const role = (await client().getKubernetesRole({ mount_point: mount, role_name: 'shop' })) as Record<string, any>;
    expect(role['data']).toMatchObject({ bound_service_account_names: ['api'], bound_service_account_namespaces: ['shop'], audience: 'vault', token_policies: [reader] });
  });

  it('kubernetesLogin() with a projected token: the login shape and the ServiceAccount metadata', async () => {
    const jwt = (await kube.client.requestToken('shop', 'api', { audiences: ['vault'] })).status.token;
    const res = (await client().kubernetesLogin({ mount_point: mount, role: 'shop', jwt })) as Record<string, any>;
    const auth = expectLoginShape(res);
    expect(auth['metadata']).toMatchObject({ role: 'shop', service_account_name: 'api', service_account_namespace: 'shop' });
    expect(auth['metadata'].service_account_uid).toMatch(/^[0-9a-f-]{36}$/);
    await expectLoginToken(auth['client_token'] as string, `auth/${mount}/login`, auth['entity_id'] as string, `${mount}-shop-api`);
    expect((await root.get(`/v1/${kvPath}`, { token: auth['client_token'] as string })).status).toBe(200);
  });

  it('the default ServiceAccount is a 403; an unknown role is a 400', async () => {
    const jwt = (await kube.client.requestToken('shop', 'default', { audiences: ['vault'] })).status.token;
    const err = await rejection(client().kubernetesLogin({ mount_point: mount, role: 'shop', jwt }));
    expect(err.response.statusCode).toBe(403);
    expect(err.message).toContain('permission denied');
    const unknown = await anon('POST', `/v1/auth/${mount}/login`, { role: 'nope', jwt });
    expect(unknown.status).toBe(400);
    expect(errorsOf(unknown)).toBe('invalid role name "nope"');
  });
});

// ---- disabling a mount revokes its tokens ---------------------------------------------

describe('disable', () => {
  it("DELETE sys/auth/:path revokes the mount's login tokens", async () => {
    const mount = await enableAuth('userpass');
    must(await root.post(`/v1/auth/${mount}/users/gina`, { password: 'pw-gina' }), 'user gina');
    const login = await anon('POST', `/v1/auth/${mount}/login/gina`, { password: 'pw-gina' });
    expect(login.status).toBe(200);
    const token = login.json.auth.client_token as string;
    expect((await root.get('/v1/auth/token/lookup-self', { token })).status).toBe(200);
    expect((await root.delete(`/v1/sys/auth/${mount}`)).status).toBe(204);
    const after = await root.get('/v1/auth/token/lookup-self', { token });
    expect(after.status).toBe(403);
    expect(errorsOf(after)).toContain('permission denied');
  });
});
