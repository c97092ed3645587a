import { describe, expect, it } from 'vitest';
import { compileAcl, parsePolicy } from '../policy/index.js';
import { authorizeSubscribe, eventVisibleTo } from './authorize.js';
import { buildEvent } from './bus.js';

const acl = (text: string) => compileAcl([parsePolicy('p', text)]);
const event = (type: string, metadata: Record<string, string>) =>
  buildEvent({ mountClass: 'secret', mountAccessor: 'kv_1', mountPath: 'secret/', plugin: 'kv' }, type, metadata, 0);

describe('authorizeSubscribe', () => {
  it('needs read (Vault) or subscribe with event types on sys/events/subscribe/<pattern>', () => {
    expect(authorizeSubscribe(acl('path "sys/events/subscribe/kv*" { capabilities = ["read"] }'), 'kv-v2/*')).toEqual({ allowed: true, eventTypes: null });
    expect(authorizeSubscribe(acl('path "sys/events/subscribe/kv*" { capabilities = ["read"] }'), 'database/*')).toEqual({ allowed: false });
    expect(
      authorizeSubscribe(acl('path "sys/events/subscribe/*" { capabilities = ["subscribe"]\n subscribe_event_types = ["kv-v2/data-*"] }'), '*'),
    ).toEqual({ allowed: true, eventTypes: ['kv-v2/data-*'] });
    expect(authorizeSubscribe(acl('path "sys/events/subscribe/*" { capabilities = ["subscribe"] }'), '*')).toEqual({ allowed: false });
    expect(authorizeSubscribe(acl('path "sys/events/subscribe/*" { capabilities = ["deny"] }'), '*')).toEqual({ allowed: false });
    expect(authorizeSubscribe(compileAcl([{ name: 'root', raw: '', templated: false, paths: [] }]), '*')).toEqual({ allowed: true, eventTypes: null });
  });
});

describe('eventVisibleTo', () => {
  const write = (path: string) => event('kv-v2/data-write', { path: `data/${path}`, data_path: `data/${path}` });

  it('delivers to whoever may read or list the data path, and to nobody else', () => {
    const teamA = acl('path "secret/data/team-a/*" { capabilities = ["read"] }');
    expect(eventVisibleTo(teamA, write('team-a/db'))).toBe(true);
    expect(eventVisibleTo(teamA, write('team-b/db'))).toBe(false);
    expect(eventVisibleTo(acl('path "secret/data/team-a/*" { capabilities = ["list"] }'), write('team-a/db'))).toBe(true);
    expect(eventVisibleTo(acl('path "secret/data/team-a/*" { capabilities = ["create", "update"] }'), write('team-a/db'))).toBe(false);
    expect(
      eventVisibleTo(acl('path "secret/data/*" { capabilities = ["read"] }\npath "secret/data/team-b/*" { capabilities = ["deny"] }'), write('team-b/db')),
    ).toBe(false);
  });

  it('honours subscribe + subscribe_event_types on the data path (Vault)', () => {
    const a = acl('path "secret/*" { capabilities = ["subscribe"]\n subscribe_event_types = ["kv-v2/data-write"] }');
    expect(eventVisibleTo(a, write('x'))).toBe(true);
    expect(eventVisibleTo(a, event('kv-v2/data-patch', { path: 'data/x', data_path: 'data/x' }))).toBe(false);
  });

  it('keeps events without data_path for root tokens', () => {
    const removal = event('kv-v2/data-delete', { path: 'data/x' });
    expect(eventVisibleTo(acl('path "*" { capabilities = ["read", "list", "sudo", "subscribe"] }'), removal)).toBe(false);
    expect(eventVisibleTo(compileAcl([{ name: 'root', raw: '', templated: false, paths: [] }]), removal)).toBe(true);
  });
});
