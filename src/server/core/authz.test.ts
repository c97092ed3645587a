import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import { createBarrier } from '../barrier/index.js';
import { builtinSecretEngines } from '../engines/index.js';
import { createInmemStorage } from '../storage/index.js';
import { Core } from './core.js';
import type { IncomingRequest } from './pipeline.js';

function req(operation: IncomingRequest['operation'], path: string, token: string, data: Record<string, unknown> = {}): IncomingRequest {
  return { operation, path, data, headers: {}, remoteAddr: '127.0.0.1', clientToken: token };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

async function setup() {
  const physical = createInmemStorage();
  const core = new Core({ physical, barrier: createBarrier(physical), backends: builtinSecretEngines, logger: silentLogger(), version: 'test' });
  const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
  await core.unsealWithKeys(keys);
  await core.mount({ path: 'secret/', type: 'kv-v2' });
  const call = (op: IncomingRequest['operation'], path: string, token: string, data: Record<string, unknown> = {}) =>
    core.handleRequest(req(op, path, token, data));
  const createToken = async (token: string, data: Record<string, unknown>) => {
    const result = await call('update', 'auth/token/create', token, data);
    const auth = result.response?.auth;
    if (!auth) throw new Error('no auth block');
    return auth.client_token;
  };
  return { core, physical, rootToken, call, createToken };
}

describe('authorisation through policies', () => {
  it('lets a token do exactly what its policies allow', async () => {
    const { rootToken, call, createToken } = await setup();
    await call('update', 'sys/policies/acl/app', rootToken, {
      policy: 'path "secret/data/app/*" { capabilities = ["read", "create", "update"] }\npath "secret/metadata/app/" { capabilities = ["list"] }',
    });
    await call('update', 'secret/data/app/db', rootToken, { data: { password: 'x' } });
    await call('update', 'secret/data/other', rootToken, { data: { password: 'y' } });
    const token = await createToken(rootToken, { policies: ['app'] });

    expect(await codeOf(call('read', 'secret/data/app/db', token))).toBe('ok');
    expect(await codeOf(call('update', 'secret/data/app/new', token, { data: { a: 1 } }))).toBe('ok');
    expect(await codeOf(call('list', 'secret/metadata/app/', token))).toBe('ok');
    expect(await codeOf(call('read', 'secret/data/other', token))).toBe('ERR_PERMISSION_DENIED');
    expect(await codeOf(call('delete', 'secret/data/app/db', token))).toBe('ERR_PERMISSION_DENIED');
    expect(await codeOf(call('read', 'sys/mounts', token))).toBe('ERR_PERMISSION_DENIED');
    // The default policy lets every token look itself up.
    const self = await call('read', 'auth/token/lookup-self', token);
    expect(self.response?.data).toMatchObject({ policies: ['app', 'default'] });
    const caps = await call('update', 'sys/capabilities-self', token, { paths: ['secret/data/app/db', 'secret/data/other'] });
    expect(caps.response?.data).toMatchObject({ 'secret/data/app/db': ['create', 'read', 'update'], 'secret/data/other': ['deny'] });
  });

  it('needs sudo on root-protected paths on top of the capability', async () => {
    const { rootToken, call, createToken } = await setup();
    await call('update', 'sys/policies/acl/ops', rootToken, { policy: 'path "sys/rotate" { capabilities = ["update"] }' });
    await call('update', 'sys/policies/acl/ops-sudo', rootToken, { policy: 'path "sys/rotate" { capabilities = ["update", "sudo"] }' });
    const plain = await createToken(rootToken, { policies: ['ops'] });
    const sudo = await createToken(rootToken, { policies: ['ops-sudo'] });
    expect(await codeOf(call('update', 'sys/rotate', plain))).toBe('ERR_PERMISSION_DENIED');
    expect(await codeOf(call('update', 'sys/rotate', sudo))).toBe('ok');
  });

  it('picks up policy changes at once', async () => {
    const { rootToken, call, createToken } = await setup();
    await call('update', 'sys/policies/acl/p', rootToken, { policy: 'path "secret/data/x" { capabilities = ["read"] }' });
    await call('update', 'secret/data/x', rootToken, { data: { a: 1 } });
    const token = await createToken(rootToken, { policies: ['p'] });
    expect(await codeOf(call('read', 'secret/data/x', token))).toBe('ok');
    await call('update', 'sys/policies/acl/p', rootToken, { policy: 'path "secret/data/x" { capabilities = ["deny"] }' });
    expect(await codeOf(call('read', 'secret/data/x', token))).toBe('ERR_PERMISSION_DENIED');
  });

  it('revokes a parent’s children with it and honours use limits', async () => {
    const { rootToken, call, createToken } = await setup();
    await call('update', 'sys/policies/acl/creator', rootToken, { policy: 'path "auth/token/create" { capabilities = ["update"] }' });
    // The default policy alone may not create tokens.
    const plain = await createToken(rootToken, { policies: ['default'] });
    expect(await codeOf(createToken(plain, { policies: ['default'] }))).toBe('ERR_PERMISSION_DENIED');
    const parent = await createToken(rootToken, { policies: ['creator'] });
    const child = await createToken(parent, { policies: ['default'] });
    const limited = await createToken(rootToken, { policies: ['default'], num_uses: 1 });
    expect(await codeOf(call('read', 'auth/token/lookup-self', child))).toBe('ok');
    await call('update', 'auth/token/revoke', rootToken, { token: parent });
    expect(await codeOf(call('read', 'auth/token/lookup-self', parent))).toBe('ERR_PERMISSION_DENIED');
    expect(await codeOf(call('read', 'auth/token/lookup-self', child))).toBe('ERR_PERMISSION_DENIED');
    expect(await codeOf(call('read', 'auth/token/lookup-self', limited))).toBe('ok');
    expect(await codeOf(call('read', 'auth/token/lookup-self', limited))).toBe('ERR_PERMISSION_DENIED');
  });

  it('serves batch tokens without writing them to storage', async () => {
    const { rootToken, call, createToken, physical } = await setup();
    await call('update', 'sys/policies/acl/r', rootToken, { policy: 'path "secret/data/*" { capabilities = ["read"] }' });
    await call('update', 'secret/data/x', rootToken, { data: { a: 1 } });
    // Warm up the batch key so that the count below only sees the token itself.
    await createToken(rootToken, { type: 'batch', policies: ['r'] });
    const before = (await physical.list('sys/token/')).length + (await physical.list('')).length;
    const batch = await createToken(rootToken, { type: 'batch', policies: ['r'] });
    expect(batch.startsWith('hvb.')).toBe(true);
    expect(await codeOf(call('read', 'secret/data/x', batch))).toBe('ok');
    const after = (await physical.list('sys/token/')).length + (await physical.list('')).length;
    expect(after).toBe(before);
  });

  it('audits a request the ACL denies', async () => {
    const { core, rootToken, call, createToken } = await setup();
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'coffer-authz-'));
    try {
      const file = join(dir, 'audit.log');
      await call('update', 'sys/audit/file', rootToken, { type: 'file', options: { file_path: file } });
      const token = await createToken(rootToken, { policies: ['default'] });
      expect(await codeOf(call('read', 'secret/data/forbidden', token))).toBe('ERR_PERMISSION_DENIED');
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { request: { path: string }; error?: string });
      const denied = lines.find((l) => l.request.path === 'secret/data/forbidden');
      expect(denied?.error).toBe('permission denied');
      void core;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('multi-tenant isolation through one templated policy', () => {
  it('lets each tenant read its own subtree and nothing of the other', async () => {
    const { rootToken, call } = await setup();
    await call('update', 'sys/policies/acl/tenant', rootToken, {
      policy: 'path "secret/data/apps/{{identity.entity.name}}/*" { capabilities = ["read"] }',
    });
    const auths = (await call('read', 'sys/auth', rootToken)).response?.data as Record<string, { accessor: string }>;
    const tokenAccessor = auths['token/']?.accessor ?? '';
    for (const [tenant, alias] of [
      ['tenantA', 'alice'],
      ['tenantB', 'bob'],
    ] as const) {
      const entity = await call('update', 'identity/entity', rootToken, { name: tenant, policies: ['tenant'] });
      const id = entity.response?.data?.['id'] as string;
      await call('update', 'identity/entity-alias', rootToken, { name: alias, canonical_id: id, mount_accessor: tokenAccessor });
      await call('update', `secret/data/apps/${tenant}/db`, rootToken, { data: { password: `${tenant}-pw` } });
    }
    await call('update', 'auth/token/roles/apps', rootToken, { allowed_entity_aliases: ['alice', 'bob'], orphan: true });
    // Explicit policies: without them a token created by root inherits root, as in Vault.
    const tokenFor = async (alias: string) =>
      (await call('update', 'auth/token/create/apps', rootToken, { entity_alias: alias, policies: ['default'] })).response?.auth
        ?.client_token ?? '';
    const alice = await tokenFor('alice');
    const bob = await tokenFor('bob');

    const read = (token: string, tenant: string) => call('read', `secret/data/apps/${tenant}/db`, token);
    expect((await read(alice, 'tenantA')).response?.data).toMatchObject({ data: { password: 'tenantA-pw' } });
    expect((await read(bob, 'tenantB')).response?.data).toMatchObject({ data: { password: 'tenantB-pw' } });
    expect(await codeOf(read(alice, 'tenantB'))).toBe('ERR_PERMISSION_DENIED');
    expect(await codeOf(read(bob, 'tenantA'))).toBe('ERR_PERMISSION_DENIED');
    expect(await codeOf(call('read', 'secret/data/apps/other/db', alice))).toBe('ERR_PERMISSION_DENIED');
  });
});
