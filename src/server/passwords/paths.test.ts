import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NotFoundError, UnsupportedOperationError, UserError } from '../../shared/errors.js';
import { type LogicalResponse, type MountView, type Operation, createBackend, defineBackend } from '../sdk/index.js';
import { InmemStorage } from '../sdk/testing.js';
import { passwordPolicyPaths } from './paths.js';
import { createPasswordPolicyStore } from './store.js';

const POLICY = `length = 20
rule "charset" {
  charset = "abcdefghijklmnopqrstuvwxyz"
  min-chars = 1
}
rule "charset" {
  charset = "0123456789"
  min-chars = 4
}
`;

function setup(): { request: (op: Operation, path: string, data?: Record<string, unknown>) => Promise<LogicalResponse | null>; storage: InmemStorage } {
  const storage = new InmemStorage();
  const backend = createBackend(defineBackend({ kind: 'logical', help: 'sys', paths: passwordPolicyPaths(createPasswordPolicyStore(storage)) }));
  const mount: MountView = {
    path: 'sys/',
    type: 'system',
    uuid: randomUUID(),
    accessor: 'system_1',
    options: {},
    defaultLeaseTtl: () => 2764800,
    maxLeaseTtl: () => 2764800,
  };
  const request = (operation: Operation, path: string, data: Record<string, unknown> = {}): Promise<LogicalResponse | null> =>
    backend.handleRequest({ id: randomUUID(), operation, path, data, headers: {}, remoteAddr: '127.0.0.1', storage, mount });
  return { request, storage };
}

describe('sys/policies/password', () => {
  it('writes (204), reads the policy as written, generates, lists and deletes', async () => {
    const { request } = setup();
    expect(await request('update', 'policies/password/app', { policy: POLICY })).toBeNull();
    expect(await request('read', 'policies/password/app')).toEqual({ data: { policy: POLICY } });
    const generated = await request('read', 'policies/password/app/generate');
    const password = generated?.data?.['password'];
    expect(typeof password).toBe('string');
    expect(password).toMatch(/^[a-z0-9]{20}$/);
    expect((password as string).replace(/[^0-9]/g, '').length).toBeGreaterThanOrEqual(4);
    expect(await request('list', 'policies/password/')).toEqual({ data: { keys: ['app'] } });
    expect(await request('list', 'policies/password')).toEqual({ data: { keys: ['app'] } });
    expect(await request('read', 'policies/password')).toEqual({ data: { keys: ['app'] } });
    expect(await request('delete', 'policies/password/app')).toBeNull();
    expect(await request('delete', 'policies/password/app')).toBeNull();
    expect(await request('list', 'policies/password')).toEqual({ data: { keys: [] } });
  });

  it('accepts the policy base64-encoded and stores the decoded text', async () => {
    const { request } = setup();
    await request('create', 'policies/password/b64', { policy: Buffer.from(POLICY).toString('base64') });
    expect(await request('read', 'policies/password/b64')).toEqual({ data: { policy: POLICY } });
  });

  it("answers 404 with Vault's message for a missing policy", async () => {
    const { request } = setup();
    await expect(request('read', 'policies/password/nope')).rejects.toThrow(new NotFoundError('policy does not exist'));
    await expect(request('read', 'policies/password/nope/generate')).rejects.toThrow(new NotFoundError('policy does not exist'));
  });

  it('answers 400 for missing, invalid and unsatisfiable policies, keeping the old one', async () => {
    const { request } = setup();
    await request('update', 'policies/password/app', { policy: POLICY });
    await expect(request('update', 'policies/password/app', {})).rejects.toThrow(new UserError('missing policy'));
    await expect(request('update', 'policies/password/app', { policy: '' })).rejects.toThrow(new UserError('missing policy'));
    await expect(request('update', 'policies/password/app', { policy: 'length = 1000\nrule "charset" { charset = "a" }' })).rejects.toThrow(
      new UserError('invalid password policy: passwords must be between 4 and 100 characters'),
    );
    await expect(
      request('update', 'policies/password/app', { policy: 'length = 4\nrule "charset" {\n charset = "a"\n min-chars = 5\n}' }),
    ).rejects.toThrow(new UserError('invalid password policy: specified rules require at least 5 characters but 4 is specified'));
    await expect(request('update', 'policies/password/app', { policy: ['not', 'a', 'string'] })).rejects.toThrow(UserError);
    expect(await request('read', 'policies/password/app')).toEqual({ data: { policy: POLICY } });
  });

  it('serves generate for reads only (405 otherwise), as Vault routes it', async () => {
    const { request } = setup();
    await expect(request('update', 'policies/password/app/generate', { policy: POLICY })).rejects.toThrow(UnsupportedOperationError);
  });

  it('refuses names that cannot be storage keys', async () => {
    const { request } = setup();
    await expect(request('update', 'policies/password/a//b', { policy: POLICY })).rejects.toThrow(/invalid password policy name/);
    await expect(request('read', 'policies/password/../x')).rejects.toThrow(UserError);
  });
});
