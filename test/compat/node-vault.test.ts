/**
 * An application's view through node-vault (a client nobody here wrote), using the dev
 * server's `secret/` KV v2 mount the way its README does.
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatTarget, unique, type CompatTarget } from '../support/index.js';

let target: CompatTarget;
let client: ReturnType<typeof vault>;
let prefix: string;

beforeAll(async () => {
  target = await compatTarget();
  // A trailing slash on the endpoint is what many configs have.
  client = vault({ apiVersion: 'v1', endpoint: `${target.addr}/`, token: target.token });
  prefix = unique('nv');
});

afterAll(async () => {
  if (client) {
    const listed = await client.list(`secret/metadata/${prefix}`).catch(() => ({ data: { keys: [] as string[] } }));
    for (const key of listed.data.keys as string[]) await client.delete(`secret/metadata/${prefix}/${key}`).catch(() => undefined);
  }
  await target?.close();
});

describe('node-vault against the server', () => {
  it('status(), health() and mounts()', async () => {
    const status = await client.status();
    expect(status).toMatchObject({ sealed: false });
    expect(Number.isInteger(status.t)).toBe(true);
    await expect(client.health()).resolves.toMatchObject({ sealed: false, initialized: true });
    const mounts = await client.mounts();
    expect(mounts['secret/']).toMatchObject({ type: 'kv', options: { version: '2' } });
  });

  it('write, read, list, update, delete on secret/ (KV v2)', async () => {
    const path = `secret/data/${prefix}/app`;
    const written = await client.write(path, { data: { username: 'svc', password: 's3cr3t' } });
    expect(written.data.version).toBe(1);
    const read = await client.read(path);
    expect(read.data.data).toEqual({ username: 'svc', password: 's3cr3t' });
    const listed = await client.list(`secret/metadata/${prefix}`);
    expect(listed.data.keys).toEqual(['app']);
    const patched = await client.update(path, { data: { password: 'rotated' } });
    expect(patched.data.version).toBe(2);
    expect((await client.read(path)).data.data).toEqual({ username: 'svc', password: 'rotated' });
    await client.delete(path);
    const err = (await client.read(path).catch((e: unknown) => e)) as { response: { statusCode: number } };
    expect(err.response.statusCode).toBe(404);
  });

  it('destroySecretVersions() defaults to the secret/ mount', async () => {
    const path = `${prefix}/destroyed`;
    await client.write(`secret/data/${path}`, { data: { a: '1' } });
    await client.destroySecretVersions({ path, versions: [1] });
    const meta = await client.read(`secret/metadata/${path}`);
    expect(meta.data.versions['1'].destroyed).toBe(true);
  });

  it('request() with a custom call, and help()', async () => {
    const hashed = await client.request({
      path: '/sys/tools/hash/sha2-512',
      method: 'POST',
      json: { input: Buffer.from('abc').toString('base64') },
    });
    expect(hashed.data.sum).toHaveLength(128);
    const help = await client.help(`secret/data/${prefix}/app`);
    expect(typeof help.data.help).toBe('string');
  });

  it('many concurrent writes and reads all succeed with consistent versions', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `secret/data/${prefix}/c${i}`);
    await Promise.all(keys.map((k, i) => client.write(k, { data: { i: String(i) } })));
    const second = await Promise.all(keys.map((k, i) => client.write(k, { data: { i: String(i), round: '2' } })));
    for (const w of second) expect(w.data.version).toBe(2);
    const reads = await Promise.all(keys.map((k) => client.read(k)));
    reads.forEach((r, i) => expect(r.data.data).toEqual({ i: String(i), round: '2' }));
  });

  it('errors reject with the status code and Vault’s message', async () => {
    const noToken = vault({ apiVersion: 'v1', endpoint: target.addr });
    noToken.token = ''; // not even a VAULT_TOKEN from the environment
    const denied = (await noToken.read('secret/data/x').catch((e: unknown) => e)) as { message: string; response: { statusCode: number } };
    expect(denied.response.statusCode).toBe(403);
    expect(denied.message).toContain('permission denied');
    const cas = (await client
      .write(`secret/data/${prefix}/app`, { data: { a: 'b' }, options: { cas: 42 } })
      .catch((e: unknown) => e)) as { message: string; response: { statusCode: number } };
    expect(cas.response.statusCode).toBe(400);
    expect(cas.message).toBe('check-and-set parameter did not match the current version');
  });
});
