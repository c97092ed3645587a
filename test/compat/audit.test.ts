/**
 * Audit devices: node-vault's `audits`/`enableAudit`/`disableAudit`, `sys/audit-hash` (no
 * node-vault call exists for it, so its generic `request()` and raw HTTP), and the file
 * device's log: JSON lines, request/response pairs, strings only as `hmac-sha256:` that
 * `sys/audit-hash` reproduces, and fail-closed behaviour (reference: vault-core-api.md §2
 * "audit / audit-hash", §9).
 *
 * The file device writes in a temp dir, so against an external server (`COFFER_COMPAT_ADDR`)
 * that server must share this machine's filesystem. The fail-closed case points a device at
 * `/dev/full` through a symlink and only runs against the in-process server.
 */
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, compatTarget, makeTempDir, rawRequest, removeTempDirs, unique, type Api, type CompatTarget } from '../support/index.js';

type Client = ReturnType<typeof vault>;
type Entry = Record<string, any>;

let target: CompatTarget;
let root: Api;
let nv: Client;
let dir = '';
/** Devices enabled here, disabled afterwards. */
const enabled = new Set<string>();
let kvKey = '';

const HMAC = /^hmac-sha256:[0-9a-f]{64}$/;

function readEntries(path: string): Entry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Entry);
}

/** Entries for `path` once both the request and the response entry are there. */
async function entriesFor(file: string, requestPath: string, count = 2): Promise<Entry[]> {
  let found: Entry[] = [];
  for (let i = 0; i < 50; i++) {
    found = readEntries(file).filter((e) => e['request']?.['path'] === requestPath);
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  return found;
}

async function auditHash(device: string, input: string): Promise<string> {
  const res = await nv.request({ path: `/sys/audit-hash/${device}`, method: 'POST', json: { input } });
  return res.data.hash as string;
}

beforeAll(async () => {
  target = await compatTarget();
  root = api(target.addr, target.token);
  nv = vault({ apiVersion: 'v1', endpoint: target.addr, token: target.token });
  dir = makeTempDir('coffer-audit-');
  kvKey = unique('audit-kv');
});

afterAll(async () => {
  if (root) {
    for (const device of enabled) await root.delete(`/v1/sys/audit/${device}`);
    await root.delete(`/v1/secret/metadata/${kvKey}`);
  }
  await target?.close();
  removeTempDirs();
});

describe('enable, list, disable through node-vault', () => {
  let device = '';
  let file = '';

  beforeAll(() => {
    device = unique('file');
    file = join(dir, `${device}.log`);
  });

  it('audits() does not list a device that is not enabled', async () => {
    const res = await nv.audits();
    expect(res.data).not.toHaveProperty(`${device}/`);
    expect(typeof res.data).toBe('object');
  });

  it('enableAudit() with a file device, then audits() lists it at data and at the top level', async () => {
    enabled.add(device);
    await nv.enableAudit({ name: device, type: 'file', description: 'compat', options: { file_path: file } });
    const res = await nv.audits();
    const entry = { type: 'file', description: 'compat', options: { file_path: file }, local: false, path: `${device}/` };
    expect(res.data[`${device}/`]).toEqual(entry);
    expect(res[`${device}/`]).toEqual(entry);
    expect(existsSync(file)).toBe(true);
  });

  it('the same path again is 400', async () => {
    const res = await root.put(`/v1/sys/audit/${device}`, { type: 'file', options: { file_path: join(dir, 'other.log') } });
    expect(res.status).toBe(400);
  });

  it('a file that cannot be opened fails the enable with 400 and nothing is enabled', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const name = unique('broken');
    const res = await root.put(`/v1/sys/audit/${name}`, { type: 'file', options: { file_path: join(blocker, 'audit.log') } });
    expect(res.status).toBe(400);
    expect((await nv.audits()).data).not.toHaveProperty(`${name}/`);
  });

  it('an unknown device type is 400', async () => {
    const res = await root.put(`/v1/sys/audit/${unique('odd')}`, { type: 'carrier-pigeon', options: {} });
    expect(res.status).toBe(400);
  });

  it('disableAudit(): 204, gone from audits(), its audit-hash is 400', async () => {
    await nv.disableAudit({ name: device });
    enabled.delete(device);
    expect((await nv.audits()).data).not.toHaveProperty(`${device}/`);
    const res = await root.post(`/v1/sys/audit-hash/${device}`, { input: 'x' });
    expect(res.status).toBe(400);
  });
});

describe('the file device’s log', () => {
  let device = '';
  let file = '';
  const secret = `s3cr3t-${Date.now()}`;

  beforeAll(async () => {
    device = unique('log');
    file = join(dir, `${device}.log`);
    enabled.add(device);
    expect((await root.put(`/v1/sys/audit/${device}`, { type: 'file', options: { file_path: file } })).status).toBe(204);
    expect((await root.post(`/v1/secret/data/${kvKey}`, { data: { password: secret, count: 3 } })).status).toBe(200);
    expect((await root.get(`/v1/secret/data/${kvKey}`)).status).toBe(200);
  });

  it('is JSON lines, each with time, type request|response and a request', () => {
    const entries = readEntries(file);
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const e of entries) {
      expect(['request', 'response']).toContain(e['type']);
      expect(typeof e['time']).toBe('string');
      expect(Number.isNaN(Date.parse(e['time'] as string))).toBe(false);
      expect(typeof e['request']?.['id']).toBe('string');
    }
  });

  it('the secret value never appears in clear', () => {
    expect(readFileSync(file, 'utf8')).not.toContain(secret);
  });

  it('the write: a request and a response entry with the same id; the value only as its HMAC', async () => {
    const entries = await entriesFor(file, `secret/data/${kvKey}`, 4);
    const writes = entries.filter((e) => e['request']['operation'] !== 'read');
    expect(writes.map((e) => e['type'])).toEqual(['request', 'response']);
    const [request, response] = writes as [Entry, Entry];
    expect(['create', 'update']).toContain(request['request']['operation']);
    expect(response['request']['id']).toBe(request['request']['id']);
    expect(request['request']['mount_type']).toBe('kv');
    const hashed = request['request']['data']['data']['password'] as string;
    expect(hashed).toMatch(HMAC);
    expect(await auditHash(device, secret)).toBe(hashed);
    // Numbers are not HMAC'd.
    expect(request['request']['data']['data']['count']).toBe(3);
  });

  it('the read: the response data is HMAC’d the same way', async () => {
    const entries = await entriesFor(file, `secret/data/${kvKey}`, 4);
    const read = entries.find((e) => e['type'] === 'response' && e['request']['operation'] === 'read');
    expect(read).toBeDefined();
    const hashed = read?.['response']?.['data']?.['data']?.['password'] as string;
    expect(hashed).toBe(await auditHash(device, secret));
  });

  it('client tokens and accessors are HMAC’d; policies and display_name are not', async () => {
    const [request] = await entriesFor(file, `secret/data/${kvKey}`, 4);
    const auth = request?.['auth'] as Entry;
    expect(auth['client_token']).toMatch(HMAC);
    expect(auth['client_token']).toBe(await auditHash(device, target.token));
    expect(auth['accessor']).toMatch(HMAC);
    expect(request?.['request']['client_token']).toBe(auth['client_token']);
    expect(auth['policies']).toEqual(['root']);
    expect(auth['display_name']).toBe('root');
  });

  it('a token never appears in clear: not as the caller, not in the create response', async () => {
    const created = await root.post('/v1/auth/token/create', { policies: ['default'], ttl: '5m', display_name: 'audited' });
    const token = created.json.auth.client_token as string;
    expect((await rawRequest(target.addr, 'GET', '/v1/auth/token/lookup-self', { token })).status).toBe(200);
    const [create] = (await entriesFor(file, 'auth/token/create')).filter((e) => e['type'] === 'response');
    expect(create?.['response']?.['auth']?.['client_token']).toBe(await auditHash(device, token));
    const [self] = await entriesFor(file, 'auth/token/lookup-self');
    expect(self?.['auth']?.['client_token']).toBe(await auditHash(device, token));
    expect(self?.['auth']?.['display_name']).toBe('token-audited');
    expect(readFileSync(file, 'utf8')).not.toContain(token);
  });

  it('a wrapped response: wrap_info with the wrapping token HMAC’d, the creation path in clear', async () => {
    const wrapped = await root.get(`/v1/secret/data/${kvKey}`, { headers: { 'X-Vault-Wrap-TTL': '60' } });
    const info = wrapped.json.wrap_info as Record<string, unknown>;
    const entries = await entriesFor(file, `secret/data/${kvKey}`, 6);
    const logged = entries.find((e) => e['response']?.['wrap_info'] !== undefined)?.['response']?.['wrap_info'] as Entry | undefined;
    expect(logged).toBeDefined();
    expect(logged?.['token']).toBe(await auditHash(device, info['token'] as string));
    expect(logged?.['accessor']).toMatch(HMAC);
    expect(logged).toMatchObject({ ttl: 60, creation_path: `secret/data/${kvKey}` });
    expect(readFileSync(file, 'utf8')).not.toContain(info['token'] as string);
    expect(readFileSync(file, 'utf8')).not.toContain(secret);
  });

  it('a denied request is logged with its error', async () => {
    const path = `secret/data/${unique('denied')}`;
    expect((await rawRequest(target.addr, 'GET', `/v1/${path}`, { token: 'hvs.doesnotexist0000000000' })).status).toBe(403);
    const entries = await entriesFor(file, path, 1);
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(entries.some((e) => String(e['error'] ?? '').includes('permission denied'))).toBe(true);
  });

  it('sys/audit-hash: {hash} at data and top level; empty input is 400; another device has another salt', async () => {
    const res = await root.post(`/v1/sys/audit-hash/${device}`, { input: 'abc' });
    expect(res.status).toBe(200);
    expect(res.json.data.hash).toMatch(HMAC);
    expect(res.json.hash).toBe(res.json.data.hash);
    expect((await root.post(`/v1/sys/audit-hash/${device}`, { input: 'abc' })).json.hash).toBe(res.json.hash);
    expect((await root.post(`/v1/sys/audit-hash/${device}`, { input: '' })).status).toBe(400);
    const second = unique('second');
    enabled.add(second);
    expect((await root.put(`/v1/sys/audit/${second}`, { type: 'file', options: { file_path: join(dir, `${second}.log`) } })).status).toBe(204);
    const other = await root.post(`/v1/sys/audit-hash/${second}`, { input: 'abc' });
    expect(other.json.data.hash).toMatch(HMAC);
    expect(other.json.data.hash).not.toBe(res.json.data.hash);
    expect((await root.delete(`/v1/sys/audit/${second}`)).status).toBe(204);
    enabled.delete(second);
  });

  it('sys/audit needs a token (403 without)', async () => {
    expect((await rawRequest(target.addr, 'GET', '/v1/sys/audit')).status).toBe(403);
  });

  it('after disable, no more entries are written', async () => {
    expect((await root.delete(`/v1/sys/audit/${device}`)).status).toBe(204);
    enabled.delete(device);
    const before = readFileSync(file, 'utf8').length;
    await root.get(`/v1/secret/data/${kvKey}`);
    expect(readFileSync(file, 'utf8').length).toBe(before);
  });
});

describe('fail closed', () => {
  it('when the only device cannot write, requests fail 500 "internal error" before the handler runs; they recover when it can', async () => {
    if (target.external || !existsSync('/dev/full')) return; // needs this machine's /dev/full
    const others = Object.keys((await nv.audits()).data as object);
    if (others.length > 0) return; // another device would record the entries
    const device = unique('full');
    const link = join(dir, `${device}.log`);
    // Writes to /dev/full fail with ENOSPC, for root too; skip_test lets the enable through.
    symlinkSync('/dev/full', link);
    enabled.add(device);
    const enable = await root.put(`/v1/sys/audit/${device}`, { type: 'file', options: { file_path: link, skip_test: 'true' } });
    expect(enable.status).toBe(204);

    const path = `secret/data/${unique('unaudited')}`;
    const write = await root.post(`/v1/${path}`, { data: { v: '1' } });
    expect(write.status).toBe(500);
    expect(write.headers['content-type']).toBe('application/json');
    expect(write.json).toEqual({ errors: ['internal error'] });
    expect((await root.get(`/v1/${path}`)).status).toBe(500);

    // A regular file at the same path: the device reopens it on the next failed write.
    rmSync(link);
    writeFileSync(link, '');
    const read = await root.get(`/v1/${path}`);
    expect(read.status).toBe(404); // the write never reached the handler
    expect(readEntries(link).some((e) => e['request']?.['path'] === path)).toBe(true);
    expect((await root.delete(`/v1/sys/audit/${device}`)).status).toBe(204);
    enabled.delete(device);
  });
});
