import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { createBackend, defineBackend, type LogicalRequest, type MountView, type Operation } from '../sdk/index.js';
import { AuditError, createAuditBroker, type AuditBroker, type AuditBrokerOptions } from './broker.js';
import { createHasher } from './hash.js';
import { auditPaths } from './paths.js';
import { FakeFiles, MemoryStorage, auditLines, captureLogger } from './testing.js';
import type { AuditRequestInput } from './types.js';

let dir: string;
const brokers: AuditBroker[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coffer-audit-'));
});

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
  await rm(dir, { recursive: true, force: true });
});

function broker(options: Partial<AuditBrokerOptions> = {}): AuditBroker {
  const b = createAuditBroker({ storage: new MemoryStorage(), logger: silentLogger(), ...options });
  brokers.push(b);
  return b;
}

function request(id: string, data: Record<string, unknown> = {}): AuditRequestInput {
  return {
    auth: { clientToken: 'hvs.root', accessor: 'acc', policies: ['root'], tokenType: 'service' },
    request: { id, operation: 'update', path: 'secret/data/app', clientToken: 'hvs.root', data, mountPoint: 'secret/', mountType: 'kv' },
  };
}

describe('audit broker', () => {
  it('logs nothing and lets requests through when no device is enabled', async () => {
    const b = broker();
    expect(b.size).toBe(0);
    await expect(b.logRequest(request('r1'))).resolves.toBeUndefined();
    await expect(b.logResponse({ ...request('r1'), response: { data: { x: 'y' } } })).resolves.toBeUndefined();
  });

  it('enables a file device: 0600 file, a probe entry, then request and response lines', async () => {
    const b = broker();
    const file = join(dir, 'logs', 'audit.log');
    await b.enable('file', { type: 'file', description: 'main', options: { file_path: file } });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const probe = JSON.parse((await readFile(file, 'utf8')).split('\n')[0] ?? '');
    expect(probe).toMatchObject({ type: 'request', request: { operation: 'update', path: 'sys/audit/test', namespace: { id: 'root' } } });

    await b.logRequest(request('r1', { password: 'hunter2' }));
    await b.logResponse({ ...request('r1'), response: { data: { ok: 'yes' } } });
    const lines = auditLines(await readFile(file, 'utf8'));
    expect(lines.map((l) => [l['type'], l['request']['id']])).toEqual([
      ['request', 'r1'],
      ['response', 'r1'],
    ]);
    expect(await readFile(file, 'utf8')).not.toContain('hunter2');
    expect(b.list()).toEqual([{ path: 'file/', type: 'file', description: 'main', options: { file_path: file }, local: false }]);
  });

  it('writes 1,000 concurrent entries as 1,000 lines in call order', async () => {
    const b = broker();
    const file = join(dir, 'audit.log');
    await b.enable('file', { type: 'file', options: { file_path: file } });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => b.logRequest(request(`req-${i}`, { n: i, secret: `s${i}` }))));
    const lines = auditLines(await readFile(file, 'utf8'));
    expect(lines).toHaveLength(1000);
    expect(lines.map((l) => l['request']['id'])).toEqual(Array.from({ length: 1000 }, (_, i) => `req-${i}`));
  });

  it('finds who read a secret: sys/audit-hash of the value equals the HMAC in the log', async () => {
    const b = broker();
    const file = join(dir, 'audit.log');
    await b.enable('file', { type: 'file', options: { file_path: file } });
    await b.logResponse({
      ...request('read-1'),
      request: { id: 'read-1', operation: 'read', path: 'secret/data/db', clientToken: 'hvs.alice' },
      auth: { clientToken: 'hvs.alice', displayName: 'userpass-alice', policies: ['dev'] },
      response: { data: { data: { password: 'correct horse battery staple' } } },
    });
    await b.logResponse({ ...request('read-2'), response: { data: { data: { password: 'something else' } } } });

    const sys = sysBackend(b);
    const resp = await sys('update', 'audit-hash/file', { input: 'correct horse battery staple' });
    const hash = resp?.data?.['hash'] as string;
    expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const readers = auditLines(await readFile(file, 'utf8')).filter((e) => JSON.stringify(e['response'] ?? {}).includes(hash));
    expect(readers.map((e) => [e['request']['id'], e['auth']['display_name']])).toEqual([['read-1', 'userpass-alice']]);
  });

  it('fails closed while its only device fails, naming the device in the log, and recovers when it heals', async () => {
    const fs = new FakeFiles();
    const log = captureLogger();
    const b = broker({ logger: log.logger, devices: { openFile: fs.open } });
    await b.enable('disk', { type: 'file', options: { file_path: join(dir, 'a.log') } });
    await b.logRequest(request('ok-1'));

    fs.broken = 'ENOSPC: no space left on device';
    const failure = await b.logRequest(request('lost', { password: 'do-not-log-me' })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AuditError);
    expect(failure).toMatchObject({ code: 'ERR_INTERNAL', message: 'internal error', devices: ['disk/'] });
    await expect(b.logRequest(request('lost-2'))).rejects.toBeInstanceOf(AuditError);
    expect(b.status()).toEqual([
      expect.objectContaining({ path: 'disk/', healthy: false, lastError: expect.stringContaining('ENOSPC') }),
    ]);
    const deviceLog = log.lines().find((l) => l['device'] === 'disk/');
    expect(deviceLog?.['level']).toBe(50);
    expect(log.text()).not.toContain('do-not-log-me');

    fs.broken = null;
    await b.logRequest(request('ok-2'));
    expect(b.status()[0]?.healthy).toBe(true);
    expect(auditLines(fs.written.join('')).map((e) => e['request']['id'])).toEqual(['ok-1', 'ok-2']);
    expect(log.lines().some((l) => l['msg'] === 'audit device recovered' && l['device'] === 'disk/')).toBe(true);
  });

  it('fails closed on a real file system when the log cannot be reopened after rotation, then recovers', async () => {
    const b = broker();
    const logDir = join(dir, 'logs');
    const file = join(logDir, 'audit.log');
    await b.enable('file', { type: 'file', options: { file_path: file } });
    await b.logRequest(request('before'));

    // The rotation moved the directory away and something put a file in its place.
    await rename(logDir, join(dir, 'rotated'));
    await writeFile(logDir, 'not a directory');
    await b.reopen();
    await expect(b.logRequest(request('during'))).rejects.toBeInstanceOf(AuditError);
    expect(b.status()[0]).toMatchObject({ healthy: false, lastError: expect.stringMatching(/EEXIST|ENOTDIR/) });

    await rm(logDir);
    await mkdir(logDir);
    await b.logRequest(request('after'));
    expect(auditLines(await readFile(file, 'utf8')).map((e) => e['request']['id'])).toEqual(['after']);
    expect(auditLines(await readFile(join(dir, 'rotated', 'audit.log'), 'utf8')).map((e) => e['request']['id'])).toEqual(['before']);
  });

  it('succeeds when any device records the entry (one of two failing)', async () => {
    const fs = new FakeFiles();
    const log = captureLogger();
    const stream: string[] = [];
    const stdout = {
      write: (chunk: Buffer, cb: (err?: Error | null) => void) => {
        stream.push(chunk.toString());
        cb();
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const b = broker({ logger: log.logger, devices: { openFile: fs.open, stdout } });
    await b.enable('failing', { type: 'file', options: { file_path: join(dir, 'x.log') } });
    await b.enable('stdout', { type: 'file', options: { file_path: 'stdout' } });
    fs.broken = 'EACCES: permission denied';

    await expect(b.logRequest(request('any-1'))).resolves.toBeUndefined();
    await expect(b.logResponse({ ...request('any-1'), response: { data: { a: 'b' } } })).resolves.toBeUndefined();
    expect(auditLines(stream.join('')).map((e) => [e['type'], e['request']['id']])).toEqual([
      ['request', 'any-1'],
      ['response', 'any-1'],
    ]);
    await new Promise((r) => setTimeout(r, 10));
    expect(b.status().map((s) => [s.path, s.healthy])).toEqual([
      ['failing/', false],
      ['stdout/', true],
    ]);
    expect(log.lines().some((l) => l['device'] === 'failing/' && l['level'] === 50)).toBe(true);

    // Both failing: the request fails.
    const failingStdout = broker({ devices: { openFile: fs.open, stdout: { write: (_c: Buffer, cb: (e?: Error) => void) => (cb(new Error('EPIPE')), false) } as unknown as NodeJS.WritableStream } });
    fs.broken = null;
    await failingStdout.enable('a', { type: 'file', options: { file_path: join(dir, 'y.log') } });
    await failingStdout.enable('b', { type: 'file', options: { file_path: 'stdout', skip_test: 'true' } });
    fs.broken = 'EACCES: permission denied';
    await expect(failingStdout.logRequest(request('none'))).rejects.toMatchObject({ devices: ['a/', 'b/'] });
  });

  it('fails closed within the bound when its device stalls, instead of queueing forever', async () => {
    const fs = new FakeFiles();
    const b = broker({ devices: { openFile: fs.open }, queue: { timeoutMs: 250, maxEntries: 50 } });
    await b.enable('slow', { type: 'file', options: { file_path: join(dir, 'slow.log') } });
    fs.stalled = true;

    const started = Date.now();
    const first = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => b.logRequest(request(`stuck-${i}`))));
    expect(first.every((r) => r.status === 'rejected' && r.reason instanceof AuditError)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(Date.now() - started).toBeLessThan(2000);

    // Stalled: further entries fail at once, without waiting for the timeout.
    const t = Date.now();
    await expect(b.logRequest(request('fast-fail'))).rejects.toBeInstanceOf(AuditError);
    expect(Date.now() - t).toBeLessThan(150);
    expect(b.status()[0]?.queuedEntries).toBeLessThanOrEqual(50);
    expect(b.status()[0]?.lastError).toMatch(/timed out|stalled/);

    fs.release();
    await new Promise((r) => setTimeout(r, 20));
    await b.logRequest(request('healed'));
    expect(auditLines(fs.written.join('')).map((e) => e['request']['id'])).toContain('healed');
  });

  it('refuses entries beyond the queue bound at once', async () => {
    const fs = new FakeFiles();
    const b = broker({ devices: { openFile: fs.open }, queue: { timeoutMs: 5000, maxEntries: 10 } });
    await b.enable('slow', { type: 'file', options: { file_path: join(dir, 'slow.log') } });
    fs.stalled = true;
    const results = Array.from({ length: 30 }, (_, i) => b.logRequest(request(`r${i}`)).then(() => 'ok', () => 'failed'));
    // Without waiting for the 5 s timeout: the 20 beyond the bound fail immediately.
    const early = await Promise.race([Promise.all(results.slice(10)), new Promise((r) => setTimeout(() => r('timeout'), 500))]);
    expect(early).toEqual(Array(20).fill('failed'));
    fs.release();
    expect(await Promise.all(results.slice(0, 10))).toEqual(Array(10).fill('ok'));
  });

  it('keeps its devices and salts across restarts: same salt, same hashes', async () => {
    const storage = new MemoryStorage();
    const file = join(dir, 'audit.log');
    const first = broker({ storage });
    await first.enable('file', { type: 'file', options: { file_path: file, hmac_accessor: 'false' } });
    const hashBefore = await first.hash('file/', 'my-secret');
    await first.logRequest(request('one', { secret: 'my-secret' }));
    await first.close();

    expect(JSON.parse(Buffer.from((await storage.get('core/audit')) ?? []).toString())).toMatchObject({
      type: 'audit',
      entries: [{ path: 'file/', type: 'file', options: { file_path: file, hmac_accessor: 'false' }, local: false }],
    });
    const salts = [...storage.entries.keys()].filter((k) => /^audit\/[0-9a-f-]{36}\/salt$/.test(k));
    expect(salts).toHaveLength(1);
    expect(hashBefore).toBe(createHasher(Buffer.from(storage.entries.get(salts[0] ?? '') ?? []).toString())('my-secret'));

    const second = broker({ storage });
    await second.load();
    expect(second.list().map((d) => d.path)).toEqual(['file/']);
    expect(await second.hash('file', 'my-secret')).toBe(hashBefore);
    await second.logRequest(request('two', { secret: 'my-secret' }));
    const lines = auditLines(await readFile(file, 'utf8'));
    expect(lines.map((l) => l['request']['data']['secret'])).toEqual([hashBefore, hashBefore]);
    expect(lines[1]?.['auth']['accessor']).toBe('acc');

    expect(await second.disable('file')).toBe(true);
    expect([...storage.entries.keys()].filter((k) => k.endsWith('/salt'))).toEqual([]);
    expect(second.size).toBe(0);
    await expect(second.hash('file', 'x')).rejects.toThrow('unknown audit backend "file/"');
    expect(await second.disable('file')).toBe(false);
  });

  it('keeps a device that cannot be reopened on load, and fails closed until it can', async () => {
    const storage = new MemoryStorage();
    const fs = new FakeFiles();
    const first = broker({ storage, devices: { openFile: fs.open } });
    await first.enable('file', { type: 'file', options: { file_path: join(dir, 'f.log') } });
    await first.close();
    fs.broken = 'EACCES: permission denied';
    const second = broker({ storage, devices: { openFile: fs.open } });
    await second.load();
    expect(second.size).toBe(1);
    await expect(second.logRequest(request('x'))).rejects.toBeInstanceOf(AuditError);
    fs.broken = null;
    await second.logRequest(request('y'));
  });

  it('refuses bad enables with 400s that name the reason', async () => {
    const b = broker();
    const file = join(dir, 'a.log');
    await b.enable('file', { type: 'file', options: { file_path: file } });
    const fail = (path: string, type: string, options: Record<string, string>) =>
      b.enable(path, { type, options }).then(
        () => 'enabled',
        (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
      );
    expect(await fail('file', 'file', { file_path: join(dir, 'b.log') })).toBe('ERR_INVALID_REQUEST: path already in use');
    expect(await fail('file/nested', 'file', { file_path: join(dir, 'b.log') })).toBe('ERR_INVALID_REQUEST: path already in use');
    expect(await fail('other', 'file', { file_path: file })).toBe(
      `ERR_INVALID_REQUEST: "file_path" ${JSON.stringify(file)} already in use on device: "file/"`,
    );
    expect(await fail('x', 'nope', {})).toBe('ERR_INVALID_REQUEST: unknown backend type: "nope"');
    expect(await fail('x', 'syslog', {})).toMatch(/^ERR_INVALID_REQUEST: audit device type "syslog" is not supported/);
    expect(await fail('x', 'file', {})).toBe('ERR_INVALID_REQUEST: "file_path" is required');
    expect(await fail('x', 'file', { file_path: join(dir, 'x.log'), format: 'jsonx' })).toMatch(/^ERR_INVALID_REQUEST: unsupported "format": "jsonx"/);
    expect(await fail('x', 'file', { file_path: join(dir, 'x.log'), mode: '0abc' })).toMatch(/^ERR_INVALID_REQUEST: unable to parse file mode/);
    expect(await fail('x', 'file', { file_path: join(dir, 'x.log'), log_raw: 'yes' })).toMatch(/^ERR_INVALID_REQUEST: unable to parse "log_raw"/);
    expect(await fail('x', 'file', { file_path: join(dir, 'x.log'), filter: 'x' })).toBe('ERR_INVALID_REQUEST: enterprise-only options supplied');
    expect(await fail('/', 'file', { file_path: join(dir, 'x.log') })).toBe('ERR_INVALID_REQUEST: backend path must be specified');

    // Unopenable files: a parent that is a regular file, and a full disk.
    expect(await fail('x', 'file', { file_path: join(file, 'under-a-file.log') })).toMatch(
      /^ERR_INVALID_REQUEST: file sink creation failed for path ".*under-a-file\.log": unable to create file .*(EEXIST|ENOTDIR)/,
    );
    expect(await fail('full', 'file', { file_path: '/dev/full', mode: '0000' })).toMatch(
      /^ERR_INVALID_REQUEST: audit backend failed test message: .*ENOSPC/,
    );
    expect(b.list().map((d) => d.path)).toEqual(['file/']);
  });

  it('sets the mode of an existing file, keeps it with mode 0000, and writes discard/stdout devices', async () => {
    const b = broker();
    const existing = join(dir, 'existing.log');
    await writeFile(existing, '', { mode: 0o644 });
    await b.enable('a', { type: 'file', options: { file_path: existing, mode: '0640' } });
    expect((await stat(existing)).mode & 0o777).toBe(0o640);

    const kept = join(dir, 'kept.log');
    await writeFile(kept, '', { mode: 0o604 });
    await b.enable('b', { type: 'file', options: { file_path: kept, mode: '0000' } });
    expect((await stat(kept)).mode & 0o777).toBe(0o604);
    await expect(b.enable('c', { type: 'file', options: { file_path: join(dir, 'missing.log'), mode: '0000' } })).rejects.toThrow(
      /unable to determine existing file mode/,
    );

    await b.enable('d', { type: 'file', options: { file_path: 'DISCARD' } });
    await b.logRequest(request('r'));
  });

  it('writes the configured prefix and honours log_raw per device', async () => {
    const b = broker();
    const file = join(dir, 'raw.log');
    await b.enable('raw', { type: 'file', options: { file_path: file, log_raw: 'true', prefix: '@cee: ' } });
    await b.logRequest(request('r', { password: 'visible' }));
    const last = (await readFile(file, 'utf8')).trim().split('\n').pop() ?? '';
    expect(last.startsWith('@cee: {')).toBe(true);
    expect(JSON.parse(last.slice(6))['request']['data']).toEqual({ password: 'visible' });
  });
});

describe('sys/audit paths', () => {
  it('enable, list, hash and disable through the sys backend', async () => {
    const b = broker();
    const sys = sysBackend(b);
    const file = join(dir, 'sys.log');
    expect(await sys('update', 'audit/my-file', { type: 'file', description: 'via sys', options: { file_path: file, hmac_accessor: false } })).toBeNull();
    expect((await sys('read', 'audit'))?.data).toEqual({
      'my-file/': { type: 'file', description: 'via sys', options: { file_path: file, hmac_accessor: 'false' }, local: false, path: 'my-file/' },
    });
    const hash = await sys('update', 'audit-hash/my-file', { input: 'abc' });
    expect(hash?.data?.['hash']).toBe(await b.hash('my-file/', 'abc'));
    await expect(sys('update', 'audit-hash/my-file', { input: '' })).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: 'the "input" parameter is empty',
    });
    await expect(sys('update', 'audit-hash/nope', { input: 'x' })).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST' });
    await expect(sys('update', 'audit/other', { type: 'file', options: { file_path: join(dir, 'o.log'), format: 'jsonx' } })).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
    });
    expect(await sys('delete', 'audit/my-file')).toBeNull();
    expect(await sys('delete', 'audit/my-file')).toBeNull();
    expect((await sys('read', 'audit/'))?.data).toEqual({});
  });
});

/** Drives the audit paths the way the core drives the sys backend. */
function sysBackend(b: AuditBroker) {
  const backend = createBackend(defineBackend({ kind: 'logical', help: 'sys', paths: auditPaths(b) }));
  const storage = new MemoryStorage();
  const mount: MountView = {
    path: 'sys/',
    type: 'system',
    uuid: 'sys',
    accessor: 'system_1',
    options: {},
    defaultLeaseTtl: () => 0,
    maxLeaseTtl: () => 0,
    config: () => ({}),
  };
  return (operation: Operation, path: string, data: Record<string, unknown> = {}) => {
    const req: LogicalRequest = { id: 'r', operation, path, data, headers: {}, remoteAddr: '127.0.0.1', storage, mount };
    return backend.handleRequest(req);
  };
}
