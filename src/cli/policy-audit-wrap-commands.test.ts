import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envelope } from '../api/testing.js';
import { HARNESS_TOKEN, startCliHarness, type CliHarness } from './testing.js';

let h: CliHarness;
beforeEach(async () => {
  h = await startCliHarness();
});
afterEach(async () => {
  await h.close();
});

const POLICY = 'path "secret/*" {\n  capabilities = ["read"]\n}\n';

describe('policy', () => {
  it('write uploads a file (name lowercased) or stdin to sys/policies/acl', async () => {
    h.vault.routes.set('PUT /v1/sys/policies/acl/dev', { status: 204 });
    const file = join(h.home, 'dev.hcl');
    writeFileSync(file, POLICY);
    const r = await h.run(['policy', 'write', ' Dev ', file]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Success! Uploaded policy: dev\n');
    expect(h.vault.requests[0]?.json).toEqual({ policy: POLICY });
    const piped = await h.run(['policy', 'write', 'dev', '-'], { stdin: 'path "x" {}' });
    expect(piped.code).toBe(0);
    expect(h.vault.requests[1]?.json).toEqual({ policy: 'path "x" {}' });
  });

  it('write errors: missing file (2), server rejection (2), arguments (1)', async () => {
    const missing = await h.run(['policy', 'write', 'dev', join(h.home, 'nope.hcl')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('Error opening policy file: ');
    h.vault.routes.set('PUT /v1/sys/policies/acl/dev', { status: 400, body: { errors: ['failed to parse policy: invalid capability "reed"'] } });
    const bad = await h.run(['policy', 'write', 'dev', '-'], { stdin: 'path "x" { capabilities = ["reed"] }' });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Error uploading policy: Error making API request.');
    expect(bad.err).toContain('invalid capability');
    expect(bad.err).not.toContain(HARNESS_TOKEN);
    const args = await h.run(['policy', 'write', 'dev']);
    expect(args.code).toBe(1);
    expect(args.err).toContain('Not enough arguments (expected 2, got 1)');
  });

  it('read prints the rules (trimmed); -format=json prints {policy}; missing exits 2', async () => {
    h.vault.routes.set('GET /v1/sys/policies/acl/dev', { body: envelope({ name: 'dev', policy: `${POLICY}\n\n` }) });
    const r = await h.run(['policy', 'read', 'DEV']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(POLICY);
    const json = await h.run(['policy', 'read', '-format=json', 'dev']);
    expect(JSON.parse(json.out)).toEqual({ policy: `${POLICY}\n\n` });
    const missing = await h.run(['policy', 'read', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('No policy named: nope\n');
    h.vault.routes.set('GET /v1/sys/policies/acl/dev', { status: 403, body: { errors: ['permission denied'] } });
    const denied = await h.run(['policy', 'read', 'dev']);
    expect(denied.code).toBe(2);
    expect(denied.err).toContain('Error reading policy named dev: ');
  });

  it('list prints one name per line (json: the array); delete reports success', async () => {
    h.vault.routes.set('GET /v1/sys/policies/acl', { body: envelope({ keys: ['default', 'dev', 'root'] }) });
    h.vault.routes.set('DELETE /v1/sys/policies/acl/dev', { status: 204 });
    const list = await h.run(['policy', 'list']);
    expect(list.out).toBe('default\ndev\nroot\n');
    expect(h.vault.requests[0]?.query.get('list')).toBe('true');
    expect(JSON.parse((await h.run(['policy', 'list', '-format=json'])).out)).toEqual(['default', 'dev', 'root']);
    const del = await h.run(['policy', 'delete', 'Dev']);
    expect(del.out).toBe('Success! Deleted policy: dev\n');
    h.vault.routes.set('DELETE /v1/sys/policies/acl/default', { status: 400, body: { errors: ['cannot delete "default" policy'] } });
    const builtin = await h.run(['policy', 'delete', 'default']);
    expect(builtin.code).toBe(2);
    expect(builtin.err).toContain('Error deleting default: ');
  });

  it('fmt rewrites the file in HCL1 layout and is a no-op the second time', async () => {
    const file = join(h.home, 'messy.hcl');
    writeFileSync(file, '# read only\npath "secret/*" {\ncapabilities = ["read","list"]\n    max_wrapping_ttl = "1h"\n}\npath "sys/health" { capabilities = ["read", "sudo"] }\n');
    const r = await h.run(['policy', 'fmt', file]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`Success! Formatted policy: ${file}\n`);
    const formatted = readFileSync(file, 'utf8');
    expect(formatted).toBe(
      '# read only\npath "secret/*" {\n  capabilities     = ["read", "list"]\n  max_wrapping_ttl = "1h"\n}\n\npath "sys/health" {\n  capabilities = ["read", "sudo"]\n}\n',
    );
    expect((await h.run(['policy', 'fmt', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(formatted);
    expect(h.vault.requests).toHaveLength(0);
  });

  it('fmt expands ~ and keeps the file mode', async () => {
    const file = join(h.home, 'p.hcl');
    writeFileSync(file, 'path "a" {capabilities=["read"]}', { mode: 0o600 });
    const r = await h.run(['policy', 'fmt', '~/p.hcl']);
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('path "a" {\n  capabilities = ["read"]\n}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('fmt refuses an invalid policy with the parse error (exit 1) and leaves the file alone', async () => {
    const file = join(h.home, 'bad.hcl');
    const text = 'path "a" {\n  capabilities = ["read", "wirte"]\n}\n';
    writeFileSync(file, text);
    const r = await h.run(['policy', 'fmt', file]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('failed to parse policy: path "a": invalid capability "wirte" at 2:3\n');
    expect(readFileSync(file, 'utf8')).toBe(text);
    const syntax = join(h.home, 'syntax.hcl');
    writeFileSync(syntax, 'path "a" {\n  capabilities = ["read"\n}\n');
    const s = await h.run(['policy', 'fmt', syntax]);
    expect(s.code).toBe(1);
    expect(s.err).toContain('failed to parse policy: ');
    const missing = await h.run(['policy', 'fmt', join(h.home, 'none.hcl')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('Error reading source file: ');
    const json = join(h.home, 'p.json');
    writeFileSync(json, '{"path": {"a": {"capabilities": ["read"]}}}');
    const j = await h.run(['policy', 'fmt', json]);
    expect(j.code).toBe(1);
    expect(j.err).toContain('Error printing result: the document is JSON');
  });

  it('fmt takes no HTTP flags', async () => {
    const r = await h.run(['policy', 'fmt', '-address=http://x', 'p.hcl']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('flag provided but not defined: -address');
  });
});

describe('audit', () => {
  const devices = {
    'file/': { type: 'file', description: 'main log', options: { file_path: '/var/log/coffer/audit.log', mode: '0600' }, local: false, path: 'file/' },
    'sock/': { type: 'socket', description: '', options: { address: '127.0.0.1:9090' }, local: true, path: 'sock/' },
  };

  it('enable sends type, description, options (K=V) and local; path defaults to the type', async () => {
    h.vault.routes.set('PUT /v1/sys/audit/file', { status: 204 });
    h.vault.routes.set('PUT /v1/sys/audit/team-log', { status: 204 });
    const r = await h.run(['audit', 'enable', 'file', 'file_path=/var/log/a.log', 'log_raw=false']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Success! Enabled the file audit device at: file/\n');
    expect(h.vault.requests[0]?.json).toEqual({ type: 'file', description: '', options: { file_path: '/var/log/a.log', log_raw: 'false' }, local: false });
    const custom = await h.run(['audit', 'enable', '-path=team-log', '-description=Team', '-local', 'file', 'file_path=stdout']);
    expect(custom.out).toBe('Success! Enabled the file audit device at: team-log/\n');
    expect(h.vault.requests[1]?.json).toEqual({ type: 'file', description: 'Team', options: { file_path: 'stdout' }, local: true });
  });

  it('enable errors: missing type (1), bad K=V (1), server (2)', async () => {
    const none = await h.run(['audit', 'enable']);
    expect(none.code).toBe(1);
    expect(none.err).toContain("audit type missing. Valid types include 'file' and 'socket'.");
    const bad = await h.run(['audit', 'enable', 'file', 'novalue']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('Failed to parse K=V data: ');
    h.vault.routes.set('PUT /v1/sys/audit/syslog', { status: 400, body: { errors: ['audit device type "syslog" is not supported by Coffer'] } });
    const server = await h.run(['audit', 'enable', 'syslog']);
    expect(server.code).toBe(2);
    expect(server.err).toContain('Error enabling audit device: ');
    expect(h.vault.requests).toHaveLength(1);
  });

  it('disable normalises the path', async () => {
    h.vault.routes.set('DELETE /v1/sys/audit/file', { status: 204 });
    const r = await h.run(['audit', 'disable', '/file']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Success! Disabled audit device (if it was enabled) at: file/\n');
    expect((await h.run(['audit', 'disable'])).code).toBe(1);
  });

  it('list: table, -detailed, json; none enabled exits 2', async () => {
    h.vault.routes.set('GET /v1/sys/audit', { body: { ...devices, ...envelope(devices) } });
    const r = await h.run(['audit', 'list']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(['Path     Type      Description', '----     ----      -----------', 'file/    file      main log', 'sock/    socket    n/a', ''].join('\n'));
    const d = await h.run(['audit', 'list', '-detailed']);
    expect(d.out.split('\n')[0]).toBe('Path     Type      Description    Replication    Options');
    expect(d.out).toContain('file/    file      main log       replicated     file_path=/var/log/coffer/audit.log mode=0600');
    expect(d.out).toContain('sock/    socket    n/a            local          address=127.0.0.1:9090');
    const json = await h.run(['audit', 'list', '-format=json']);
    const parsed = JSON.parse(json.out) as Record<string, Record<string, unknown>>;
    expect(Object.keys(parsed)).toEqual(['file/', 'sock/']);
    expect(Object.keys(parsed['file/'] ?? {})).toEqual(['type', 'description', 'options', 'local', 'path']);
    h.vault.routes.set('GET /v1/sys/audit', { body: envelope({}) });
    const none = await h.run(['audit', 'list']);
    expect(none.code).toBe(2);
    expect(none.out).toBe('No audit devices are enabled.\n');
    h.vault.routes.set('GET /v1/sys/audit', { status: 403, body: { errors: ['permission denied'] } });
    const denied = await h.run(['audit', 'list']);
    expect(denied.code).toBe(2);
    expect(denied.err).toContain('Error listing audits: ');
  });
});

describe('unwrap', () => {
  it('unwraps the given token (in the body) and prints the secret', async () => {
    h.vault.routes.set('PUT /v1/sys/wrapping/unwrap', { body: envelope({ password: 's3cr3t' }) });
    const r = await h.run(['unwrap', 'hvs.WRAPPINGTOKEN']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Key         Value\n---         -----\npassword    s3cr3t\n');
    expect(h.vault.requests[0]?.json).toEqual({ token: 'hvs.WRAPPINGTOKEN' });
    expect(h.vault.requests[0]?.headers['x-vault-token']).toBe(HARNESS_TOKEN);
    expect((await h.run(['unwrap', '-field=password', 'hvs.W'])).out).toBe('s3cr3t');
    expect(JSON.parse((await h.run(['unwrap', '-format=json', 'hvs.W'])).out)).toMatchObject({ data: { password: 's3cr3t' } });
  });

  it('without an argument the current token is the wrapping token', async () => {
    h.vault.routes.set('PUT /v1/sys/wrapping/unwrap', { body: envelope({ a: 'b' }) });
    const r = await h.run(['unwrap'], { env: { VAULT_TOKEN: 'hvs.WRAPPEDASCURRENT' } });
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.headers['x-vault-token']).toBe('hvs.WRAPPEDASCURRENT');
    expect(h.vault.requests[0]?.json).toBeNull();
  });

  it('a wrapped token response prints the auth table; a wrapped list prints Keys; no data says so', async () => {
    h.vault.routes.set('PUT /v1/sys/wrapping/unwrap', { body: envelope(null, { auth: { client_token: 'hvs.INNER', accessor: 'ia', policies: ['default'], token_policies: ['default'], metadata: null, lease_duration: 60, renewable: false } }) });
    expect((await h.run(['unwrap', 'hvs.W'])).out).toContain('token                hvs.INNER');
    h.vault.routes.set('PUT /v1/sys/wrapping/unwrap', { body: envelope({ keys: ['b', 'a'] }) });
    expect((await h.run(['unwrap', 'hvs.W'])).out).toBe('Keys\n----\na\nb\n');
    h.vault.routes.set('PUT /v1/sys/wrapping/unwrap', { status: 204 });
    const empty = await h.run(['unwrap', 'hvs.W']);
    expect(empty.code).toBe(0);
    expect(empty.out).toBe('Successfully unwrapped. There was no data in the wrapped secret.\n');
  });

  it('an invalid or used wrapping token is a remote error (exit 2) and is not echoed', async () => {
    h.vault.routes.set('PUT /v1/sys/wrapping/unwrap', { status: 400, body: { errors: ['wrapping token is not valid or does not exist'] } });
    const r = await h.run(['unwrap', 'hvs.USEDWRAPPINGTOKEN']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error unwrapping: ');
    expect(r.err).toContain('wrapping token is not valid or does not exist');
    expect(r.err).not.toContain('hvs.USEDWRAPPINGTOKEN');
    expect((await h.run(['unwrap', 'a', 'b'])).code).toBe(1);
  });
});

describe('-wrap-ttl on other commands', () => {
  it('is sent on the request (Go duration string) and the wrap info is printed', async () => {
    h.vault.routes.set('GET /v1/kv/foo', {
      body: envelope(null, { request_id: '', wrap_info: { token: 'hvs.W', accessor: 'wa', ttl: 120, creation_time: '2024-01-01T00:00:00Z', creation_path: 'kv/foo' } }),
    });
    const r = await h.run(['read', '-wrap-ttl=2m', 'kv/foo']);
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.headers['x-vault-wrap-ttl']).toBe('2m0s');
    expect(r.out).toContain('wrapping_token_ttl:              2m');
    const json = await h.run(['read', '-wrap-ttl=2m', '-format=json', 'kv/foo']);
    expect(Object.keys((JSON.parse(json.out) as { wrap_info: object }).wrap_info)).toEqual(['token', 'accessor', 'ttl', 'creation_time', 'creation_path', 'wrapped_accessor']);
    const bad = await h.run(['read', '-wrap-ttl=soon', 'kv/foo']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('invalid value "soon" for flag -wrap-ttl');
  });
});
