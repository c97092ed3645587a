import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { createBarrier } from '../barrier/index.js';
import { builtinSecretEngines } from '../engines/index.js';
import { createInmemStorage } from '../storage/index.js';
import { Core } from './core.js';
import type { IncomingRequest } from './pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'coffer-audit-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function req(operation: IncomingRequest['operation'], path: string, token: string, data: Record<string, unknown> = {}): IncomingRequest {
  return { operation, path, data, headers: {}, remoteAddr: '127.0.0.1', clientToken: token };
}

async function unsealedCore() {
  const physical = createInmemStorage();
  const core = new Core({ physical, barrier: createBarrier(physical), backends: builtinSecretEngines, logger: silentLogger(), version: 'test' });
  const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
  await core.unsealWithKeys(keys);
  await core.mount({ path: 'secret/', type: 'kv-v2' });
  return { core, keys, rootToken };
}

describe('audit in the pipeline', () => {
  it('records requests and responses with secrets only as HMACs that sys/audit-hash reproduces', async () => {
    const { core, keys, rootToken } = await unsealedCore();
    const logPath = join(dir, 'audit.log');
    await core.handleRequest(req('update', 'sys/audit/file', rootToken, { type: 'file', options: { file_path: logPath } }));
    const marker = 'correct-horse-battery-staple-7f3a';
    await core.handleRequest(req('update', 'secret/data/app', rootToken, { data: { password: marker } }));
    await core.handleRequest(req('read', 'secret/data/app', rootToken));

    const log = readFileSync(logPath, 'utf8');
    expect(log).not.toContain(marker);
    expect(log).not.toContain(rootToken);
    expect(statSync(logPath).mode & 0o777).toBe(0o600);
    const hashed = await core.handleRequest(req('update', 'sys/audit-hash/file', rootToken, { input: marker }));
    const hash = hashed.response?.data?.['hash'] as string;
    expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const entries = log.trim().split('\n').map((line) => JSON.parse(line) as { type: string; request: { path: string } });
    const forApp = entries.filter((e) => e.request.path === 'secret/data/app');
    expect(forApp.map((e) => e.type)).toEqual(['request', 'response', 'request', 'response']);
    expect(log.split(hash).length - 1).toBeGreaterThanOrEqual(2); // the write's request and the read's response

    // The device comes back after seal/unseal with the same salt.
    await core.seal();
    await core.unsealWithKeys(keys);
    const again = await core.handleRequest(req('update', 'sys/audit-hash/file', rootToken, { input: marker }));
    expect(again.response?.data?.['hash']).toBe(hash);
  });

  it('refuses requests when no device can record them, and recovers', async () => {
    const { core, rootToken } = await unsealedCore();
    const logPath = join(dir, 'rotated.log');
    await core.handleRequest(req('update', 'sys/audit/f', rootToken, { type: 'file', options: { file_path: logPath } }));
    // Log rotation gone wrong: the file is replaced by a directory and the device reopened.
    rmSync(logPath);
    mkdirSync(logPath);
    await core.audit.reopen().catch(() => undefined);
    await expect(core.handleRequest(req('read', 'sys/mounts', rootToken))).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    rmSync(logPath, { recursive: true });
    await core.audit.reopen();
    const ok = await core.handleRequest(req('read', 'sys/mounts', rootToken));
    expect(ok.response?.data).toHaveProperty(['secret/']);
  });
});
