import { describe, expect, it } from 'vitest';
import { createBackend, defineBackend, definePath, matchSpecialPath, patternToTemplate } from './backend.js';
import { f } from './fields.js';
import { createTestBackend } from './testing.js';

const factory = () =>
  defineBackend({
    kind: 'logical',
    help: 'A test backend.',
    specialPaths: { unauthenticated: ['public', 'open/*'] },
    paths: [
      definePath({
        pattern: 'roles/(?<name>[^/]+)',
        fields: {
          name: f.string({ description: 'Role name.', required: true }),
          ttl: f.durationSecond({ description: 'TTL.', default: 60 }),
          tags: f.commaStringSlice({ description: 'Tags.' }),
        },
        existenceCheck: async (req, fields) => (await req.storage.get(fields.name)) !== null,
        operations: {
          read: async (req, fields) => {
            const stored = await req.storage.get(fields.name);
            return stored ? { data: JSON.parse(Buffer.from(stored).toString()) } : null;
          },
          create: async (req, fields) => {
            await req.storage.put(fields.name, Buffer.from(JSON.stringify({ ttl: fields.ttl, tags: fields.tags ?? [], op: 'create' })));
            return { data: { created: true } };
          },
          update: async (req, fields) => {
            await req.storage.put(fields.name, Buffer.from(JSON.stringify({ ttl: fields.ttl, tags: fields.tags ?? [], op: 'update' })));
            return null;
          },
        },
      }),
    ],
  });

describe('createBackend', () => {
  it('coerces fields, applies defaults and dispatches create vs update by the existence check', async () => {
    const b = await createTestBackend(factory);
    expect(await b.request('write', 'roles/web', { ttl: '1h', tags: 'a,b' })).toMatchObject({ data: { created: true } });
    expect((await b.request('read', 'roles/web'))?.data).toEqual({ ttl: 3600, tags: ['a', 'b'], op: 'create' });
    await b.request('write', 'roles/web', {});
    expect((await b.request('read', 'roles/web'))?.data).toEqual({ ttl: 60, tags: [], op: 'update' });
  });

  it('answers unknown paths, unknown verbs and bad fields with the right errors', async () => {
    const b = await createTestBackend(factory);
    await expect(b.request('read', 'nope')).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_PATH' });
    await expect(b.request('delete', 'roles/web')).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' });
    await expect(b.request('write', 'roles/web', { ttl: 'whenever' })).rejects.toThrow(/^Field validation failed: .*"ttl"/);
  });

  it('warns about parameters the path does not declare', async () => {
    const b = await createTestBackend(factory);
    const resp = await b.request('write', 'roles/x', { colour: 'blue', size: 3 });
    expect(resp?.warnings).toEqual(['Endpoint ignored these unrecognized parameters: [colour size]']);
  });

  it('matches special paths exactly or by a trailing-* prefix', () => {
    const backend = createBackend(factory());
    expect(backend.isSpecialPath('unauthenticated', 'public')).toBe(true);
    expect(backend.isSpecialPath('unauthenticated', 'public/x')).toBe(false);
    expect(backend.isSpecialPath('unauthenticated', 'open/anything')).toBe(true);
  });

  it('generates help and an OpenAPI document from the same declarations', async () => {
    const b = await createTestBackend(factory, { path: 'test/' });
    const help = await b.request('help', 'roles/web');
    const openapi = help?.data?.['openapi'] as { paths: Record<string, Record<string, unknown>> };
    expect(help?.data?.['help']).toContain('ttl (duration_second)');
    const item = openapi.paths['/test/roles/{name}'];
    expect(item).toBeDefined();
    expect(Object.keys(item ?? {})).toEqual(expect.arrayContaining(['get', 'post', 'parameters']));
    expect(patternToTemplate('data/(?<path>.+)')).toBe('data/{path}');
  });
});

describe('matchSpecialPath', () => {
  it.each([
    ['ca', 'ca', true],
    ['ca', 'ca/pem', false],
    ['cert/*', 'cert/ab:cd', true],
    ['cert/*', 'certs', false],
    ['issuer/+/pem', 'issuer/default/pem', true],
    ['issuer/+/pem', 'issuer/pem', false],
    ['issuer/+/pem', 'issuer//pem', false],
    ['issuer/+/pem', 'issuer/a/b/pem', false],
    ['issuer/+/crl*', 'issuer/x/crl/der', true],
    ['issuer/+/crl*', 'issuer/x/cr', false],
  ])('%s vs %s → %s', (pattern, path, expected) => {
    expect(matchSpecialPath(pattern, path)).toBe(expected);
  });
});
