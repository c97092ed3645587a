import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import { createBarrier } from '../barrier/index.js';
import { builtinSecretEngines } from '../engines/index.js';
import { defineBackend, definePath, f, type BackendFactory } from '../sdk/index.js';
import { createInmemStorage } from '../storage/index.js';
import { Core } from './core.js';
import type { IncomingRequest } from './pipeline.js';

/** A credential method whose login trusts the caller's claimed name (test only). */
const fakeAuth: BackendFactory = () =>
  defineBackend({
    kind: 'credential',
    help: 'fake',
    specialPaths: { unauthenticated: ['login/*'] },
    paths: [
      definePath({
        pattern: 'login/(?<name>[^/]+)',
        fields: { name: f.string({ required: true }), ns: f.string(), policies: f.commaStringSlice() },
        operations: {
          update: async (_req, fields) => ({
            login: {
              policies: fields.policies ?? ['tenant'],
              metadata: { name: fields.name },
              displayName: fields.name,
              alias: { name: fields.name, metadata: { ns: fields.ns ?? '' } },
            },
          }),
        },
      }),
    ],
  });

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
  const core = new Core({
    physical,
    barrier: createBarrier(physical),
    backends: builtinSecretEngines,
    authBackends: { fake: fakeAuth },
    logger: silentLogger(),
    version: 'test',
  });
  const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
  await core.unsealWithKeys(keys);
  await core.mount({ path: 'secret/', type: 'kv-v2' });
  const call = (op: IncomingRequest['operation'], path: string, token: string | undefined, data: Record<string, unknown> = {}) =>
    core.handleRequest({ operation: op, path, data, headers: {}, remoteAddr: '127.0.0.1', ...(token ? { clientToken: token } : {}) });
  await call('update', 'sys/auth/k8s', rootToken, { type: 'fake' });
  return { core, rootToken, call };
}

describe('logins through auth methods', () => {
  it('creates an orphan token, an entity and an alias, and lists the method in sys/auth', async () => {
    const { rootToken, call } = await setup();
    const auths = (await call('read', 'sys/auth', rootToken)).response?.data as Record<string, { type: string; accessor: string }>;
    expect(auths['k8s/']).toMatchObject({ type: 'fake' });
    expect(auths['k8s/']?.accessor).toMatch(/^auth_fake_[0-9a-f]{8}$/);
    const login = await call('update', 'auth/k8s/login/bob', undefined, { ns: 'team-a' });
    const auth = login.response?.auth;
    expect(auth).toMatchObject({ policies: ['default', 'tenant'], metadata: { name: 'bob' }, orphan: true, token_type: 'service' });
    const self = await call('read', 'auth/token/lookup-self', auth?.client_token ?? '');
    expect(self.response?.data).toMatchObject({ display_name: 'k8s-bob', path: 'auth/k8s/login/bob', entity_id: auth?.entity_id });
    const entity = await call('read', `identity/entity/id/${auth?.entity_id ?? ''}`, rootToken);
    expect((entity.response?.data?.['aliases'] as { name: string; mount_accessor: string }[])[0]).toMatchObject({
      name: 'bob',
      mount_accessor: auths['k8s/']?.accessor,
    });
  });

  it('confines each login to its own subtree through alias metadata in one templated policy', async () => {
    const { rootToken, call } = await setup();
    const accessor = ((await call('read', 'sys/auth', rootToken)).response?.data as Record<string, { accessor: string }>)['k8s/']?.accessor;
    await call('update', 'sys/policies/acl/tenant', rootToken, {
      policy: `path "secret/data/apps/{{identity.entity.aliases.${accessor}.metadata.ns}}/*" { capabilities = ["read"] }`,
    });
    await call('update', 'secret/data/apps/team-a/db', rootToken, { data: { pw: 'a' } });
    await call('update', 'secret/data/apps/team-b/db', rootToken, { data: { pw: 'b' } });
    const token = (await call('update', 'auth/k8s/login/app-a', undefined, { ns: 'team-a' })).response?.auth?.client_token ?? '';
    expect(await codeOf(call('read', 'secret/data/apps/team-a/db', token))).toBe('ok');
    expect(await codeOf(call('read', 'secret/data/apps/team-b/db', token))).toBe('ERR_PERMISSION_DENIED');
  });

  it('follows the mount’s token_type tune, refuses root and refuses disabled entities', async () => {
    const { rootToken, call } = await setup();
    await call('update', 'sys/auth/k8s/tune', rootToken, { token_type: 'default-batch' });
    const batch = await call('update', 'auth/k8s/login/carol', undefined, {});
    expect(batch.response?.auth?.client_token.startsWith('hvb.')).toBe(true);
    expect(await codeOf(call('update', 'auth/k8s/login/mallory', undefined, { policies: 'root' }))).toBe('ERR_PERMISSION_DENIED');
    const entityId = batch.response?.auth?.entity_id ?? '';
    await call('update', `identity/entity/id/${entityId}`, rootToken, { disabled: true });
    expect(await codeOf(call('update', 'auth/k8s/login/carol', undefined, {}))).toBe('ERR_PERMISSION_DENIED');
  });

  it('disables a method (revoking its tokens) and refuses unknown method types', async () => {
    const { rootToken, call } = await setup();
    expect(await codeOf(call('update', 'sys/auth/nope', rootToken, { type: 'nope' }))).toBe('ERR_INVALID_REQUEST');
    expect(await codeOf(call('update', 'sys/auth/token', rootToken, { type: 'fake' }))).toBe('ERR_PERMISSION_DENIED');
    const issued = (await call('update', 'auth/k8s/login/bob', undefined, {})).response?.auth?.client_token ?? '';
    const other = (await call('update', 'auth/token/create', rootToken, { policies: ['default'] })).response?.auth?.client_token ?? '';
    await call('delete', 'sys/auth/k8s', rootToken);
    expect(await codeOf(call('update', 'auth/k8s/login/bob', undefined, {}))).toBe('ERR_PERMISSION_DENIED');
    // Tokens the method issued die with it; others do not.
    expect(await codeOf(call('read', 'auth/token/lookup-self', issued))).toBe('ERR_PERMISSION_DENIED');
    expect(await codeOf(call('read', 'auth/token/lookup-self', other))).toBe('ok');
  });
});
