import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer, StartServerOptions } from '../server/index.js';
import { envelope, startFakeVault, uiMount, type FakeVault } from '../api/testing.js';
import { runCli } from './cli.js';
import type { CliIo, SignalSource } from './context.js';

const TOKEN = 'hvs.CLITESTTOKENabcdefghij';

interface RunResult {
  code: number;
  out: string;
  err: string;
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  tty?: boolean;
  signals?: SignalSource;
  loadServer?: CliIo['loadServer'];
}

let vault: FakeVault;
let home: string;

async function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const stdout = Object.assign(new PassThrough(), { isTTY: opts.tty ?? false });
  const stderr = new PassThrough();
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  stdin.end(opts.stdin ?? '');
  const io: CliIo = {
    stdout,
    stderr,
    stdin,
    env: { VAULT_ADDR: vault.address, VAULT_TOKEN: TOKEN, HOME: home, ...(opts.env ?? {}) },
    signals: opts.signals ?? { on: () => undefined, off: () => undefined },
    loadServer: opts.loadServer ?? (() => Promise.reject(new Error('no server in this test'))),
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

const SEALED = { type: 'shamir', initialized: true, sealed: true, t: 3, n: 5, progress: 0, nonce: '', version: '0.1.0', build_date: '2024-01-01T00:00:00Z', migration: false, recovery_seal: false, storage_type: 'sqlite' };
const UNSEALED = { ...SEALED, sealed: false, t: 1, n: 1, cluster_name: 'coffer-cluster', cluster_id: 'cid' };
const LEADER = { ha_enabled: false, is_self: false, active_time: '0001-01-01T00:00:00Z', leader_address: '', leader_cluster_address: '', performance_standby: false };

const KV2_READ = envelope(
  {
    data: { password: 's3cr3t', user: 'admin' },
    metadata: { created_time: '2024-01-01T00:00:00Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 1 },
  },
  { mount_type: 'kv' },
);

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'coffer-cli-home-'));
  vault = await startFakeVault({
    'GET /v1/sys/internal/ui/mounts/secret/foo': uiMount('secret/', 2),
    'GET /v1/sys/internal/ui/mounts/secret': uiMount('secret/', 2),
    'GET /v1/sys/internal/ui/mounts/kv/foo': uiMount('kv/', 1),
    'GET /v1/sys/seal-status': { body: UNSEALED },
    'GET /v1/sys/leader': { body: LEADER },
  });
});

afterEach(async () => {
  await vault.close();
});

describe('dispatcher', () => {
  it('prints the version', async () => {
    const r = await run(['version']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Coffer v\d+\.\d+\.\d+/);
    expect((await run(['-version'])).out).toBe(r.out);
  });

  it('unknown commands exit 127 with the command list; groups without a subcommand exit 1', async () => {
    const none = await run([]);
    expect(none.code).toBe(127);
    expect(none.err).toContain('Usage: coffer <command> [args]');
    expect((await run(['frobnicate'])).code).toBe(127);
    const kv = await run(['kv']);
    expect(kv.code).toBe(1);
    expect(kv.err).toContain('Usage: coffer kv <subcommand>');
    expect(kv.err).toContain('metadata');
  });

  it('-h prints command help on stdout and exits 0', async () => {
    const r = await run(['kv', 'get', '-h']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: coffer kv get [options] KEY');
    expect(r.out).toContain('-mount=<string>');
    expect(r.out).toContain('HTTP Options:');
  });

  it('usage errors exit 1 (local), like Vault', async () => {
    const missing = await run(['kv', 'get']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('Not enough arguments (expected 1, got 0)');
    const badFlag = await run(['kv', 'get', '-nope', 'secret/foo']);
    expect(badFlag.code).toBe(1);
    expect(badFlag.err).toContain('flag provided but not defined: -nope');
    const badFormat = await run(['kv', 'get', '-format=xml', 'secret/foo']);
    expect(badFormat.code).toBe(1);
    expect(badFormat.err).toContain('Invalid output format: xml');
    expect(vault.requests).toHaveLength(0);
  });

  it('VAULT_FORMAT sets the default format', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { body: KV2_READ });
    const r = await run(['kv', 'get', 'secret/foo'], { env: { VAULT_FORMAT: 'json' } });
    expect(JSON.parse(r.out)).toMatchObject({ data: { data: { user: 'admin' } } });
  });

  it('-address overrides VAULT_ADDR', async () => {
    const r = await run(['status'], { env: { VAULT_ADDR: 'http://127.0.0.1:1' } });
    expect(r.code).toBe(1); // status with an unreachable VAULT_ADDR
    const ok = await run(['status', `-address=${vault.address}`], { env: { VAULT_ADDR: 'http://127.0.0.1:1' } });
    expect(ok.code).toBe(0);
  });
});

describe('kv', () => {
  it('get prints the Secret Path, Metadata and Data sections', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { body: KV2_READ });
    const r = await run(['kv', 'get', 'secret/foo']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        '= Secret Path =',
        'secret/data/foo',
        '',
        '======= Metadata =======',
        'Key                Value',
        '---                -----',
        'created_time       2024-01-01T00:00:00Z',
        'custom_metadata    <nil>',
        'deletion_time      n/a',
        'destroyed          false',
        'version            1',
        '',
        '====== Data ======',
        'Key         Value',
        '---         -----',
        'password    s3cr3t',
        'user        admin',
        '',
      ].join('\n'),
    );
    // The pre-flight, then the read, both with the token.
    expect(vault.requests.map((q) => q.path)).toEqual(['/v1/sys/internal/ui/mounts/secret/foo', '/v1/secret/data/foo']);
    expect(vault.requests.every((q) => q.headers['x-vault-token'] === TOKEN)).toBe(true);
  });

  it('get on a missing key says "No value found" and exits 2', async () => {
    const r = await run(['kv', 'get', 'secret/foo']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('No value found at secret/data/foo\n');
  });

  it('get -field prints the raw value (no newline when piped)', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { body: KV2_READ });
    const r = await run(['kv', 'get', '-field=password', 'secret/foo']);
    expect(r.out).toBe('s3cr3t');
    const tty = await run(['kv', 'get', '-field', 'password', 'secret/foo'], { tty: true });
    expect(tty.out).toBe('s3cr3t\n');
    const missing = await run(['kv', 'get', '-field=nope', 'secret/foo']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('Field "nope" not present in secret');
  });

  it('get -format=json prints the whole envelope; -mount and -version work', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { body: KV2_READ });
    const r = await run(['kv', 'get', '-format=json', '-mount=secret', '-version=1', 'foo']);
    const parsed = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['request_id', 'lease_id', 'lease_duration', 'renewable', 'data', 'warnings', 'mount_type']);
    expect(vault.requests[0]?.path).toBe('/v1/sys/internal/ui/mounts/secret');
    expect(vault.requests[1]?.query.get('version')).toBe('1');
  });

  it('get of a deleted version prints the metadata only', async () => {
    vault.routes.set('GET /v1/secret/data/foo', {
      status: 404,
      body: envelope({ data: null, metadata: { created_time: 't', custom_metadata: null, deletion_time: 't2', destroyed: false, version: 2 } }),
    });
    const r = await run(['kv', 'get', 'secret/foo']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('deletion_time      t2');
    expect(r.out).not.toContain('Data');
  });

  it('get on KV v1 prints only the data', async () => {
    vault.routes.set('GET /v1/kv/foo', { body: envelope({ a: 'b' }, { lease_duration: 2764800 }) });
    const r = await run(['kv', 'get', 'kv/foo']);
    expect(r.out).toBe('== Data ==\nKey    Value\n---    -----\na      b\n');
  });

  it('put sends {data, options} with cas and prints the new metadata', async () => {
    vault.routes.set('PUT /v1/secret/data/foo', {
      body: envelope({ created_time: '2024-01-01T00:00:00Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 2 }),
    });
    const r = await run(['kv', 'put', '-cas=1', 'secret/foo', 'user=admin', 'password=s3cr3t']);
    expect(r.code).toBe(0);
    expect(vault.requests.at(-1)?.json).toEqual({ data: { user: 'admin', password: 's3cr3t' }, options: { cas: 1 } });
    expect(r.out).toContain('= Secret Path =\nsecret/data/foo\n\n======= Metadata =======');
    expect(r.out).toContain('version            2');
  });

  it('put reads - (JSON on stdin) and key=- (raw stdin)', async () => {
    vault.routes.set('PUT /v1/secret/data/foo', { body: envelope({ version: 1 }) });
    await run(['kv', 'put', 'secret/foo', '-'], { stdin: '{"a":"b","n":1}' });
    expect(vault.requests.at(-1)?.json).toEqual({ data: { a: 'b', n: 1 }, options: {} });
    await run(['kv', 'put', 'secret/foo', 'cert=-'], { stdin: 'PEM\n' });
    expect(vault.requests.at(-1)?.json).toEqual({ data: { cert: 'PEM\n' }, options: {} });
  });

  it('put on KV v1 writes the plain path; without data it is a usage error', async () => {
    vault.routes.set('PUT /v1/kv/foo', { status: 204 });
    const r = await run(['kv', 'put', 'kv/foo', 'a=b']);
    expect(r.out).toBe('Success! Data written to: kv/foo\n');
    expect(vault.requests.at(-1)?.json).toEqual({ a: 'b' });
    const noData = await run(['kv', 'put', 'kv/foo']);
    expect(noData.code).toBe(1);
    expect(noData.err).toContain('Must supply data');
  });

  it('patch sends a merge patch; -remove-data nulls keys', async () => {
    vault.routes.set('PATCH /v1/secret/data/foo', { body: envelope({ version: 3 }) });
    const r = await run(['kv', 'patch', '-remove-data=old', 'secret/foo', 'new=1']);
    expect(r.code).toBe(0);
    expect(vault.requests.at(-1)?.headers['content-type']).toBe('application/merge-patch+json');
    expect(vault.requests.at(-1)?.json).toEqual({ data: { new: '1', old: null }, options: {} });
  });

  it('patch falls back to read+write on 403 and warns', async () => {
    vault.routes.set('PATCH /v1/secret/data/foo', { status: 403, body: { errors: ['permission denied'] } });
    vault.routes.set('GET /v1/secret/data/foo', { body: KV2_READ });
    vault.routes.set('PUT /v1/secret/data/foo', { body: envelope({ version: 2 }) });
    const r = await run(['kv', 'patch', 'secret/foo', 'user=root']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('"patch" capability');
    expect(vault.requests.at(-1)?.json).toEqual({ data: { password: 's3cr3t', user: 'root' }, options: { cas: 1 } });
  });

  it('patch on v1 exits 2', async () => {
    const r = await run(['kv', 'patch', 'kv/foo', 'a=b']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('K/V engine mount must be version 2 for patch support');
  });

  it('list prints Keys; an empty list exits 2', async () => {
    vault.routes.set('GET /v1/secret/metadata', { body: envelope({ keys: ['foo', 'app/'] }) });
    const r = await run(['kv', 'list', 'secret/']);
    expect(r.out).toBe('Keys\n----\napp/\nfoo\n');
    expect(vault.requests.at(-1)?.query.get('list')).toBe('true');
    const j = await run(['kv', 'list', '-format=json', '-mount=secret']);
    expect(JSON.parse(j.out)).toEqual(['foo', 'app/']);
    vault.routes.delete('GET /v1/secret/metadata');
    const none = await run(['kv', 'list', 'secret/']);
    expect(none.code).toBe(2);
    expect(none.err).toBe('No value found at secret/metadata\n');
  });

  it('delete with -versions posts to delete/; without, it deletes data/', async () => {
    vault.routes.set('PUT /v1/secret/delete/foo', { status: 204 });
    vault.routes.set('DELETE /v1/secret/data/foo', { status: 204 });
    const r = await run(['kv', 'delete', '-versions=1,2', 'secret/foo']);
    expect(r.out).toBe('Success! Data deleted (if it existed) at: secret/data/foo\n');
    expect(vault.requests.at(-1)?.json).toEqual({ versions: ['1', '2'] });
    await run(['kv', 'delete', 'secret/foo']);
    expect(vault.requests.at(-1)?.method).toBe('DELETE');
  });

  it('undelete and destroy need -versions and v2', async () => {
    vault.routes.set('PUT /v1/secret/undelete/foo', { status: 204 });
    vault.routes.set('PUT /v1/secret/destroy/foo', { status: 204 });
    expect((await run(['kv', 'undelete', 'secret/foo'])).code).toBe(1);
    const u = await run(['kv', 'undelete', '-versions=3', 'secret/foo']);
    expect(u.out).toBe('Success! Data written to: secret/undelete/foo\n');
    const d = await run(['kv', 'destroy', '-versions=1', '-versions=2', 'secret/foo']);
    expect(d.out).toBe('Success! Data written to: secret/destroy/foo\n');
    expect(vault.requests.at(-1)?.json).toEqual({ versions: ['1', '2'] });
    const v1 = await run(['kv', 'destroy', '-versions=1', 'kv/foo']);
    expect(v1.code).toBe(1);
    expect(v1.err).toContain('Destroy not supported on KV Version 1');
  });

  it('metadata get prints the metadata and one section per version', async () => {
    vault.routes.set('GET /v1/secret/metadata/foo', {
      body: envelope({
        cas_required: false,
        created_time: 't0',
        current_version: 2,
        custom_metadata: { owner: 'me' },
        delete_version_after: '0s',
        max_versions: 0,
        oldest_version: 0,
        updated_time: 't1',
        versions: { '10': { created_time: 't10', deletion_time: '', destroyed: false }, '2': { created_time: 't2', deletion_time: '', destroyed: true } },
      }),
    });
    const r = await run(['kv', 'metadata', 'get', 'secret/foo']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('== Metadata Path ==\nsecret/metadata/foo\n');
    expect(r.out).toContain('custom_metadata         map[owner:me]');
    expect(r.out.indexOf('Version 2')).toBeLessThan(r.out.indexOf('Version 10'));
    expect(r.out).toContain('destroyed        true');
  });

  it('metadata put sends only the given settings', async () => {
    vault.routes.set('PUT /v1/secret/metadata/foo', { status: 204 });
    const r = await run(['kv', 'metadata', 'put', '-max-versions=5', '-cas-required', '-delete-version-after=3h25m19s', '-custom-metadata=a=1', '-custom-metadata=b=2', 'secret/foo']);
    expect(r.out).toBe('Success! Data written to: secret/metadata/foo\n');
    expect(vault.requests.at(-1)?.json).toEqual({ max_versions: 5, delete_version_after: '3h25m19s', cas_required: true, custom_metadata: { a: '1', b: '2' } });
    await run(['kv', 'metadata', 'put', 'secret/foo']);
    expect(vault.requests.at(-1)?.json).toEqual({});
  });

  it('metadata delete and enable-versioning', async () => {
    vault.routes.set('DELETE /v1/secret/metadata/foo', { status: 204 });
    vault.routes.set('POST /v1/sys/mounts/secret/tune', { status: 204 });
    expect((await run(['kv', 'metadata', 'delete', 'secret/foo'])).out).toBe('Success! Data deleted (if it existed) at: secret/metadata/foo\n');
    const ev = await run(['kv', 'enable-versioning', 'secret']);
    expect(ev.out).toBe('Success! Tuned the secrets engine at: secret/\n');
    expect(vault.requests.at(-1)?.json).toEqual({ options: { version: '2' } });
  });

  it('a 403 pre-flight is a remote error (exit 2) and the token never shows', async () => {
    vault.routes.set('GET /v1/sys/internal/ui/mounts/secret/foo', { status: 403, body: { errors: ['preflight capability check returned 403'] } });
    const r = await run(['kv', 'get', 'secret/foo']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Code: 403');
    expect(r.err + r.out).not.toContain(TOKEN);
  });
});

describe('read / write / list / delete', () => {
  it('read prints a table with refresh_interval; missing exits 2; -format=raw prints the body', async () => {
    vault.routes.set('GET /v1/kv/foo', { body: envelope({ a: 'b' }, { lease_duration: 2764800 }) });
    const r = await run(['read', 'kv/foo']);
    expect(r.out).toBe('Key                 Value\n---                 -----\nrefresh_interval    768h\na                   b\n');
    const raw = await run(['read', '-format=raw', 'kv/foo']);
    expect(JSON.parse(raw.out)).toMatchObject({ data: { a: 'b' } });
    const missing = await run(['read', 'kv/nope']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('No value found at kv/nope\n');
    expect((await run(['write', '-format=raw', 'kv/foo', 'a=b'])).code).toBe(1);
  });

  it('read passes K=V as query parameters', async () => {
    vault.routes.set('GET /v1/secret/data/foo', { body: KV2_READ });
    await run(['read', 'secret/data/foo', 'version=2']);
    expect(vault.requests.at(-1)?.query.get('version')).toBe('2');
  });

  it('write: data, -force, and the errors', async () => {
    vault.routes.set('PUT /v1/sys/policy/p', { status: 204 });
    const r = await run(['write', 'sys/policy/p', 'policy=path "x" {}']);
    expect(r.out).toBe('Success! Data written to: sys/policy/p\n');
    expect((await run(['write', 'sys/policy/p'])).code).toBe(1);
    expect((await run(['write', '-f', 'sys/policy/p'])).code).toBe(0);
    vault.routes.set('PUT /v1/sys/policy/p', { status: 400, body: { errors: ["'policy' parameter not supplied or empty"] } });
    const bad = await run(['write', '-force', 'sys/policy/p']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("Error writing data to sys/policy/p: Error making API request.");
    expect(bad.err).toContain("* 'policy' parameter not supplied or empty");
    expect(bad.err).not.toContain(TOKEN);
  });

  it('write -format=json prints the response envelope', async () => {
    vault.routes.set('PUT /v1/auth/token/create', { body: envelope(null, { auth: { client_token: 'hvs.child', accessor: 'a', policies: ['default'], metadata: null, lease_duration: 60, renewable: true } }) });
    const r = await run(['write', '-format=json', '-f', 'auth/token/create']);
    expect(JSON.parse(r.out)).toMatchObject({ auth: { client_token: 'hvs.child' } });
    const field = await run(['write', '-field=token', '-f', 'auth/token/create']);
    expect(field.out).toBe('hvs.child');
  });

  it('list and delete', async () => {
    vault.routes.set('GET /v1/sys/policy', { body: envelope({ keys: ['root', 'default'] }) });
    vault.routes.set('DELETE /v1/sys/policy/p', { status: 204 });
    expect((await run(['list', 'sys/policy'])).out).toBe('Keys\n----\ndefault\nroot\n');
    expect((await run(['list', 'nothing/here'])).code).toBe(2);
    expect((await run(['delete', 'sys/policy/p'])).out).toBe('Success! Data deleted (if it existed) at: sys/policy/p\n');
  });
});

describe('status and operator', () => {
  it('status prints the table and exits 0 when unsealed', async () => {
    const r = await run(['status']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Sealed          false');
    expect(r.out).toContain('Cluster Name    coffer-cluster');
    expect(r.out).toContain('HA Enabled      false');
    expect(r.out).not.toContain('Unseal Progress');
  });

  it('status exits 2 when sealed (leader 503 masked) and 1 when unreachable', async () => {
    vault.routes.set('GET /v1/sys/seal-status', { body: SEALED });
    vault.routes.set('GET /v1/sys/leader', { status: 503, body: { errors: ['Vault is sealed'] } });
    const sealed = await run(['status']);
    expect(sealed.code).toBe(2);
    expect(sealed.out).toContain('Unseal Progress    0/3');
    const down = await run(['status'], { env: { VAULT_ADDR: 'http://127.0.0.1:1' } });
    expect(down.code).toBe(1);
    expect(down.err).toContain('Error checking seal status');
    expect(down.err).toContain('http://127.0.0.1:1');
  });

  it('status -format=json prints the seal status plus leader fields', async () => {
    const r = await run(['status', '-format=json']);
    const parsed = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(parsed).slice(0, 4)).toEqual(['type', 'initialized', 'sealed', 't']);
    expect(parsed['ha_enabled']).toBe(false);
  });

  it('operator init prints the keys and root token with Vault\'s layout', async () => {
    vault.routes.set('GET /v1/sys/seal-status', { body: { ...SEALED, initialized: false } });
    vault.routes.set('PUT /v1/sys/init', { body: { keys: ['aa', 'bb', 'cc'], keys_base64: ['qg==', 'uw==', 'zA=='], root_token: 'hvs.ROOT' } });
    const r = await run(['operator', 'init', '-key-shares=3', '-key-threshold=2']);
    expect(r.code).toBe(0);
    expect(vault.requests.at(-1)?.json).toEqual({ secret_shares: 3, secret_threshold: 2, recovery_shares: 0, recovery_threshold: 0 });
    expect(r.out.startsWith('Unseal Key 1: qg==\nUnseal Key 2: uw==\nUnseal Key 3: zA==\n\nInitial Root Token: hvs.ROOT\n\n')).toBe(true);
    expect(r.out).toContain('initialized with 3 key shares and a key threshold of 2');
  });

  it('operator init defaults to 5/3 and -format=json prints the machine-readable form', async () => {
    vault.routes.set('GET /v1/sys/seal-status', { body: { ...SEALED, initialized: false } });
    vault.routes.set('PUT /v1/sys/init', { body: { keys: ['aa'], keys_base64: ['qg=='], root_token: 'hvs.ROOT' } });
    const r = await run(['operator', 'init', '-format=json']);
    expect(vault.requests.at(-1)?.json).toMatchObject({ secret_shares: 5, secret_threshold: 3 });
    const parsed = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['unseal_keys_b64', 'unseal_keys_hex', 'unseal_shares', 'unseal_threshold', 'recovery_keys_b64', 'recovery_keys_hex', 'recovery_keys_shares', 'recovery_keys_threshold', 'root_token']);
    expect(parsed['root_token']).toBe('hvs.ROOT');
  });

  it('operator init -status exits 2 when not initialised', async () => {
    vault.routes.set('GET /v1/sys/init', { body: { initialized: false } });
    const r = await run(['operator', 'init', '-status']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('is not initialized');
  });

  it('operator init against an initialised server is a remote error', async () => {
    vault.routes.set('PUT /v1/sys/init', { status: 400, body: { errors: ['Vault is already initialized'] } });
    const r = await run(['operator', 'init']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error initializing: ');
    expect(r.err).toContain('Vault is already initialized');
  });

  it('operator unseal takes the key from the argument or stdin, and -reset', async () => {
    vault.routes.set('PUT /v1/sys/unseal', (req) => ({ body: { ...SEALED, progress: (req.json as { reset?: boolean }).reset === true ? 0 : 1 } }));
    const arg = await run(['operator', 'unseal', 'KEYSHARE1']);
    expect(arg.code).toBe(0);
    expect(vault.requests.find((q) => q.path === '/v1/sys/unseal')?.json).toEqual({ key: 'KEYSHARE1' });
    expect(arg.out).toContain('Unseal Progress    1/3');
    const piped = await run(['operator', 'unseal'], { stdin: 'KEYSHARE2\n' });
    expect(piped.code).toBe(0);
    expect(vault.requests.filter((q) => q.path === '/v1/sys/unseal').at(-1)?.json).toEqual({ key: 'KEYSHARE2' });
    await run(['operator', 'unseal', '-reset']);
    expect(vault.requests.filter((q) => q.path === '/v1/sys/unseal').at(-1)?.json).toEqual({ reset: true });
    const bad = await run(['operator', 'unseal', '-non-interactive']);
    expect(bad.code).toBe(1);
  });

  it('operator seal, rotate and key-status', async () => {
    vault.routes.set('PUT /v1/sys/seal', { status: 204 });
    vault.routes.set('POST /v1/sys/rotate', { status: 204 });
    vault.routes.set('GET /v1/sys/key-status', { body: envelope({ term: 2, install_time: '2024-03-05T07:09:00Z', encryptions: 12 }) });
    expect((await run(['operator', 'seal'])).out).toBe('Success! Coffer is sealed.\n');
    const rot = await run(['operator', 'rotate']);
    expect(rot.out).toBe('Success! Rotated key\n\nKey Term            2\nInstall Time        05 Mar 24 07:09 UTC\nEncryption Count    12\n');
    const ks = await run(['operator', 'key-status', '-format=json']);
    expect(JSON.parse(ks.out)).toEqual({ term: 2, install_time: '2024-03-05T07:09:00Z', encryptions: 12 });
  });
});

describe('secrets', () => {
  it('enable builds the mount request (-version, -options, TTLs) and reports the path', async () => {
    vault.routes.set('POST /v1/sys/mounts/secret', { status: 204 });
    const r = await run(['secrets', 'enable', '-path=secret', '-version=2', '-description=KV', '-default-lease-ttl=1h', '-options=foo=bar', 'kv']);
    expect(r.out).toBe('Success! Enabled the kv secrets engine at: secret/\n');
    expect(vault.requests.at(-1)?.json).toEqual({
      type: 'kv',
      description: 'KV',
      local: false,
      seal_wrap: false,
      external_entropy_access: false,
      config: { default_lease_ttl: '1h0m0s', max_lease_ttl: '0s', force_no_cache: false },
      options: { foo: 'bar', version: '2' },
    });
    vault.routes.set('POST /v1/sys/mounts/kv-v2', { status: 204 });
    expect((await run(['secrets', 'enable', 'kv-v2'])).out).toBe('Success! Enabled the kv-v2 secrets engine at: kv-v2/\n');
    vault.routes.set('POST /v1/sys/mounts/secret', { status: 400, body: { errors: ['path is already in use at secret/'] } });
    const dup = await run(['secrets', 'enable', '-path=secret', 'kv']);
    expect(dup.code).toBe(2);
    expect(dup.err).toContain('Error enabling: ');
  });

  it('list prints Path/Type/Accessor/Description; -detailed adds columns', async () => {
    const mount = (type: string, extra: Record<string, unknown> = {}) => ({
      type,
      description: '',
      accessor: `${type}_1234`,
      config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
      options: null,
      local: false,
      seal_wrap: false,
      ...extra,
    });
    const mounts = { 'secret/': mount('kv', { description: 'key/value secret storage', options: { version: '2' } }), 'sys/': mount('system'), 'cubbyhole/': mount('cubbyhole', { local: true }) };
    vault.routes.set('GET /v1/sys/mounts', { body: { ...mounts, ...envelope(mounts) } });
    const r = await run(['secrets', 'list']);
    expect(r.out.split('\n').slice(0, 5)).toEqual([
      'Path          Type         Accessor          Description',
      '----          ----         --------          -----------',
      'cubbyhole/    cubbyhole    cubbyhole_1234    n/a',
      'secret/       kv           kv_1234           key/value secret storage',
      'sys/          system       system_1234       n/a',
    ]);
    const d = await run(['secrets', 'list', '-detailed']);
    expect(d.out).toContain('map[version:2]');
    expect(d.out).toContain('system');
    const j = await run(['secrets', 'list', '-format=json']);
    expect(Object.keys(JSON.parse(j.out) as object)).toEqual(['cubbyhole/', 'secret/', 'sys/']);
  });

  it('tune and disable', async () => {
    vault.routes.set('POST /v1/sys/mounts/secret/tune', { status: 204 });
    vault.routes.set('DELETE /v1/sys/mounts/secret', { status: 204 });
    const t = await run(['secrets', 'tune', '-max-lease-ttl=24h', '-description=new', '-options=version=2', 'secret']);
    expect(t.out).toBe('Success! Tuned the secrets engine at: secret/\n');
    expect(vault.requests.at(-1)?.json).toEqual({ max_lease_ttl: '24h0m0s', options: { version: '2' }, description: 'new' });
    expect((await run(['secrets', 'disable', 'secret/'])).out).toBe('Success! Disabled the secrets engine (if it existed) at: secret/\n');
  });
});

describe('server', () => {
  function fakeServer(record: StartServerOptions[], closed: { count: number }): CliIo['loadServer'] {
    return () =>
      Promise.resolve({
        startServer: (options: StartServerOptions): Promise<RunningServer> => {
          record.push(options);
          return Promise.resolve({
            address: 'http://127.0.0.1:8200',
            addresses: ['http://127.0.0.1:8200'],
            logLevel: options.logLevel ?? 'info',
            reload: () => Promise.resolve(),
            rootToken: 'root',
            unsealKey: 'UNSEALKEY=',
            close: () => {
              closed.count += 1;
              return Promise.resolve();
            },
          });
        },
      });
  }

  function fakeSignals(): SignalSource & { emit(signal: 'SIGINT' | 'SIGTERM'): void; count(): number } {
    const listeners = new Map<string, Set<() => void>>();
    return {
      on(signal, listener) {
        const set = listeners.get(signal) ?? new Set();
        set.add(listener);
        listeners.set(signal, set);
      },
      off(signal, listener) {
        listeners.get(signal)?.delete(listener);
      },
      emit(signal) {
        for (const l of [...(listeners.get(signal) ?? [])]) l();
      },
      count: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
    };
  }

  it('-dev starts the server, prints the banner, stores the token (0600) and stops on SIGINT', async () => {
    const record: StartServerOptions[] = [];
    const closed = { count: 0 };
    const signals = fakeSignals();
    const pending = run(['server', '-dev', '-dev-root-token-id=root', '-dev-listen-address=127.0.0.1:8200'], { loadServer: fakeServer(record, closed), signals });
    await new Promise((r) => setTimeout(r, 50));
    expect(record).toEqual([{ dev: { rootTokenId: 'root', listenAddress: '127.0.0.1:8200' } }]);
    expect(signals.count()).toBe(3); // SIGINT, SIGTERM, SIGHUP
    signals.emit('SIGINT');
    const r = await pending;
    expect(r.code).toBe(0);
    expect(closed.count).toBe(1);
    expect(signals.count()).toBe(0);
    expect(r.out).toContain('WARNING! dev mode is enabled!');
    expect(r.out).toContain("$ export VAULT_ADDR='http://127.0.0.1:8200'");
    expect(r.out).toContain('Unseal Key: UNSEALKEY=');
    expect(r.out).toContain('Root Token: root');
    expect(r.out).toContain('==> Coffer shutdown triggered');
    const tokenFile = join(home, '.vault-token');
    expect(readFileSync(tokenFile, 'utf8')).toBe('root');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
  });

  it('env supplies the dev root token; -dev-kv-v1 implies -dev; -dev-no-store-token skips the file', async () => {
    const record: StartServerOptions[] = [];
    const signals = fakeSignals();
    const pending = run(['server', '-dev-kv-v1', '-dev-no-store-token'], { loadServer: fakeServer(record, { count: 0 }), signals, env: { VAULT_DEV_ROOT_TOKEN_ID: 'envroot' } });
    await new Promise((r) => setTimeout(r, 50));
    signals.emit('SIGTERM');
    expect((await pending).code).toBe(0);
    expect(record[0]).toEqual({ dev: { rootTokenId: 'envroot', kvV1: true } });
    expect(existsSync(join(home, '.vault-token'))).toBe(false);
  });

  it('needs -dev or -config', async () => {
    const r = await run(['server']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Must specify at least one config path using -config');
  });

  it('-config passes the file and prints no dev banner', async () => {
    const record: StartServerOptions[] = [];
    const signals = fakeSignals();
    const pending = run(['server', '-config=/etc/coffer.hcl', '-log-level=debug'], { loadServer: fakeServer(record, { count: 0 }), signals });
    await new Promise((r) => setTimeout(r, 50));
    signals.emit('SIGINT');
    const r = await pending;
    expect(record[0]).toEqual({ logLevel: 'debug', configPath: '/etc/coffer.hcl' });
    expect(r.out).not.toContain('Root Token');
    expect(r.out).not.toContain('dev mode');
  });

  it('a start failure exits 1 with the reason', async () => {
    const r = await run(['server', '-dev'], { loadServer: () => Promise.resolve({ startServer: () => Promise.reject(new Error('address already in use')) }) });
    expect(r.code).toBe(1);
    expect(r.err).toContain('Error starting the server: address already in use');
  });
});
