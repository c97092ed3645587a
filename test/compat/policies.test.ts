/**
 * ACL policies: node-vault's legacy `sys/policy` calls, raw `sys/policies/acl/*`, the
 * `sys/capabilities*` endpoints, and enforcement end to end with tokens that carry the
 * policies (reference: vault-core-api.md §2 "policy", "capabilities", §4; hvac uses the
 * legacy `sys/policy` paths and reads `data.rules` / `data.policies`, vault-engines-perf.md §5.1).
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE_KEYS, api, compatTarget, rawRequest, unique, type Api, type CompatTarget, type RawResponse } from '../support/index.js';

type Client = ReturnType<typeof vault>;

let target: CompatTarget;
let root: Api;
let nv: Client;
/** Every policy name this file creates, deleted afterwards. */
const created = new Set<string>();
/** A KV v2 prefix under `secret/` owned by this file. */
let prefix = '';

const DENIED = '1 error occurred:\n\t* permission denied\n\n';

function errorsOf(res: RawResponse): string {
  return ((res.json as { errors?: string[] } | undefined)?.errors ?? []).join('\n');
}

function expectDenied(res: RawResponse): void {
  expect(res.status).toBe(403);
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.json).toEqual({ errors: [DENIED] });
}

async function putPolicy(name: string, policy: string): Promise<void> {
  created.add(name);
  const res = await root.put(`/v1/sys/policies/acl/${name}`, { policy });
  if (res.status !== 204) throw new Error(`policy ${name}: ${res.status} ${res.text}`);
}

async function tokenWith(policies: string[]): Promise<string> {
  const res = await root.post('/v1/auth/token/create', { policies, ttl: '15m' });
  if (res.status !== 200) throw new Error(`token create: ${res.status} ${res.text}`);
  return res.json.auth.client_token as string;
}

async function rejection(promise: Promise<unknown>): Promise<{ message: string; response: { statusCode: number } }> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (err: unknown) => ({ resolved: false as const, err }),
  );
  if (outcome.resolved) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.err as { message: string; response: { statusCode: number } };
}

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
  nv = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
  prefix = unique('pol');
});

afterAll(async () => {
  if (root) {
    for (const name of created) await root.delete(`/v1/sys/policies/acl/${name}`);
    const listed = await root.list(`/v1/secret/metadata/${prefix}/`);
    const walk = async (dir: string, keys: string[]): Promise<void> => {
      for (const key of keys) {
        if (key.endsWith('/')) {
          const sub = await root.list(`/v1/secret/metadata/${dir}${key}`);
          await walk(`${dir}${key}`, (sub.json?.data?.keys as string[] | undefined) ?? []);
        } else {
          await root.delete(`/v1/secret/metadata/${dir}${key}`);
        }
      }
    };
    await walk(`${prefix}/`, (listed.json?.data?.keys as string[] | undefined) ?? []);
  }
  await target?.close();
});

describe('legacy sys/policy through node-vault', () => {
  it('policies(): keys and policies, sorted, with default and root, also at the top level', async () => {
    const res = await nv.policies();
    expect(res.data.keys).toEqual(res.data.policies);
    expect(res.keys).toEqual(res.data.keys);
    expect(res.policies).toEqual(res.data.policies);
    expect(res.policies).toContain('default');
    expect(res.policies).toContain('root');
    expect([...(res.policies as string[])].sort()).toEqual(res.policies);
  });

  it('addPolicy({name, rules}) (node-vault’s README form), getPolicy() gives name and rules at both levels', async () => {
    const name = unique('nv-legacy');
    created.add(name);
    const rules = `{ "path": { "secret/data/${prefix}/legacy/*": { "policy": "write" } } }`;
    await nv.addPolicy({ name, rules });
    const res = await nv.getPolicy({ name });
    expect(res.data).toEqual({ name, rules });
    expect(res.name).toBe(name);
    expect(res.rules).toBe(rules);
    expect((await nv.policies()).policies).toContain(name);
    // The old `policy = "write"` form grants create, read, update, delete and list.
    const token = await tokenWith([name]);
    const caps = await root.post('/v1/sys/capabilities', { token, paths: [`secret/data/${prefix}/legacy/x`] });
    expect(caps.json.capabilities).toEqual(['create', 'delete', 'list', 'read', 'update']);
    const written = await rawRequest(target.addr, 'POST', `/v1/secret/data/${prefix}/legacy/x`, { token, body: { data: { a: '1' } } });
    expect(written.status).toBe(200);
  });

  it('addPolicy({name, policy}) is a 204', async () => {
    const name = unique('nv-policy');
    created.add(name);
    const res = await root.put(`/v1/sys/policy/${name}`, { policy: 'path "a/b" { capabilities = ["read"] }' });
    expect(res.status).toBe(204);
    await nv.addPolicy({ name, policy: 'path "a/c" { capabilities = ["read"] }' });
    expect((await nv.getPolicy({ name })).rules).toBe('path "a/c" { capabilities = ["read"] }');
  });

  it('removePolicy(): then getPolicy() is 404; removing a missing policy still succeeds', async () => {
    const name = unique('nv-remove');
    created.add(name);
    await nv.addPolicy({ name, policy: 'path "x" { capabilities = ["read"] }' });
    await nv.removePolicy({ name });
    const err = await rejection(nv.getPolicy({ name }));
    expect(err.response.statusCode).toBe(404);
    await expect(nv.removePolicy({ name })).resolves.toBeDefined();
    expect((await nv.policies()).policies).not.toContain(name);
  });
});

describe('sys/policies/acl', () => {
  it('PUT is 204; GET has data {name, policy} and is not copied to the top level; LIST has keys', async () => {
    const name = unique('acl');
    const text = 'path "secret/data/x" {\n  capabilities = ["read"]\n}\n';
    await putPolicy(name, text);
    const res = await root.get(`/v1/sys/policies/acl/${name}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json as object).sort()).toEqual([...ENVELOPE_KEYS]);
    expect(res.json.data).toEqual({ name, policy: text });
    const listed = await root.list('/v1/sys/policies/acl');
    expect(listed.status).toBe(200);
    expect(Object.keys(listed.json.data as object)).toEqual(['keys']);
    expect(listed.json.data.keys).toContain(name);
    expect(listed.json.data.keys).toContain('default');
    const viaQuery = await root.get('/v1/sys/policies/acl?list=true');
    expect(viaQuery.json.data.keys).toEqual(listed.json.data.keys);
  });

  it('a missing policy is 404 {"errors":[]}; deleting it is 204', async () => {
    const res = await root.get(`/v1/sys/policies/acl/${unique('missing')}`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ errors: [] });
    expect((await root.delete(`/v1/sys/policies/acl/${unique('missing')}`)).status).toBe(204);
  });

  it('names are lowercased, with a warning', async () => {
    const name = unique('upper');
    created.add(name);
    const res = await root.put(`/v1/sys/policies/acl/${name.toUpperCase()}`, { policy: 'path "a" { capabilities = ["read"] }' });
    expect(res.status).toBe(200);
    expect(res.json.warnings).toEqual([`policy name was converted to "${name}"`]);
    expect((await root.get(`/v1/sys/policies/acl/${name}`)).json.data.name).toBe(name);
  });

  it('a base64 policy is decoded; the JSON form is accepted', async () => {
    const b64 = unique('b64');
    const text = 'path "sys/audit" { capabilities = ["read", "sudo"] }';
    await putPolicy(b64, Buffer.from(text).toString('base64'));
    expect((await root.get(`/v1/sys/policies/acl/${b64}`)).json.data.policy).toBe(text);
    const json = unique('json');
    await putPolicy(json, JSON.stringify({ path: { [`secret/data/${prefix}/json/*`]: { capabilities: ['read'] } } }));
    const token = await tokenWith([json]);
    const caps = await root.post('/v1/sys/capabilities', { token, paths: [`secret/data/${prefix}/json/a`] });
    expect(caps.json.capabilities).toEqual(['read']);
  });

  it('an empty policy is 400', async () => {
    const res = await root.put(`/v1/sys/policies/acl/${unique('empty')}`, { policy: '' });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toBe("'policy' parameter not supplied or empty");
  });

  it('invalid HCL is 400 "failed to parse policy" with the line and column', async () => {
    const name = unique('bad');
    const res = await root.put(`/v1/sys/policies/acl/${name}`, {
      policy: 'path "a" {\n  capabilities = ["read"]\n}\npath "b" {\n  capabilities = [\n',
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    expect(errorsOf(res)).toMatch(/^failed to parse policy: /);
    expect(errorsOf(res)).toMatch(/\b[4-6]:\d+\b/);
    expect((await root.get(`/v1/sys/policies/acl/${name}`)).status).toBe(404);
  });

  it('an unknown capability or key is 400, naming the place', async () => {
    const cap = await root.put(`/v1/sys/policies/acl/${unique('bad')}`, { policy: 'path "a" {\n  capabilities = ["reed"]\n}\n' });
    expect(cap.status).toBe(400);
    expect(errorsOf(cap)).toMatch(/^failed to parse policy: .*reed/);
    expect(errorsOf(cap)).toMatch(/\b2:\d+\b/);
    const key = await root.put(`/v1/sys/policies/acl/${unique('bad')}`, { policy: 'path "a" {\n  capabilities = ["read"]\n  colour = "red"\n}\n' });
    expect(key.status).toBe(400);
    expect(errorsOf(key)).toMatch(/^failed to parse policy: /);
  });

  it('root cannot be changed or deleted; default cannot be deleted; both stay listed', async () => {
    for (const path of ['/v1/sys/policies/acl/root', '/v1/sys/policy/root']) {
      const write = await root.put(path, { policy: 'path "a" { capabilities = ["read"] }' });
      expect(write.status).toBe(400);
      expect(errorsOf(write)).toContain('root');
    }
    const delRoot = await root.delete('/v1/sys/policies/acl/root');
    expect(delRoot.status).toBe(400);
    expect(errorsOf(delRoot)).toContain('cannot delete');
    const delDefault = await root.delete('/v1/sys/policies/acl/default');
    expect(delDefault.status).toBe(400);
    expect(errorsOf(delDefault)).toBe('cannot delete default policy');
    const legacyDefault = await rejection(nv.removePolicy({ name: 'default' }));
    expect(legacyDefault.response.statusCode).toBe(400);
    const keys = (await root.list('/v1/sys/policies/acl')).json.data.keys as string[];
    expect(keys).toContain('root');
    expect(keys).toContain('default');
  });

  it('"response-wrapping" cannot be given to a token', async () => {
    const res = await root.post('/v1/auth/token/create', { policies: ['response-wrapping'] });
    expect(res.status).toBe(400);
  });
});

describe('capabilities', () => {
  let name = '';
  let sudoName = '';
  let token = '';
  let accessor = '';

  beforeAll(async () => {
    name = unique('caps');
    sudoName = unique('caps-sudo');
    await putPolicy(
      name,
      [
        `path "secret/data/${prefix}/caps/*" { capabilities = ["read", "list"] }`,
        `path "secret/data/${prefix}/caps/blocked" { capabilities = ["deny"] }`,
        `path "secret/data/${prefix}/rw/*" { capabilities = ["create", "update", "read"] }`,
      ].join('\n'),
    );
    await putPolicy(sudoName, 'path "sys/audit" { capabilities = ["read", "sudo"] }');
    const res = await root.post('/v1/auth/token/create', { policies: [name, sudoName], ttl: '15m' });
    token = res.json.auth.client_token as string;
    accessor = res.json.auth.accessor as string;
  });

  it('sys/capabilities: one sorted list per path, at the top level too; deny for no match or an explicit deny', async () => {
    const paths = [`secret/data/${prefix}/caps/a`, `secret/data/${prefix}/caps/blocked`, `secret/data/${prefix}/elsewhere`, 'sys/audit'];
    const res = await root.post('/v1/sys/capabilities', { token, paths });
    expect(res.status).toBe(200);
    const expected = {
      [paths[0] as string]: ['list', 'read'],
      [paths[1] as string]: ['deny'],
      [paths[2] as string]: ['deny'],
      'sys/audit': ['read', 'sudo'],
    };
    expect(res.json.data).toEqual(expected);
    for (const [path, caps] of Object.entries(expected)) expect(res.json[path]).toEqual(caps);
    expect(res.json.data).not.toHaveProperty('capabilities');
  });

  it('with exactly one path there is also a "capabilities" key', async () => {
    const path = `secret/data/${prefix}/rw/x`;
    const res = await root.post('/v1/sys/capabilities', { token, paths: [path] });
    expect(res.json.data).toEqual({ [path]: ['create', 'read', 'update'], capabilities: ['create', 'read', 'update'] });
    expect(res.json.capabilities).toEqual(['create', 'read', 'update']);
  });

  it('the root token has ["root"] everywhere', async () => {
    const res = await root.post('/v1/sys/capabilities-self', { paths: ['secret/data/anything', 'sys/audit'] });
    expect(res.json.data).toEqual({ 'secret/data/anything': ['root'], 'sys/audit': ['root'] });
    const other = await root.post('/v1/sys/capabilities', { token: target.token, paths: ['x/y'] });
    expect(other.json.capabilities).toEqual(['root']);
  });

  it('capabilities-self works for a token with only the default policy (and the old "path" field)', async () => {
    const plain = await tokenWith(['default']);
    const res = await rawRequest(target.addr, 'POST', '/v1/sys/capabilities-self', { token: plain, body: { paths: ['cubbyhole/x', 'secret/data/x'] } });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ 'cubbyhole/x': ['create', 'delete', 'list', 'read', 'update'], 'secret/data/x': ['deny'] });
    const old = await rawRequest(target.addr, 'POST', '/v1/sys/capabilities-self', { token: plain, body: { path: 'auth/token/lookup-self' } });
    expect(old.json.capabilities).toEqual(['read']);
  });

  it('capabilities-accessor', async () => {
    const res = await root.post('/v1/sys/capabilities-accessor', { accessor, paths: [`secret/data/${prefix}/caps/a`] });
    expect(res.status).toBe(200);
    expect(res.json.capabilities).toEqual(['list', 'read']);
    const bad = await root.post('/v1/sys/capabilities-accessor', { accessor: 'doesnotexist0000000000aa', paths: ['a'] });
    expect(bad.status).toBe(400);
  });

  it('an unknown token is 400 "invalid token"', async () => {
    const res = await root.post('/v1/sys/capabilities', { token: 'hvs.doesnotexist0000000000', paths: ['a'] });
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('invalid token');
  });
});

describe('enforcement', () => {
  let name = '';
  let token = '';
  let sudoToken = '';
  let user: Api;

  beforeAll(async () => {
    name = unique('enforce');
    const sudoName = unique('enforce-sudo');
    await putPolicy(
      name,
      [
        `path "secret/data/${prefix}/ro/*" { capabilities = ["read"] }`,
        `path "secret/metadata/${prefix}/ro/*" { capabilities = ["list"] }`,
        `path "secret/metadata/${prefix}/ro" { capabilities = ["list"] }`,
        `path "secret/data/${prefix}/rw/*" { capabilities = ["create", "read", "update"] }`,
        `path "secret/data/${prefix}/rw/blocked" { capabilities = ["deny"] }`,
        `path "secret/data/${prefix}/once/*" { capabilities = ["create"] }`,
        `path "secret/data/${prefix}/+/shared" { capabilities = ["read"] }`,
        'path "sys/audit" { capabilities = ["read"] }',
        'path "sys/mounts" { capabilities = ["read"] }',
      ].join('\n'),
    );
    await putPolicy(sudoName, 'path "sys/audit" { capabilities = ["read", "sudo"] }');
    for (const path of ['ro/a', 'ro/b', 'rw/blocked', 'team1/shared', 'team1/private']) {
      expect((await root.post(`/v1/secret/data/${prefix}/${path}`, { data: { path } })).status).toBe(200);
    }
    token = await tokenWith([name]);
    sudoToken = await tokenWith([name, sudoName]);
    user = api(target.addr, token);
  });

  it('reads what the policy allows, and nothing else', async () => {
    const read = await user.get(`/v1/secret/data/${prefix}/ro/a`);
    expect(read.status).toBe(200);
    expect(read.json.data.data).toEqual({ path: 'ro/a' });
    expect((await user.get(`/v1/secret/data/${prefix}/team1/shared`)).status).toBe(200);
    expectDenied(await user.get(`/v1/secret/data/${prefix}/team1/private`));
    expectDenied(await user.get(`/v1/secret/data/${prefix}/elsewhere`));
    expectDenied(await user.get('/v1/secret/data/not-mine'));
  });

  it('LIST needs list (with or without the trailing slash)', async () => {
    const listed = await user.list(`/v1/secret/metadata/${prefix}/ro/`);
    expect(listed.status).toBe(200);
    expect(listed.json.data.keys).toEqual(['a', 'b']);
    expect((await user.list(`/v1/secret/metadata/${prefix}/ro`)).status).toBe(200);
    expectDenied(await user.list(`/v1/secret/metadata/${prefix}/`));
  });

  it('writes need create/update; read-only paths refuse them; delete needs delete', async () => {
    expectDenied(await user.post(`/v1/secret/data/${prefix}/ro/a`, { data: { v: 'x' } }));
    const written = await user.post(`/v1/secret/data/${prefix}/rw/new`, { data: { v: '1' } });
    expect(written.status).toBe(200);
    expect((await user.post(`/v1/secret/data/${prefix}/rw/new`, { data: { v: '2' } })).json.data.version).toBe(2);
    expect((await root.get(`/v1/secret/data/${prefix}/rw/new`)).json.data.data).toEqual({ v: '2' });
    expectDenied(await user.delete(`/v1/secret/data/${prefix}/rw/new`));
  });

  it('deny beats a broader glob', async () => {
    expectDenied(await user.get(`/v1/secret/data/${prefix}/rw/blocked`));
    expectDenied(await user.post(`/v1/secret/data/${prefix}/rw/blocked`, { data: { v: 'x' } }));
  });

  it('create without update: the first write creates, a second (an update) is 403', async () => {
    expect((await user.post(`/v1/secret/data/${prefix}/once/k`, { data: { v: '1' } })).status).toBe(200);
    expectDenied(await user.post(`/v1/secret/data/${prefix}/once/k`, { data: { v: '2' } }));
    expect((await root.get(`/v1/secret/data/${prefix}/once/k`)).json.data.data).toEqual({ v: '1' });
  });

  it('an unknown mount is 403 for a non-root token (ACL before routing)', async () => {
    expectDenied(await user.get(`/v1/${unique('nomount')}/x`));
  });

  it('sudo paths need sudo: sys/audit with read alone is 403; sys/mounts needs no sudo', async () => {
    expect((await user.get('/v1/sys/mounts')).status).toBe(200);
    expectDenied(await user.get('/v1/sys/audit'));
    expect((await rawRequest(target.addr, 'GET', '/v1/sys/audit', { token: sudoToken })).status).toBe(200);
  });

  it('node-vault rejects with 403 and the message', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: target.addr, token });
    const err = await rejection(client.read(`secret/data/${prefix}/elsewhere`));
    expect(err.response.statusCode).toBe(403);
    expect(err.message).toBe(DENIED);
    expect((await client.read(`secret/data/${prefix}/ro/b`)).data.data).toEqual({ path: 'ro/b' });
  });

  it('policy changes apply to existing tokens at once; a deleted policy grants nothing', async () => {
    const extra = unique('later');
    const t = await tokenWith([extra]);
    const path = `/v1/secret/data/${prefix}/ro/a`;
    expectDenied(await rawRequest(target.addr, 'GET', path, { token: t }));
    await putPolicy(extra, `path "secret/data/${prefix}/ro/a" { capabilities = ["read"] }`);
    expect((await rawRequest(target.addr, 'GET', path, { token: t })).status).toBe(200);
    expect((await root.delete(`/v1/sys/policies/acl/${extra}`)).status).toBe(204);
    expectDenied(await rawRequest(target.addr, 'GET', path, { token: t }));
  });
});
