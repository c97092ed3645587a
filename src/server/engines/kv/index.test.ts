import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { createTestBackend } from '../../sdk/testing.js';
import { ROOT_WARNING, invalidPathWarning, kvFactory } from './index.js';
import { dataOf, v1Backend, v2Backend } from './testing.js';

describe('kvFactory', () => {
  it('serves v1 without a version option and v2 with version "2"', async () => {
    const v1 = await v1Backend();
    await v1.request('write', 'foo', { a: 1 });
    expect(dataOf(await v1.request('read', 'foo'))).toEqual({ a: 1 });

    const explicitV1 = await createTestBackend(kvFactory, { type: 'kv', options: { version: '1' } });
    await explicitV1.request('write', 'foo', { a: 1 });
    expect(dataOf(await explicitV1.request('read', 'foo'))).toEqual({ a: 1 });

    const v2 = await createTestBackend(kvFactory, { type: 'kv', options: { version: '2' } });
    expect((await v2.request('write', 'data/foo', { data: { a: 1 } }))?.data).toMatchObject({ version: 1 });
  });

  it('refuses an unknown version', async () => {
    await expect(createTestBackend(kvFactory, { type: 'kv', options: { version: '3' } })).rejects.toBeInstanceOf(UserError);
  });

  it('describes itself in help and OpenAPI', async () => {
    const kv = await v2Backend();
    const help = dataOf(await kv.request('help', 'data/foo'));
    expect(String(help['help'])).toContain('Write, Patch, Read, and Delete data in the Key-Value Store.');
    expect(String(help['help'])).toContain('options (map)');
    const paths = (help['openapi'] as { paths: Record<string, unknown> }).paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['/secret/config', '/secret/data/{path}', '/secret/metadata/{path}', '/secret/subkeys/{path}']),
    );
  });
});

describe('KV v2 invalid paths', () => {
  it.each([
    ['read', 'foo', 'get'],
    ['write', 'foo', 'put'],
    ['patch', 'foo', 'patch'],
    ['delete', 'foo', 'delete'],
    ['list', '', 'list'],
    ['list', 'data/', 'list'],
    ['read', 'data/folder/', 'get'],
  ] as const)('%s %s → 404 with the "vault kv %s" warning', async (op, path, sub) => {
    const kv = await v2Backend();
    const resp = await kv.request(op, path, op === 'write' || op === 'patch' ? { a: 1 } : {});
    expect(resp?.httpStatus).toBe(404);
    expect(resp?.data).toBeUndefined();
    expect(resp?.warnings?.[0]).toBe(invalidPathWarning(op === 'write' ? 'update' : op));
    expect(resp?.warnings?.[0]).toBe(
      `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${sub}' for this operation.`,
    );
  });

  it.each(['metadata', 'data', 'delete', 'undelete', 'destroy'])('the bare %s root gets its own warning', async (path) => {
    const kv = await v2Backend();
    const resp = await kv.request('read', path);
    expect(resp).toEqual({ httpStatus: 404, warnings: [ROOT_WARNING] });
  });
});
