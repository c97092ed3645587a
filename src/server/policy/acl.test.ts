import { describe, expect, it } from 'vitest';
import { type Acl, type AclOperation, compileAcl } from './acl.js';
import { parsePolicy } from '../../shared/policy/index.js';

function acl(...texts: string[]): Acl {
  return compileAcl(texts.map((t, i) => parsePolicy(`p${i}`, t)));
}

function can(a: Acl, operation: AclOperation, path: string, data?: Record<string, unknown>, wrapTtl?: number): boolean {
  return a.allowOperation({ path, operation, ...(data !== undefined ? { data } : {}), ...(wrapTtl !== undefined ? { wrapTtl } : {}) }).allowed;
}

function winner(a: Acl, path: string, operation: AclOperation = 'read'): string | undefined {
  return a.allowOperation({ path, operation }).matchedPath;
}

describe('matching: the examples of policies.mdx', () => {
  const a = acl(`
    path "secret/foo" { capabilities = ["read"] }
    path "secret/bar/*" { capabilities = ["read"] }
    path "secret/zip-*" { capabilities = ["read"] }
    path "secret/+/teamb" { capabilities = ["read"] }
    path "secret/+/+/teamb" { capabilities = ["read"] }
  `);

  it('exact paths match only themselves', () => {
    expect(can(a, 'read', 'secret/foo')).toBe(true);
    expect(can(a, 'read', 'secret/food')).toBe(false);
    expect(can(a, 'read', 'secret/foo/bar')).toBe(false);
  });

  it('a trailing * is a prefix match', () => {
    expect(can(a, 'read', 'secret/bar/zip')).toBe(true);
    expect(can(a, 'read', 'secret/bar/zip/zap')).toBe(true);
    expect(can(a, 'read', 'secret/bars/zip')).toBe(false);
    expect(can(a, 'read', 'secret/zip-zap')).toBe(true);
    expect(can(a, 'read', 'secret/zip-zap/zong')).toBe(true);
    expect(can(a, 'read', 'secret/zip/zap')).toBe(false);
  });

  it('+ matches exactly one segment', () => {
    expect(can(a, 'read', 'secret/foo/teamb')).toBe(true);
    expect(can(a, 'read', 'secret/foo/bar/teamb')).toBe(true);
    expect(can(a, 'read', 'secret/bar/foo/teamb')).toBe(true);
    expect(can(a, 'read', 'secret/teamb')).toBe(false);
    expect(can(a, 'read', 'secret/a/b/c/teamb')).toBe(false);
    expect(can(a, 'read', 'secret/foo/teamb/x')).toBe(false);
  });

  it('an explicit deny on a more specific path takes precedence', () => {
    const b = acl(`
      path "secret/*" { capabilities = ["create", "read", "update", "patch", "delete", "list"] }
      path "secret/super-secret" { capabilities = ["deny"] }
    `);
    expect(can(b, 'read', 'secret/other')).toBe(true);
    expect(can(b, 'read', 'secret/super-secret')).toBe(false);
    expect(b.allowOperation({ path: 'secret/super-secret', operation: 'read' }).deniedReason).toBe('rule "secret/super-secret" denies access');
  });

  it('"secret/*" beats "secret/+/+/foo/*" (rule 3: more + segments is lower priority)', () => {
    const b = acl(`
      path "secret/*" { capabilities = ["read"] }
      path "secret/+/+/foo/*" { capabilities = ["deny"] }
    `);
    expect(winner(b, 'secret/a/b/foo/c')).toBe('secret/*');
    expect(can(b, 'read', 'secret/a/b/foo/c')).toBe(true);
  });
});

describe('matching: the priority rules, one at a time', () => {
  it('(1) a later first wildcard wins', () => {
    const b = acl('path "foo/a*" { capabilities = ["read"] }', 'path "foo/+" { capabilities = ["list"] }');
    expect(winner(b, 'foo/ab')).toBe('foo/a*');
    const c = acl('path "foo/bar/+/baz" { capabilities = ["read"] }', 'path "foo/+/bar/baz" { capabilities = ["list"] }');
    expect(winner(c, 'foo/bar/bar/baz')).toBe('foo/bar/+/baz');
    // Of several prefix globs the longest wins.
    const d = acl('path "secret/*" { capabilities = ["read"] }', 'path "secret/app*" { capabilities = ["deny"] }', 'path "*" { capabilities = ["list"] }');
    expect(winner(d, 'secret/apps/x')).toBe('secret/app*');
    expect(winner(d, 'secret/ap')).toBe('secret/*');
    expect(winner(d, 'other')).toBe('*');
  });

  it('(2) not ending in * wins over ending in *', () => {
    const b = acl('path "foo/+/bar" { capabilities = ["read"] }', 'path "foo/+/ba*" { capabilities = ["list"] }');
    expect(winner(b, 'foo/x/bar')).toBe('foo/+/bar');
    expect(winner(b, 'foo/x/baz')).toBe('foo/+/ba*');
    const c = acl('path "foo/+" { capabilities = ["read"] }', 'path "foo/*" { capabilities = ["list"] }');
    expect(winner(c, 'foo/x')).toBe('foo/+');
    expect(winner(c, 'foo/x/y')).toBe('foo/*');
  });

  it('(3) fewer + segments wins', () => {
    const b = acl('path "foo/+/+/baz/*" { capabilities = ["read"] }', 'path "foo/+/bar/*" { capabilities = ["list"] }');
    expect(winner(b, 'foo/x/bar/baz/q')).toBe('foo/+/bar/*');
  });

  it('(4) longer wins', () => {
    const b = acl('path "foo/+/bar/ba*" { capabilities = ["read"] }', 'path "foo/+/bar/b*" { capabilities = ["list"] }');
    expect(winner(b, 'foo/x/bar/baz')).toBe('foo/+/bar/ba*');
  });

  it('(5) lexically greater wins', () => {
    const b = acl('path "a/+/bc/+" { capabilities = ["read"] }', 'path "a/+/+/cd" { capabilities = ["list"] }');
    expect(winner(b, 'a/x/bc/cd')).toBe('a/+/bc/+');
  });

  it('an exact rule wins over any glob, even a deny', () => {
    const b = acl('path "secret/*" { capabilities = ["deny"] }', 'path "secret/foo" { capabilities = ["read"] }');
    expect(can(b, 'read', 'secret/foo')).toBe(true);
    expect(can(b, 'read', 'secret/foo2')).toBe(false);
  });

  it('a rule without capabilities still decides (and denies)', () => {
    const b = acl('path "secret/*" { capabilities = ["read"] }', 'path "secret/locked" { capabilities = [] }');
    expect(can(b, 'read', 'secret/locked')).toBe(false);
    expect(b.capabilities('secret/locked')).toEqual(['deny']);
  });

  it('strips a leading / from rules and requests', () => {
    const b = acl('path "/secret/foo" { capabilities = ["read"] }');
    expect(can(b, 'read', 'secret/foo')).toBe(true);
    expect(can(b, 'read', '//secret/foo')).toBe(true);
  });

  it('treats + inside a segment, and * before the end, literally (as Vault does)', () => {
    const b = acl('path "secret/a+b" { capabilities = ["read"] }', 'path "secret/*/x" { capabilities = ["read"] }', 'path "c/+x/y" { capabilities = ["read"] }');
    expect(can(b, 'read', 'secret/a+b')).toBe(true);
    expect(can(b, 'read', 'secret/aab')).toBe(false);
    expect(can(b, 'read', 'secret/*/x')).toBe(true);
    expect(can(b, 'read', 'secret/q/x')).toBe(false);
    expect(can(b, 'read', 'c/+x/y')).toBe(true);
    expect(can(b, 'read', 'c/ax/y')).toBe(false);
  });

  it('+ matches an empty segment and a lone + matches one segment', () => {
    const b = acl('path "a/+/b" { capabilities = ["read"] }', 'path "+" { capabilities = ["list"] }');
    expect(can(b, 'read', 'a//b')).toBe(true);
    expect(can(b, 'list', 'top')).toBe(true);
    expect(can(b, 'list', 'top/x')).toBe(false);
  });
});

describe('LIST', () => {
  it('tries the path without its trailing slash as an exact rule', () => {
    const b = acl('path "secret/metadata" { capabilities = ["list"] }');
    expect(can(b, 'list', 'secret/metadata/')).toBe(true);
    expect(can(b, 'read', 'secret/metadata/')).toBe(false);
  });

  it('wildcard rules without a trailing slash match LIST (Vault PR 23874)', () => {
    const b = acl('path "+/sys/policies/acl" { capabilities = ["list"] }');
    expect(can(b, 'list', 'ns1/sys/policies/acl/')).toBe(true);
  });

  it('retries the glob rules without the trailing slash first', () => {
    const b = acl('path "secret/fo*" { capabilities = ["read"] }', 'path "secret/foo/*" { capabilities = ["list"] }');
    // secret/fo* matches "secret/foo", so it decides before secret/foo/* is considered.
    expect(can(b, 'list', 'secret/foo/')).toBe(false);
    expect(winner(b, 'secret/foo/', 'list')).toBe('secret/fo*');
    expect(can(b, 'list', 'secret/foo/bar/')).toBe(true);
  });
});

describe('merging policies', () => {
  it('unions capabilities of identical patterns, deny wins', () => {
    const b = acl('path "secret/*" { capabilities = ["read"] }', 'path "secret/*" { capabilities = ["list"] }');
    expect(b.capabilities('secret/x')).toEqual(['list', 'read']);
    expect(b.allowOperation({ path: 'secret/x', operation: 'list' }).grantingPolicies).toEqual(['p1']);
    const c = acl('path "secret/*" { capabilities = ["read", "sudo"] }', 'path "secret/*" { capabilities = ["deny"] }', 'path "secret/*" { capabilities = ["list"] }');
    expect(c.capabilities('secret/x')).toEqual(['deny']);
    const d = acl('path "secret/*" { capabilities = ["deny"] }', 'path "secret/*" { capabilities = ["read"] }');
    expect(d.capabilities('secret/x')).toEqual(['deny']);
  });

  it('merges stanzas repeated inside one policy the same way', () => {
    const b = acl('path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["update"] }');
    expect(b.capabilities('a')).toEqual(['read', 'update']);
  });

  it('never merges different patterns: the best match alone decides', () => {
    const b = acl('path "secret/*" { capabilities = ["read"] }', 'path "secret/foo*" { capabilities = ["update"] }');
    expect(can(b, 'read', 'secret/foo/x')).toBe(false);
    expect(can(b, 'update', 'secret/foo/x')).toBe(true);
    // An exact rule and a prefix rule with the same text are different patterns.
    const c = acl('path "a/b" { capabilities = ["read"] }', 'path "a/b*" { capabilities = ["list"] }');
    expect(c.capabilities('a/b')).toEqual(['read']);
    expect(c.capabilities('a/bc')).toEqual(['list']);
  });

  it('sudo is reported whatever the operation', () => {
    const b = acl('path "sys/audit/*" { capabilities = ["create", "update", "sudo"] }');
    expect(b.allowOperation({ path: 'sys/audit/file', operation: 'update' })).toMatchObject({ allowed: true, sudo: true });
    expect(b.allowOperation({ path: 'sys/audit/file', operation: 'read' })).toMatchObject({ allowed: false, sudo: true });
    expect(b.allowOperation({ path: 'sys/other', operation: 'read' })).toMatchObject({ allowed: false, sudo: false });
  });
});

describe('capabilities()', () => {
  it('is sorted, ["deny"] when nothing applies, ["root"] for root', () => {
    const b = acl('path "secret/*" { capabilities = ["update", "read", "create", "sudo", "list", "delete", "patch", "subscribe", "recover"] }');
    expect(b.capabilities('secret/x')).toEqual(['create', 'delete', 'list', 'patch', 'read', 'recover', 'subscribe', 'sudo', 'update']);
    expect(b.capabilities('other')).toEqual(['deny']);
    const root = compileAcl([parsePolicy('root', '')]);
    expect(root.capabilities('anything')).toEqual(['root']);
    expect(root.isRoot).toBe(true);
  });

  it('uses the LIST fallbacks (a folder path sees the rule of its parent)', () => {
    const b = acl('path "secret/metadata" { capabilities = ["list"] }');
    expect(b.capabilities('secret/metadata/')).toEqual(['list']);
  });
});

describe('root', () => {
  it('allows everything with sudo', () => {
    const root = compileAcl([parsePolicy('default', 'path "x" { capabilities = ["deny"] }'), parsePolicy('root', '')]);
    expect(root.allowOperation({ path: 'sys/seal', operation: 'update', data: { a: 1 } })).toEqual({
      allowed: true,
      sudo: true,
      isRoot: true,
      capabilities: ['root'],
      grantingPolicies: ['root'],
      subscribeEventTypes: ['*'],
    });
    expect(root.hasMountAccess('secret/')).toBe(true);
  });

  it('an empty ACL denies everything', () => {
    const none = compileAcl([]);
    expect(none.allowOperation({ path: 'secret/x', operation: 'read' })).toMatchObject({
      allowed: false,
      capabilities: ['deny'],
      deniedReason: 'no policy rule matches the path',
    });
  });
});

describe('parameter constraints', () => {
  const docs = acl(`
    path "secret/restricted" {
      capabilities = ["create"]
      allowed_parameters = {
        "foo" = []
        "bar" = ["zip", "zap"]
      }
    }
    path "secret/req" {
      capabilities = ["create"]
      required_parameters = ["bar", "Baz"]
    }
    path "secret/some" {
      capabilities = ["create", "update"]
      allowed_parameters = {
        "bar" = ["zip", "zap"]
        "*"   = []
      }
    }
    path "secret/nobar" {
      capabilities = ["create", "read", "delete"]
      denied_parameters = { "bar" = [] }
    }
    path "secret/notzip" {
      capabilities = ["create"]
      denied_parameters = { "bar" = ["zip", "zap"] }
    }
    path "secret/nothing" {
      capabilities = ["create"]
      denied_parameters = { "*" = [] }
    }
    path "secret/glob" {
      capabilities = ["create"]
      allowed_parameters = { "bar" = ["foo-*", "*-suffix", "*mid*", "*"] }
    }
  `);

  it('allowed_parameters restricts keys and values', () => {
    expect(can(docs, 'create', 'secret/restricted', { foo: 'anything', bar: 'zip' })).toBe(true);
    expect(can(docs, 'create', 'secret/restricted', { bar: 'zop' })).toBe(false);
    expect(can(docs, 'create', 'secret/restricted', { other: 1 })).toBe(false);
    expect(can(docs, 'create', 'secret/restricted', { FOO: 1 })).toBe(true);
    expect(can(docs, 'create', 'secret/restricted', {})).toBe(true);
    expect(can(docs, 'create', 'secret/restricted')).toBe(true);
    expect(docs.allowOperation({ path: 'secret/restricted', operation: 'create', data: { other: 1 } }).deniedReason).toBe(
      'parameter "other" is not allowed',
    );
  });

  it('"*" = [] lets other keys through while listed keys stay restricted', () => {
    expect(can(docs, 'create', 'secret/some', { anything: 1, bar: 'zap' })).toBe(true);
    expect(can(docs, 'create', 'secret/some', { anything: 1, bar: 'nope' })).toBe(false);
  });

  it('required_parameters must all be present (compared lowercased)', () => {
    expect(can(docs, 'create', 'secret/req', { bar: 1, baz: 2 })).toBe(true);
    expect(can(docs, 'create', 'secret/req', { bar: 1 })).toBe(false);
    expect(can(docs, 'create', 'secret/req')).toBe(false);
    expect(docs.allowOperation({ path: 'secret/req', operation: 'create', data: { bar: 1 } }).deniedReason).toBe('required parameter "Baz" is missing');
  });

  it('denied_parameters deny keys, values, or everything', () => {
    expect(can(docs, 'create', 'secret/nobar', { foo: 1 })).toBe(true);
    expect(can(docs, 'create', 'secret/nobar', { bar: 1 })).toBe(false);
    expect(can(docs, 'create', 'secret/notzip', { bar: 'zup' })).toBe(true);
    expect(can(docs, 'create', 'secret/notzip', { bar: 'zip' })).toBe(false);
    expect(can(docs, 'create', 'secret/nothing', { x: 1 })).toBe(false);
    expect(can(docs, 'create', 'secret/nothing', {})).toBe(true);
  });

  it('checks reads (query parameters) but not deletes, as Vault does', () => {
    expect(can(docs, 'read', 'secret/nobar', { bar: 1 })).toBe(false);
    expect(can(docs, 'delete', 'secret/nobar', { bar: 1 })).toBe(true);
  });

  it('value globs: prefix, suffix, both; a lone "*" is literal', () => {
    expect(can(docs, 'create', 'secret/glob', { bar: 'foo-1' })).toBe(true);
    expect(can(docs, 'create', 'secret/glob', { bar: 'x-suffix' })).toBe(true);
    expect(can(docs, 'create', 'secret/glob', { bar: 'amidb' })).toBe(true);
    expect(can(docs, 'create', 'secret/glob', { bar: '*' })).toBe(true);
    expect(can(docs, 'create', 'secret/glob', { bar: 'other' })).toBe(false);
  });

  it('lists and comma-separated strings: all elements must be allowed, any denied element denies', () => {
    expect(can(docs, 'create', 'secret/restricted', { bar: ['zip', 'zap'] })).toBe(true);
    expect(can(docs, 'create', 'secret/restricted', { bar: ['zip', 'no'] })).toBe(false);
    expect(can(docs, 'create', 'secret/restricted', { bar: 'zip, zap' })).toBe(true);
    expect(can(docs, 'create', 'secret/restricted', { bar: 'zip,no' })).toBe(false);
    expect(can(docs, 'create', 'secret/notzip', { bar: ['a', 'zap'] })).toBe(false);
    expect(can(docs, 'create', 'secret/notzip', { bar: 'a, zip' })).toBe(false);
    // Vault quirk kept: an empty string splits into no values, so it passes an allow list.
    expect(can(docs, 'create', 'secret/restricted', { bar: '' })).toBe(true);
  });

  it('non-string values compare by value', () => {
    const b = acl('path "x" { capabilities = ["create"] allowed_parameters = { n = [1, true] } }');
    expect(can(b, 'create', 'x', { n: 1 })).toBe(true);
    expect(can(b, 'create', 'x', { n: true })).toBe(true);
    expect(can(b, 'create', 'x', { n: 2 })).toBe(false);
    expect(can(b, 'create', 'x', { n: '1' })).toBe(false);
  });

  it('merges parameter constraints of identical patterns', () => {
    const b = acl(
      'path "x" { capabilities = ["create"] allowed_parameters = { a = ["1"], b = ["1"] } required_parameters = ["a"] }',
      'path "x" { capabilities = ["update"] allowed_parameters = { a = ["2"], b = [] } required_parameters = ["c"] }',
    );
    expect(can(b, 'create', 'x', { a: '1', c: 0 })).toBe(false); // c is not allowed
    const c = acl(
      'path "x" { capabilities = ["create"] allowed_parameters = { a = ["1"], b = ["1"], c = [] } required_parameters = ["a"] }',
      'path "x" { capabilities = ["update"] allowed_parameters = { a = ["2"], b = [] } required_parameters = ["c"] }',
    );
    expect(can(c, 'create', 'x', { a: '2', b: 'anything', c: 0 })).toBe(true);
    expect(can(c, 'update', 'x', { a: '1', c: 0 })).toBe(true);
    expect(can(c, 'update', 'x', { a: '3', c: 0 })).toBe(false);
    expect(can(c, 'update', 'x', { a: '1' })).toBe(false); // c became required
  });

  it('a deny merged into a rule drops its parameter constraints along with everything else', () => {
    const b = acl('path "x" { capabilities = ["create"] allowed_parameters = { a = [] } }', 'path "x" { capabilities = ["deny"] }');
    expect(can(b, 'create', 'x', { a: 1 })).toBe(false);
  });
});

describe('response wrapping TTLs', () => {
  const b = acl(`
    path "auth/approle/role/my-role/secret-id" {
      capabilities = ["create", "update"]
      min_wrapping_ttl = "1s"
      max_wrapping_ttl = "90s"
    }
  `);

  it('min makes wrapping mandatory, max caps the TTL', () => {
    const path = 'auth/approle/role/my-role/secret-id';
    expect(can(b, 'update', path)).toBe(false);
    expect(b.allowOperation({ path, operation: 'update' }).deniedReason).toContain('requires response wrapping');
    expect(can(b, 'update', path, undefined, 60)).toBe(true);
    expect(can(b, 'update', path, undefined, 90)).toBe(true);
    expect(can(b, 'update', path, undefined, 91)).toBe(false);
  });

  it('keeps the lowest values when merging, and a merged min above max denies', () => {
    const c = acl('path "w" { capabilities = ["read"] min_wrapping_ttl = 10 max_wrapping_ttl = 20 }', 'path "w" { capabilities = ["read"] max_wrapping_ttl = 5 }');
    expect(can(c, 'read', 'w', undefined, 5)).toBe(false);
    expect(can(c, 'read', 'w', undefined, 15)).toBe(false);
    const d = acl('path "w" { capabilities = ["read"] min_wrapping_ttl = 30 }', 'path "w" { capabilities = ["read"] min_wrapping_ttl = 10 }');
    expect(can(d, 'read', 'w', undefined, 15)).toBe(true);
  });
});

describe('hasMountAccess (sys/internal/ui/mounts)', () => {
  it('is true when anything at or below the mount grants something', () => {
    const b = acl(
      'path "secret/data/app/*" { capabilities = ["read"] }',
      'path "kv/+/team/*" { capabilities = ["list"] }',
      'path "denied/x" { capabilities = ["deny"] }',
      'path "exact/a/b" { capabilities = ["read"] }',
      'path "sub/*" { capabilities = ["subscribe"] }',
    );
    expect(b.hasMountAccess('secret/')).toBe(true);
    expect(b.hasMountAccess('kv/')).toBe(true);
    expect(b.hasMountAccess('exact/')).toBe(true);
    expect(b.hasMountAccess('denied/')).toBe(false);
    expect(b.hasMountAccess('other/')).toBe(false);
    // subscribe alone on the mount path itself counts (it is not "deny").
    expect(b.hasMountAccess('sub/')).toBe(true);
  });
});

describe('subscribe', () => {
  it('checks the subscribe capability and reports the event types', () => {
    const b = acl('path "secret/*" { capabilities = ["list", "subscribe"] subscribe_event_types = ["kv*"] }');
    expect(b.allowOperation({ path: 'secret/x', operation: 'subscribe' })).toMatchObject({ allowed: true, subscribeEventTypes: ['kv*'] });
    expect(can(b, 'subscribe', 'other')).toBe(false);
  });
});
