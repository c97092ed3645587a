import { describe, expect, it } from 'vitest';
import { createTestBackend } from '../../sdk/testing.js';
import { kubernetesFactory } from './index.js';

const AUDIENCE_WARNING = 'This role does not specify an audience. In a future version of Vault, specifying an audience will be required.';

async function backend() {
  return createTestBackend(kubernetesFactory, { type: 'kubernetes', path: 'auth/kubernetes/', maxLeaseTtl: 86400 });
}

describe('kubernetes auth: roles', () => {
  it('writes and reads a role with every token field and Vault defaults', async () => {
    const b = await backend();
    const written = await b.request('write', 'role/tenant-a', {
      bound_service_account_names: 'app,worker-*',
      bound_service_account_namespaces: ['tenant-a'],
      token_policies: 'tenant-a-read',
      token_ttl: '1h',
    });
    expect(written?.warnings).toEqual([AUDIENCE_WARNING]);
    const read = await b.request('read', 'role/tenant-a');
    expect(read?.data).toEqual({
      bound_service_account_names: ['app', 'worker-*'],
      bound_service_account_namespaces: ['tenant-a'],
      bound_service_account_namespace_selector: '',
      alias_name_source: 'serviceaccount_uid',
      token_ttl: 3600,
      token_max_ttl: 0,
      token_period: 0,
      token_explicit_max_ttl: 0,
      token_policies: ['tenant-a-read'],
      token_bound_cidrs: [],
      token_type: 'default',
      token_num_uses: 0,
      token_no_default_policy: false,
    });
  });

  it('returns the audience when set, and does not warn', async () => {
    const b = await backend();
    const written = await b.request('write', 'role/r', { bound_service_account_names: '*', bound_service_account_namespaces: '*', audience: 'vault' });
    expect(written).toBeNull();
    expect((await b.request('read', 'role/r'))?.data).toMatchObject({ audience: 'vault', bound_service_account_names: ['*'] });
  });

  it('stores names in lower case, lists, updates only what is sent, deletes', async () => {
    const b = await backend();
    await b.request('write', 'role/MyRole', { bound_service_account_names: 'a', bound_service_account_namespaces: 'ns', audience: 'vault' });
    await b.request('write', 'role/other', { bound_service_account_names: 'b', bound_service_account_namespaces: 'ns', audience: 'vault' });
    expect((await b.request('list', 'role/'))?.data).toEqual({ keys: ['myrole', 'other'] });
    await b.request('write', 'role/MYROLE', { token_ttl: 60 });
    expect((await b.request('read', 'role/myrole'))?.data).toMatchObject({ bound_service_account_names: ['a'], audience: 'vault', token_ttl: 60 });
    expect(await b.request('delete', 'role/myRole')).toBeNull();
    expect(await b.request('read', 'role/myrole')).toBeNull();
  });

  it('accepts a namespace selector instead of (or with) namespaces', async () => {
    const b = await backend();
    const selector = 'matchLabels:\n  tenant: "true"\n';
    await b.request('write', 'role/sel', { bound_service_account_names: 'app', bound_service_account_namespace_selector: selector, audience: 'vault' });
    expect((await b.request('read', 'role/sel'))?.data).toMatchObject({
      bound_service_account_namespaces: [],
      bound_service_account_namespace_selector: 'matchLabels:\n  tenant: "true"',
    });
  });

  it.each([
    [{ bound_service_account_namespaces: 'ns' }, '"bound_service_account_names" can not be empty'],
    [{ bound_service_account_names: '*,app', bound_service_account_namespaces: 'ns' }, 'can not mix "*" with values'],
    [{ bound_service_account_names: 'app', bound_service_account_namespaces: '*,ns' }, 'can not mix "*" with values'],
    [{ bound_service_account_names: 'app' }, '"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set'],
    [{ bound_service_account_names: 'app', bound_service_account_namespace_selector: 'matchLabels: [x]' }, 'invalid "bound_service_account_namespace_selector" configured'],
    [
      { bound_service_account_names: 'app', bound_service_account_namespaces: 'ns', alias_name_source: 'pod' },
      'invalid alias_name_source "pod", must be one of: serviceaccount_uid, serviceaccount_name',
    ],
    [{ bound_service_account_names: 'app', bound_service_account_namespaces: 'ns', token_type: 'weird' }, `invalid 'token_type' value "weird"`],
    [{ bound_service_account_names: 'app', bound_service_account_namespaces: 'ns', token_bound_cidrs: '10.0.0.0/99' }, 'failed to parse "10.0.0.0/99" as an address'],
    [{ bound_service_account_names: 'app', bound_service_account_namespaces: 'ns', token_period: '48h' }, `token period of "172800s" is greater than the backend's maximum lease TTL of "86400s"`],
    [{ bound_service_account_names: 'app', bound_service_account_namespaces: 'ns', token_ttl: 120, token_max_ttl: 60 }, "'token_ttl' cannot be greater than 'token_max_ttl'"],
  ])('refuses %j', async (data, message) => {
    const b = await backend();
    await expect(b.request('write', 'role/bad', data)).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message });
    expect(await b.request('read', 'role/bad')).toBeNull();
  });

  it('accepts the deprecated token field names and echoes them while they are in use', async () => {
    const b = await backend();
    await b.request('write', 'role/legacy', { bound_service_account_names: 'a', bound_service_account_namespaces: 'ns', audience: 'v', policies: 'p1,p2', ttl: 300 });
    expect((await b.request('read', 'role/legacy'))?.data).toMatchObject({ policies: ['p1', 'p2'], token_policies: ['p1', 'p2'], ttl: 300, token_ttl: 300 });
    await b.request('write', 'role/legacy', { token_policies: 'p3' });
    const data = (await b.request('read', 'role/legacy'))?.data ?? {};
    expect(data['token_policies']).toEqual(['p3']);
    expect(data['policies']).toBeUndefined();
    expect(data['ttl']).toBe(300);
  });

  it('warns when token_max_ttl exceeds the mount maximum', async () => {
    const b = await backend();
    const res = await b.request('write', 'role/long', { bound_service_account_names: 'a', bound_service_account_namespaces: 'ns', audience: 'v', token_max_ttl: '48h' });
    expect(res?.warnings).toEqual(["max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated"]);
  });
});
