/**
 * ExternalSecrets delivering dynamic PostgreSQL credentials through the VaultDynamicSecret
 * generator: the Kubernetes API test server with every CRD of deploy/crds, an in-process Coffer
 * dev server with the database engine on a real PostgreSQL, and the ExternalSecret controllers
 * on the test operator context. Leases are renewed before they expire, re-issued when they
 * cannot be renewed (max TTL reached, renewal refused) with the old lease revoked once the
 * Secret holds the new one, and revoked when the ExternalSecret goes away.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalSecretsControllers } from '../../src/operator/controllers/externalsecret/index.js';
import type { OperatorController } from '../../src/operator/runtime/index.js';
import { startPostgres, stopAllDatabases, type TestDatabase } from '../support/databases/index.js';
import { applyCrds, startKubeTestServer, type KubeObject, type KubeTestServer } from '../support/kube/index.js';
import { startInProcessDev, type InProcessServer } from '../support/servers.js';
import { makeTempDir, removeTempDirs } from '../support/temp.js';
import { createTestOperatorContext, type TestOperatorContext } from './sealedsecret-controller-context.js';

const NS = 'shop';
const ES = { group: 'external-secrets.io', version: 'v1', resource: 'externalsecrets' };
const VDS = { group: 'generators.external-secrets.io', version: 'v1alpha1', resource: 'vaultdynamicsecrets' };
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const GENERATOR_REF = { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'VaultDynamicSecret' };

let kube: KubeTestServer;
let ctx: TestOperatorContext;
let controllers: OperatorController[] = [];
let dev: InProcessServer;
let pg: TestDatabase;
let auditLog: string;

async function vault(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${dev.address}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': dev.rootToken, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function must(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await vault(method, path, body);
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function secretData(name: string): Record<string, string> | undefined {
  const s = kube.store.tryGet(kube.store.type('secrets'), NS, name) as (KubeObject & { data?: Record<string, string> }) | undefined;
  if (s?.data === undefined) return undefined;
  return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

/** The live leases of a role (only the ExternalSecrets under test create them). */
async function leasesOf(role: string): Promise<string[]> {
  const res = await vault('LIST', `sys/leases/lookup/database/creds/${role}/`);
  if (res.status === 404) return [];
  const keys = ((res.body['data'] as { keys?: string[] } | undefined)?.keys ?? []).map((k) => `database/creds/${role}/${k}`);
  return keys;
}

/** Successful `sys/leases/revoke` requests made with a token of this userpass user. */
function revocationsBy(user: string): number {
  return readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type?: string; error?: string; auth?: { display_name?: string }; request?: { path?: string } })
    .filter((e) => e.type === 'response' && e.error === undefined && e.request?.path === 'sys/leases/revoke' && e.auth?.display_name === `userpass-${user}`).length;
}

async function expireTime(leaseId: string): Promise<number | undefined> {
  const res = await vault('PUT', 'sys/leases/lookup', { lease_id: leaseId });
  if (res.status !== 200) return undefined;
  return Date.parse((res.body['data'] as { expire_time: string }).expire_time);
}

function generator(name: string, path: string, user: string): Promise<unknown> {
  return kube.client.create(
    VDS,
    {
      apiVersion: GENERATOR_REF.apiVersion,
      kind: 'VaultDynamicSecret',
      metadata: { name },
      spec: { path, provider: { server: dev.address, auth: { userPass: { username: user, secretRef: { name: 'vault-creds', key: user } } } } },
    },
    { namespace: NS },
  );
}

function externalSecret(name: string, generatorName: string, refreshInterval: string): Promise<unknown> {
  return kube.client.create(
    ES,
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name },
      spec: {
        refreshInterval,
        target: {
          name,
          template: {
            data: {
              username: '{{ .username }}',
              password: '{{ .password }}',
              dsn: `postgresql://{{ .username }}:{{ .password }}@${pg.host}:${pg.port}/${pg.database}`,
            },
          },
        },
        dataFrom: [{ sourceRef: { generatorRef: { ...GENERATOR_REF, name: generatorName } } }],
      },
    },
    { namespace: NS },
  );
}

beforeAll(async () => {
  [kube, dev, pg] = await Promise.all([startKubeTestServer(), startInProcessDev(), startPostgres()]);
  await applyCrds(kube);
  kube.createNamespace(NS);

  // The audit log tells a revoked lease from an expired one: who asked for the revocation.
  auditLog = join(makeTempDir('coffer-generator-audit-'), 'audit.log');
  await must('POST', 'sys/audit/file', { type: 'file', options: { file_path: auditLog } });
  await must('POST', 'sys/mounts/database', { type: 'database' });
  await must('POST', 'database/config/pg', { plugin_name: 'postgresql-database-plugin', connection_url: pg.connectionUrl, username: pg.superuser, password: pg.superpassword, allowed_roles: '*' });
  const creation = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;
  await must('POST', 'database/roles/app', { db_name: 'pg', creation_statements: creation, default_ttl: '10m', max_ttl: '1h' });
  await must('POST', 'database/roles/short', { db_name: 'pg', creation_statements: creation, default_ttl: '4s', max_ttl: '14s' });
  await must('POST', 'database/roles/mid', { db_name: 'pg', creation_statements: creation, default_ttl: '9s', max_ttl: '1h' });
  const common = ['path "database/creds/*" { capabilities = ["read"] }', 'path "sys/leases/revoke" { capabilities = ["update"] }'];
  await must('PUT', 'sys/policies/acl/gen', { policy: [...common, 'path "sys/leases/renew" { capabilities = ["update"] }'].join('\n') });
  // No renew capability (and no default policy, which grants it): every renewal is refused.
  await must('PUT', 'sys/policies/acl/gen-norenew', { policy: common.join('\n') });
  await must('POST', 'sys/auth/userpass', { type: 'userpass' });
  await must('POST', 'auth/userpass/users/gen', { password: 'gen-pw-123', token_policies: 'gen', token_ttl: '1h' });
  await must('POST', 'auth/userpass/users/gen-norenew', { password: 'gen-pw-456', token_policies: 'gen-norenew', token_no_default_policy: true, token_ttl: '1h' });
  await kube.client.create(
    SECRETS,
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vault-creds' }, data: { gen: Buffer.from('gen-pw-123').toString('base64'), 'gen-norenew': Buffer.from('gen-pw-456').toString('base64') } },
    { namespace: NS },
  );
  await generator('pg', 'database/creds/app', 'gen');
  await generator('pg-short', 'database/creds/short', 'gen');
  await generator('pg-norenew', 'database/creds/mid', 'gen-norenew');

  ctx = createTestOperatorContext(kube);
  controllers = createExternalSecretsControllers({ controllerClass: 'default' });
  for (const c of controllers) await c.start(ctx);
}, 120_000);

afterAll(async () => {
  for (const c of controllers) await c.stop();
  ctx?.close();
  await kube?.close();
  await dev?.close();
  await stopAllDatabases();
  removeTempDirs();
});

describe('ExternalSecret with a VaultDynamicSecret generator', () => {
  it('delivers working database credentials through a template, warns about a refreshInterval longer than the TTL, and revokes them on deletion', async () => {
    await externalSecret('db', 'pg', '1h');
    const data = await waitFor('the Secret', () => secretData('db'));
    expect(data['username']).toMatch(/\S/);
    expect(data['dsn']).toBe(`postgresql://${data['username']}:${data['password']}@${pg.host}:${pg.port}/${pg.database}`);
    expect(await pg.canLogin(data['username'] ?? '', data['password'] ?? '')).toBe(true);
    const [lease] = await leasesOf('app');
    expect(lease).toBeDefined();
    expect(await leasesOf('app')).toHaveLength(1);

    const warning = await waitFor('the generator warning', () => ctx.recorded.find((e) => e.key === `${NS}/db` && e.reason === 'GeneratorWarning'));
    expect(warning).toMatchObject({
      type: 'Warning',
      message: "spec.dataFrom[0]: refreshInterval 1h0m0s is longer than the generator's lease TTL 10m0s; the credentials are renewed or re-issued at 6m40s instead",
    });
    expect(ctx.recorded.filter((e) => e.key === `${NS}/db` && e.reason === 'UpdateFailed')).toEqual([]);

    await kube.client.delete(ES, 'db', { namespace: NS });
    await waitFor('the lease revoked', async () => ((await expireTime(lease ?? '')) === undefined ? true : undefined));
    await waitFor('the database user gone', async () => ((await pg.canLogin(data['username'] ?? '', data['password'] ?? '')) ? undefined : true));
    expect(await leasesOf('app')).toEqual([]);
  }, 60_000);

  it('renews a short lease before it expires, then issues a new user when the max TTL is reached', async () => {
    await externalSecret('short', 'pg-short', '1h');
    const first = await waitFor('the Secret', () => secretData('short'));
    const [lease] = await leasesOf('short');
    const firstExpiry = await expireTime(lease ?? '');
    expect(firstExpiry).toBeDefined();

    // Renewed: the same user, a later expiry, still able to log in past the first expiry.
    const renewedExpiry = await waitFor('the lease renewed', async () => {
      const at = await expireTime(lease ?? '');
      return at !== undefined && at > (firstExpiry ?? 0) ? at : undefined;
    });
    expect(renewedExpiry).toBeGreaterThan(firstExpiry ?? 0);
    expect(secretData('short')?.['username']).toBe(first['username']);

    // Max TTL reached: a new user in the Secret, working; the old one gone.
    const second = await waitFor('new credentials', () => {
      const d = secretData('short');
      return d !== undefined && d['username'] !== first['username'] ? d : undefined;
    });
    expect(await pg.canLogin(second['username'] ?? '', second['password'] ?? '')).toBe(true);
    await waitFor('the old user gone', async () => ((await pg.canLogin(first['username'] ?? '', first['password'] ?? '')) ? undefined : true));
    expect(ctx.recorded.some((e) => e.key === `${NS}/short` && e.reason === 'Updated')).toBe(true);
    await kube.client.delete(ES, 'short', { namespace: NS });
  }, 60_000);

  it('issues a new user when the renewal is refused and revokes the old lease once the Secret holds the new one', async () => {
    await externalSecret('norenew', 'pg-norenew', '1h');
    const first = await waitFor('the Secret', () => secretData('norenew'));
    const [lease] = await leasesOf('mid');
    expect(lease).toBeDefined();

    const second = await waitFor('new credentials', () => {
      const d = secretData('norenew');
      return d !== undefined && d['username'] !== first['username'] ? d : undefined;
    });
    expect(await pg.canLogin(second['username'] ?? '', second['password'] ?? '')).toBe(true);
    // Revoked by the operator (not just expired), after the Secret held the new user.
    await waitFor('the old lease revoked', () => (revocationsBy('gen-norenew') === 1 ? true : undefined));
    await waitFor('the old lease gone', async () => ((await expireTime(lease ?? '')) === undefined ? true : undefined));
    expect(await pg.canLogin(first['username'] ?? '', first['password'] ?? '')).toBe(false);

    await kube.client.delete(ES, 'norenew', { namespace: NS });
    await waitFor('the current lease revoked', () => (revocationsBy('gen-norenew') === 2 ? true : undefined));
    await waitFor('every lease gone', async () => ((await leasesOf('mid')).length === 0 ? true : undefined));
    await waitFor('the database user gone', async () => ((await pg.canLogin(second['username'] ?? '', second['password'] ?? '')) ? undefined : true));
  }, 60_000);
});
