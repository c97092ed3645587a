import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { dataOf, expectUserError, v2Backend } from './testing.js';

describe('KV v2 config', () => {
  it('reads the defaults', async () => {
    const kv = await v2Backend();
    expect(await kv.request('read', 'config')).toEqual({
      data: { cas_required: false, delete_version_after: '0s', max_versions: 0 },
    });
  });

  it('writes only the fields sent and renders durations like Go', async () => {
    const kv = await v2Backend();
    expect(await kv.request('write', 'config', { max_versions: 5, cas_required: 'true', delete_version_after: '3h25m19s' })).toBeNull();
    expect(dataOf(await kv.request('read', 'config'))).toEqual({
      cas_required: true,
      delete_version_after: '3h25m19s',
      max_versions: 5,
    });
    await kv.request('write', 'config', { delete_version_after: 3600 });
    expect(dataOf(await kv.request('read', 'config'))).toEqual({
      cas_required: true,
      delete_version_after: '1h0m0s',
      max_versions: 5,
    });
    expect(await kv.request('write', 'config', {})).toBeNull();
    expect(dataOf(await kv.request('read', 'config'))['max_versions']).toBe(5);
  });

  it('a negative delete_version_after disables it (-1s); zero clears it', async () => {
    const kv = await v2Backend();
    await kv.request('write', 'config', { delete_version_after: '-5m' });
    expect(dataOf(await kv.request('read', 'config'))['delete_version_after']).toBe('-1s');
    await kv.request('write', 'config', { delete_version_after: '0s' });
    expect(dataOf(await kv.request('read', 'config'))['delete_version_after']).toBe('0s');
  });

  it('rejects bad input', async () => {
    const kv = await v2Backend();
    await expectUserError(kv.request('write', 'config', { max_versions: -2 }), 'max_versions cannot be negative');
    const err = await kv.request('write', 'config', { cas_required: 'maybe' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/^Field validation failed: error converting input for field "cas_required"/);
  });
});
