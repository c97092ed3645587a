/**
 * KV version 1 through node-vault and raw requests (reference: vault-core-api.md §5 "KV v1").
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, compatTarget, unique, type Api, type CompatTarget } from '../support/index.js';

let target: CompatTarget;
let root: Api;
let mount: string;
let client: ReturnType<typeof vault>;

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
  mount = unique('kv1');
  client = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
  await client.mount({ mount_point: mount, type: 'kv', options: { version: '1' } });
});

afterAll(async () => {
  if (root) await root.delete(`/v1/sys/mounts/${mount}`);
  await target?.close();
});

describe('write and read', () => {
  it('node-vault write() then read() returns the map exactly as written', async () => {
    const value = { user: 'app', nested: { n: 1, list: ['a', 'b'], yes: true, nothing: null } };
    await expect(client.write(`${mount}/app/config`, value)).resolves.toBeFalsy();
    const res = await client.read(`${mount}/app/config`);
    expect(res.data).toEqual(value);
    expect(res.lease_id).toBe('');
    expect(res.renewable).toBe(false);
    expect(res.mount_type).toBe('kv');
  });

  it('a write answers 204', async () => {
    const res = await root.put(`/v1/${mount}/plain`, { a: 'b' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('POST and PUT are the same', async () => {
    expect((await root.post(`/v1/${mount}/via-post`, { k: 'post' })).status).toBe(204);
    expect((await root.get(`/v1/${mount}/via-post`)).json.data).toEqual({ k: 'post' });
  });

  it('lease_duration is the mount default TTL (768h) without a ttl key', async () => {
    await root.put(`/v1/${mount}/no-ttl`, { a: 'b' });
    const res = await root.get(`/v1/${mount}/no-ttl`);
    expect(res.json.lease_duration).toBe(2764800);
    expect(res.json.lease_id).toBe('');
  });

  it.each([
    ['1h', 3600],
    ['90', 90],
    [120, 120],
  ])('a ttl key of %j sets lease_duration to %i (and stays in the data)', async (ttl, seconds) => {
    await root.put(`/v1/${mount}/ttl`, { a: 'b', ttl });
    const res = await root.get(`/v1/${mount}/ttl`);
    expect(res.json.lease_duration).toBe(seconds);
    expect(res.json.renewable).toBe(false);
    expect(res.json.data).toEqual({ a: 'b', ttl });
  });

  it('an overwrite replaces the whole map', async () => {
    await root.put(`/v1/${mount}/replace`, { a: '1', b: '2' });
    await root.put(`/v1/${mount}/replace`, { c: '3' });
    expect((await root.get(`/v1/${mount}/replace`)).json.data).toEqual({ c: '3' });
  });

  it('an empty body is 400 "missing data fields"', async () => {
    const res = await root.put(`/v1/${mount}/empty`, {});
    expect(res.status).toBe(400);
    expect(res.json.errors).toContain('missing data fields');
  });

  it('a missing key is 404 {"errors":[]}, and node-vault rejects with statusCode 404', async () => {
    const res = await root.get(`/v1/${mount}/missing`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ errors: [] });
    await expect(client.read(`${mount}/missing`)).rejects.toMatchObject({ response: { statusCode: 404 } });
  });

  it('GET query parameters do not leak into a v1 read', async () => {
    await root.put(`/v1/${mount}/q`, { a: 'b' });
    const res = await root.get(`/v1/${mount}/q?foo=bar`);
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ a: 'b' });
  });
});

describe('list', () => {
  beforeAll(async () => {
    await root.put(`/v1/${mount}/tree/a`, { v: 1 });
    await root.put(`/v1/${mount}/tree/b`, { v: 2 });
    await root.put(`/v1/${mount}/tree/sub/c`, { v: 3 });
  });

  it('node-vault list() (LIST verb) gives keys with folders ending in "/"', async () => {
    const res = await client.list(`${mount}/tree`);
    expect(res.data.keys).toEqual(['a', 'b', 'sub/']);
  });

  it('node-vault list() with noCustomHTTPVerbs sends ?list=1', async () => {
    const getClient = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token, noCustomHTTPVerbs: true });
    const res = await getClient.list(`${mount}/tree/`);
    expect(res.data.keys).toEqual(['a', 'b', 'sub/']);
  });

  it.each(['?list=true', '?list=1', '?list=t', '?list=TRUE'])('GET %s lists', async (query) => {
    const res = await root.get(`/v1/${mount}/tree/${query}`);
    expect(res.status).toBe(200);
    expect(res.json.data.keys).toEqual(['a', 'b', 'sub/']);
  });

  it('?list=false reads instead', async () => {
    expect((await root.get(`/v1/${mount}/tree/a?list=false`)).json.data).toEqual({ v: 1 });
  });

  it('an unparsable ?list= is 400', async () => {
    expect((await root.get(`/v1/${mount}/tree/?list=maybe`)).status).toBe(400);
  });

  it('the LIST verb works with and without the trailing slash', async () => {
    expect((await root.list(`/v1/${mount}/tree`)).json.data.keys).toEqual(['a', 'b', 'sub/']);
    expect((await root.list(`/v1/${mount}/tree/sub/`)).json.data.keys).toEqual(['c']);
  });

  it('an empty folder is 404 {"errors":[]}', async () => {
    const res = await root.list(`/v1/${mount}/no-such-folder/`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ errors: [] });
    await expect(client.list(`${mount}/no-such-folder`)).rejects.toMatchObject({ response: { statusCode: 404 } });
  });

  it('the mount root lists top-level keys', async () => {
    const res = await root.list(`/v1/${mount}/`);
    expect(res.status).toBe(200);
    expect(res.json.data.keys).toContain('tree/');
  });
});

describe('delete', () => {
  it('node-vault delete() is 204 and the key is gone', async () => {
    await client.write(`${mount}/doomed`, { a: 'b' });
    await expect(client.delete(`${mount}/doomed`)).resolves.toBeFalsy();
    expect((await root.get(`/v1/${mount}/doomed`)).status).toBe(404);
  });

  it('deleting a missing key is still 204', async () => {
    expect((await root.delete(`/v1/${mount}/never-there`)).status).toBe(204);
  });

  it('a folder disappears from the list once its last key is deleted', async () => {
    await root.put(`/v1/${mount}/lonely/only`, { a: 'b' });
    expect((await root.list(`/v1/${mount}/lonely`)).json.data.keys).toEqual(['only']);
    await root.delete(`/v1/${mount}/lonely/only`);
    expect((await root.list(`/v1/${mount}/lonely`)).status).toBe(404);
  });
});

describe('errors through node-vault', () => {
  it('rejections carry the status and Vault’s first error as the message', async () => {
    const err = await client.write(`${mount}/bad`, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'missing data fields', response: { statusCode: 400 } });
  });

  it('a bad token is rejected with 403', async () => {
    const bad = vault({ apiVersion: 'v1', endpoint: target.addr, token: 'not-a-real-token' });
    const err = (await bad.read(`${mount}/plain`).catch((e: unknown) => e)) as { message: string; response: { statusCode: number } };
    expect(err.response.statusCode).toBe(403);
    expect(err.message).toContain('permission denied');
  });
});
