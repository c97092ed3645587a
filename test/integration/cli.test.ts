/**
 * End to end with the BUILT CLI: `coffer server -dev` started by the CLI itself, then the
 * client commands against it (status, kv, read/write/list/delete, secrets, operator), the
 * address/token environment variables, and a config-mode server initialised and unsealed
 * with `operator init` / `operator unseal`.
 *
 * Each CLI run is a fresh Node process, so independent commands run concurrently on keys of
 * their own; state is prepared and checked over HTTP where the CLI is not the subject.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  childEnv,
  makeTempDir,
  removeTempDirs,
  requireBuiltCli,
  runCli,
  spawnDevServer,
  spawnServer,
  stopAllServers,
  type Api,
  type CliResult,
} from '../support/index.js';

let home: string;
let emptyHome: string;
let address: string;
let banner: () => string;
let http: Api;

/** Runs the CLI with HOME holding the dev server's token file and VAULT_ADDR set. */
function coffer(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { env: childEnv(home, { VAULT_ADDR: address, ...env }) });
}

function ok(res: CliResult): CliResult {
  expect(res.code, `exit code; stderr: ${res.stderr}`).toBe(0);
  return res;
}

function json(res: CliResult): any {
  return JSON.parse(ok(res).stdout);
}

async function seed(path: string, data: Record<string, unknown>): Promise<void> {
  const res = await http.put(`/v1/secret/data/${path}`, { data });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  requireBuiltCli();
  home = makeTempDir('coffer-it-home-');
  emptyHome = makeTempDir('coffer-it-empty-');
  const dev = await spawnDevServer(home, 'root');
  address = dev.address;
  banner = dev.output;
  http = api(address, 'root');
});

afterAll(async () => {
  await stopAllServers();
  removeTempDirs();
});

describe('coffer server -dev (started by the CLI)', () => {
  it('prints the banner with the address and root token, and stores the token in ~/.vault-token', () => {
    expect(banner()).toContain(`Api Address: ${address}`);
    expect(banner()).toContain('Root Token: root');
    const tokenFile = join(home, '.vault-token');
    expect(existsSync(tokenFile)).toBe(true);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe('root');
  });

  it('status: exit 0 and unsealed; -format=json is the seal status', async () => {
    const [table, asJson] = await Promise.all([coffer(['status']), coffer(['status', '-format=json'])]);
    expect(ok(table).stdout).toMatch(/Sealed\s+false/);
    expect(table.stdout).toMatch(/Initialized\s+true/);
    expect(json(asJson)).toMatchObject({ type: 'shamir', initialized: true, sealed: false, t: 1, n: 1 });
  });
});

describe('kv', () => {
  it('put -format=json answers the new version; get shows it', async () => {
    const put = json(await coffer(['kv', 'put', '-format=json', 'secret/app/put', 'user=svc', 'pass=one']));
    expect(put.data.version).toBe(1);
    expect((await http.get('/v1/secret/data/app/put')).json.data.data).toEqual({ user: 'svc', pass: 'one' });
  });

  it('get, patch, list, metadata, delete/undelete/destroy, metadata delete, cas, missing', async () => {
    await Promise.all([
      seed('app/get', { user: 'svc', pass: 'one' }),
      seed('app/field', { user: 'svc', pass: 'fieldvalue' }),
      seed('app/patch', { user: 'svc', pass: 'one' }),
      seed('app/meta', { a: '1' }),
      seed('app/del', { v: '1' }),
      seed('app/undel', { v: '1' }),
      seed('app/destroy', { v: '1' }),
      seed('app/wipe', { v: '1' }),
      seed('app/cas', { v: '1' }),
      seed('list/a', { v: '1' }),
      seed('list/b', { v: '1' }),
      seed('list/dir/c', { v: '1' }),
    ]);
    await Promise.all([seed('app/destroy', { v: '2' }), seed('app/meta', { a: '2' })]);
    expect((await http.delete('/v1/secret/data/app/undel')).status).toBe(204);

    const [get, table, field, patch, list, listJson, metaPut, metaGet, del, undel, destroy, wipe, cas, missing, deletedField] =
      await Promise.all([
        coffer(['kv', 'get', '-format=json', 'secret/app/get']),
        coffer(['kv', 'get', 'secret/app/get']),
        coffer(['kv', 'get', '-field=pass', 'secret/app/field']),
        coffer(['kv', 'patch', 'secret/app/patch', 'pass=two']),
        coffer(['kv', 'list', 'secret/list']),
        coffer(['kv', 'list', '-format=json', 'secret/list/']),
        coffer(['kv', 'metadata', 'put', '-max-versions=5', '-custom-metadata=owner=team-a', 'secret/app/put']),
        coffer(['kv', 'metadata', 'get', '-format=json', 'secret/app/meta']),
        coffer(['kv', 'delete', 'secret/app/del']),
        coffer(['kv', 'undelete', '-versions=1', 'secret/app/undel']),
        coffer(['kv', 'destroy', '-versions=1', 'secret/app/destroy']),
        coffer(['kv', 'metadata', 'delete', 'secret/app/wipe']),
        coffer(['kv', 'put', '-cas=5', 'secret/app/cas', 'v=2']),
        coffer(['kv', 'get', 'secret/app/nothing-here']),
        coffer(['kv', 'get', '-field=v', 'secret/app/undel-never']),
      ]);

    // get -format=json: the API envelope.
    const got = json(get);
    for (const key of ['request_id', 'lease_id', 'lease_duration', 'renewable', 'data', 'warnings']) expect(got).toHaveProperty(key);
    expect(got.data).toMatchObject({ data: { user: 'svc', pass: 'one' }, metadata: { version: 1 } });
    expect(ok(table).stdout).toMatch(/pass\s+one/);
    // -field prints just the value.
    expect(ok(field).stdout.trim()).toBe('fieldvalue');
    // patch merges into a new version.
    ok(patch);
    expect((await http.get('/v1/secret/data/app/patch')).json.data).toMatchObject({ data: { user: 'svc', pass: 'two' }, metadata: { version: 2 } });
    // list.
    expect(ok(list).stdout).toMatch(/Keys\s+-+\s+a\s+b\s+dir\//);
    expect(json(listJson)).toEqual(['a', 'b', 'dir/']);
    // metadata put / get.
    ok(metaPut);
    expect((await http.get('/v1/secret/metadata/app/put')).json.data).toMatchObject({ max_versions: 5, custom_metadata: { owner: 'team-a' } });
    const meta = json(metaGet);
    expect(meta.data).toMatchObject({ current_version: 2, custom_metadata: null });
    expect(Object.keys(meta.data.versions).sort()).toEqual(['1', '2']);
    // delete / undelete / destroy / metadata delete.
    ok(del);
    const deleted = await http.get('/v1/secret/data/app/del');
    expect(deleted.status).toBe(404);
    expect(deleted.json.data.metadata.deletion_time).not.toBe('');
    ok(undel);
    expect((await http.get('/v1/secret/data/app/undel')).json.data.data).toEqual({ v: '1' });
    ok(destroy);
    expect((await http.get('/v1/secret/metadata/app/destroy')).json.data.versions['1'].destroyed).toBe(true);
    expect((await http.get('/v1/secret/data/app/destroy')).json.data.data).toEqual({ v: '2' });
    ok(wipe);
    expect((await http.get('/v1/secret/metadata/app/wipe')).status).toBe(404);
    // A cas mismatch exits 2 with the server's message and writes nothing.
    expect(cas.code).toBe(2);
    expect(cas.stderr).toContain('check-and-set parameter did not match the current version');
    expect((await http.get('/v1/secret/metadata/app/cas')).json.data.current_version).toBe(1);
    // Nothing there: exit 2.
    expect(missing.code).toBe(2);
    expect(deletedField.code).toBe(2);
  });

  it('after kv delete, -field finds no data (exit 2) and -format=json shows the deletion', async () => {
    await seed('app/gone', { v: '1' });
    ok(await coffer(['kv', 'delete', 'secret/app/gone']));
    const [field, asJson] = await Promise.all([
      coffer(['kv', 'get', '-field=v', 'secret/app/gone']),
      coffer(['kv', 'get', '-format=json', 'secret/app/gone']),
    ]);
    expect(field.code).toBe(2);
    // Vault's CLI treats a 404 that carries data as a response: it prints the metadata.
    const body = JSON.parse(asJson.stdout) as { data: { data: unknown; metadata: { deletion_time: string } } };
    expect(body.data.data).toBeNull();
    expect(body.data.metadata.deletion_time).not.toBe('');
  });
});

describe('secrets and the generic commands', () => {
  it('secrets enable, then write/read/list/delete on the kv v1 mount', async () => {
    const [legacy, upgrade, disable] = await Promise.all([
      coffer(['secrets', 'enable', '-path=legacy', '-description=old store', 'kv']),
      coffer(['secrets', 'enable', '-path=upgrademe', 'kv']),
      coffer(['secrets', 'enable', '-path=disableme', '-version=2', 'kv']),
    ]);
    ok(legacy);
    ok(upgrade);
    ok(disable);
    const mounts = (await http.get('/v1/sys/mounts')).json.data;
    expect(mounts['legacy/']).toMatchObject({ type: 'kv', description: 'old store' });
    expect(mounts['disableme/'].options).toEqual({ version: '2' });

    expect((await http.put('/v1/legacy/read', { token: 'abc', ttl: '1h' })).status).toBe(204);
    expect((await http.put('/v1/legacy/del', { a: 'b' })).status).toBe(204);
    const [write, read, field, list, del, kvGet, tools] = await Promise.all([
      coffer(['write', 'legacy/written', 'user=u', 'n=1']),
      coffer(['read', '-format=json', 'legacy/read']),
      coffer(['read', '-field=token', 'legacy/read']),
      coffer(['list', '-format=json', 'legacy/']),
      coffer(['delete', 'legacy/del']),
      coffer(['kv', 'get', '-format=json', 'legacy/read']),
      coffer(['write', '-format=json', 'sys/tools/random', 'bytes=16', 'format=hex']),
    ]);
    ok(write);
    expect((await http.get('/v1/legacy/written')).json.data).toEqual({ user: 'u', n: '1' });
    const readJson = json(read);
    expect(readJson.data).toEqual({ token: 'abc', ttl: '1h' });
    expect(readJson.lease_duration).toBe(3600);
    expect(ok(field).stdout.trim()).toBe('abc');
    expect(json(list)).toContain('read'); // ("del" and "written" change concurrently)
    ok(del);
    expect((await http.get('/v1/legacy/del')).status).toBe(404);
    // kv commands on a v1 mount read the path directly.
    expect(json(kvGet).data).toEqual({ token: 'abc', ttl: '1h' });
    expect(json(tools).data.random_bytes).toMatch(/^[0-9a-f]{32}$/);
    // read of nothing: exit 2.
    expect((await coffer(['read', 'legacy/del'])).code).toBe(2);
  });

  it('secrets list / tune / kv enable-versioning / disable', async () => {
    expect((await http.put('/v1/upgrademe/kept', { v: '1' })).status).toBe(204);
    const [list, tune, upgrade, disable] = await Promise.all([
      coffer(['secrets', 'list', '-format=json']),
      coffer(['secrets', 'tune', '-default-lease-ttl=30m', '-max-lease-ttl=2h', '-description=tuned', 'legacy/']),
      coffer(['kv', 'enable-versioning', 'upgrademe/']),
      coffer(['secrets', 'disable', 'disableme/']),
    ]);
    const listed = json(list);
    expect(listed['secret/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect(listed['legacy/']).toMatchObject({ type: 'kv' });
    ok(tune);
    expect((await http.get('/v1/sys/mounts/legacy/tune')).json.data).toMatchObject({
      default_lease_ttl: 1800,
      max_lease_ttl: 7200,
      description: 'tuned',
    });
    ok(upgrade);
    const mounts = (await http.get('/v1/sys/mounts')).json.data;
    expect(mounts['upgrademe/'].options).toEqual({ version: '2' });
    expect(mounts).not.toHaveProperty('disableme/');
    ok(disable);
    // The v1 key became version 1 (the upgrade finishes in the background: bounded poll).
    let read = await http.get('/v1/upgrademe/data/kept');
    for (let i = 0; i < 100 && read.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      read = await http.get('/v1/upgrademe/data/kept');
    }
    expect(read.json.data).toMatchObject({ data: { v: '1' }, metadata: { version: 1 } });
  });
});

describe('environment variables', () => {
  it('VAULT_ADDR + VAULT_TOKEN and COFFER_ADDR + COFFER_TOKEN both work; COFFER_* wins; no or bad token exits 2', async () => {
    await seed('env/check', { v: 'ok' });
    const get = ['kv', 'get', '-field=v', 'secret/env/check'];
    const [vaultVars, cofferVars, both, none, bad] = await Promise.all([
      runCli(get, { env: childEnv(emptyHome, { VAULT_ADDR: address, VAULT_TOKEN: 'root' }) }),
      runCli(get, { env: childEnv(emptyHome, { COFFER_ADDR: address, COFFER_TOKEN: 'root' }) }),
      runCli(get, {
        env: childEnv(emptyHome, { COFFER_ADDR: address, VAULT_ADDR: 'http://127.0.0.1:1', COFFER_TOKEN: 'root', VAULT_TOKEN: 'wrong' }),
      }),
      runCli(['read', 'secret/data/env/check'], { env: childEnv(emptyHome, { VAULT_ADDR: address }) }),
      runCli(['read', 'secret/data/env/check'], { env: childEnv(emptyHome, { VAULT_ADDR: address, VAULT_TOKEN: 'bogus' }) }),
    ]);
    expect(ok(vaultVars).stdout.trim()).toBe('ok');
    expect(ok(cofferVars).stdout.trim()).toBe('ok');
    expect(ok(both).stdout.trim()).toBe('ok');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('permission denied');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('permission denied');
    expect(bad.stderr).toContain('invalid token');
  });
});

describe('operator on the dev server', () => {
  it('key-status, rotate, seal; then status exits 2', async () => {
    const before = json(await coffer(['operator', 'key-status', '-format=json']));
    expect(Number.isInteger(before.term)).toBe(true);
    ok(await coffer(['operator', 'rotate']));
    expect((await http.get('/v1/sys/key-status')).json.data.term).toBe(before.term + 1);

    ok(await coffer(['operator', 'seal']));
    const [status, get] = await Promise.all([coffer(['status']), coffer(['kv', 'get', 'secret/env/check'])]);
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/Sealed\s+true/);
    expect(get.code).toBe(2);
  });
});

describe('config mode: operator init and unseal', () => {
  it('init -key-shares=3 -key-threshold=2, then unseal twice', async () => {
    const server = await spawnServer();
    const env = childEnv(emptyHome, { VAULT_ADDR: server.address });
    const cli = (args: string[]) => runCli(args, { env });

    const [initStatus, sealedStatus] = await Promise.all([cli(['operator', 'init', '-status']), cli(['status'])]);
    expect(initStatus.code).toBe(2);
    expect(sealedStatus.code).toBe(2);

    const out = json(await cli(['operator', 'init', '-key-shares=3', '-key-threshold=2', '-format=json']));
    expect(out.unseal_keys_b64).toHaveLength(3);
    expect(out.unseal_keys_hex).toHaveLength(3);
    expect(out).toMatchObject({ unseal_shares: 3, unseal_threshold: 2 });
    expect(typeof out.root_token).toBe('string');

    const [first, again, initialised] = await Promise.all([
      cli(['operator', 'unseal', out.unseal_keys_b64[0]]),
      cli(['operator', 'init', '-key-shares=1', '-key-threshold=1']),
      cli(['operator', 'init', '-status']),
    ]);
    expect(ok(first).stdout).toMatch(/Sealed\s+true/);
    expect(first.stdout).toMatch(/Unseal Progress\s+1\/2/);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('Vault is already initialized');
    expect(initialised.code).toBe(0);
    expect((await cli(['status'])).code).toBe(2);

    expect(ok(await cli(['operator', 'unseal', out.unseal_keys_hex[2]])).stdout).toMatch(/Sealed\s+false/);
    const status = ok(await cli(['status']));
    expect(status.stdout).toMatch(/Total Shares\s+3/);
    expect(status.stdout).toMatch(/Threshold\s+2/);
    expect((await api(server.address, out.root_token as string).get('/v1/sys/mounts')).status).toBe(200);
    await server.stop();
  });
});
