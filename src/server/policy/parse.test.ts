import { describe, expect, it } from 'vitest';
import { UserError } from '../../shared/errors.js';
import { DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY } from './builtin.js';
import { CAPABILITIES, parsePolicy, sanitizePolicyName } from '../../shared/policy/index.js';
import { decodePolicyText } from './paths.js';

function parseError(text: string): string {
  try {
    parsePolicy('p', text);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('parsePolicy', () => {
  it('reads the HCL form with every path attribute', () => {
    const p = parsePolicy('  MyPolicy ', `
      # comment
      name = "ignored"
      path "secret/foo" {
        comment = "who may read foo"
        capabilities = ["read", "list", "read"]
        allowed_parameters = {
          "Foo" = []
          "bar" = ["zip", "zap", 1, true]
        }
        denied_parameters {
          baz = []
        }
        required_parameters = ["bar"]
        min_wrapping_ttl = "1s"
        max_wrapping_ttl = 90
        subscribe_event_types = ["kv*"]
      }
      path "/secret/bar/*" { capabilities = [] }
    `);
    expect(p.name).toBe('mypolicy');
    expect(p.templated).toBe(false);
    expect(p.paths).toHaveLength(2);
    const [foo, bar] = p.paths;
    expect(foo?.pattern).toBe('secret/foo');
    expect(foo?.capabilities).toEqual(['read', 'list']);
    expect([...(foo?.allowedParameters ?? [])]).toEqual([
      ['foo', []],
      ['bar', ['zip', 'zap', 1, true]],
    ]);
    expect([...(foo?.deniedParameters ?? [])]).toEqual([['baz', []]]);
    expect(foo?.requiredParameters).toEqual(['bar']);
    expect(foo?.minWrappingTtl).toBe(1);
    expect(foo?.maxWrappingTtl).toBe(90);
    expect(foo?.subscribeEventTypes).toEqual(['kv*']);
    expect(foo?.position).toMatchObject({ line: 4, column: 7 });
    expect(bar?.pattern).toBe('/secret/bar/*');
    expect(bar?.capabilities).toEqual([]);
  });

  it('reads the JSON form (object and array spellings)', () => {
    const a = parsePolicy('j', JSON.stringify({ path: { 'secret/*': { capabilities: ['read'] }, 'sys/mounts': { policy: 'read' } } }));
    expect(a.paths.map((r) => [r.pattern, r.capabilities])).toEqual([
      ['secret/*', ['read']],
      ['sys/mounts', ['read', 'list']],
    ]);
    const b = parsePolicy('j', JSON.stringify({ path: [{ 'a/*': { capabilities: ['list'], allowed_parameters: { x: ['1'] } } }] }));
    expect(b.paths[0]?.capabilities).toEqual(['list']);
    expect(b.paths[0]?.position).toBeUndefined();
  });

  it('accepts every capability', () => {
    for (const cap of CAPABILITIES) {
      const p = parsePolicy('c', `path "x" { capabilities = ["${cap}"] }`);
      expect(p.paths[0]?.capabilities).toEqual([cap]);
    }
    const all = parsePolicy('c', `path "x" { capabilities = ${JSON.stringify(CAPABILITIES.filter((c) => c !== 'deny'))} }`);
    expect(all.paths[0]?.capabilities).toHaveLength(CAPABILITIES.length - 1);
  });

  it('deny replaces every other capability and the rest of the stanza', () => {
    const p = parsePolicy('d', 'path "x" { capabilities = ["read", "deny", "bogus"] allowed_parameters = { a = [] } min_wrapping_ttl = "junk" }');
    expect(p.paths[0]).toMatchObject({ capabilities: ['deny'], allowedParameters: undefined, minWrappingTtl: 0 });
  });

  it('expands the legacy policy shorthand', () => {
    const expand = (policy: string, caps = '[]'): readonly string[] | undefined =>
      parsePolicy('l', `path "x" { policy = "${policy}" capabilities = ${caps} }`).paths[0]?.capabilities;
    expect(expand('deny', '["read"]')).toEqual(['deny']);
    expect(expand('read')).toEqual(['read', 'list']);
    expect(expand('write')).toEqual(['create', 'read', 'update', 'delete', 'list']);
    expect(expand('sudo')).toEqual(['create', 'read', 'update', 'delete', 'list', 'sudo']);
    expect(expand('read', '["patch"]')).toEqual(['patch', 'read', 'list']);
    expect(parseError('path "x" { policy = "list" }')).toBe('failed to parse policy: path "x": invalid policy "list" at 1:12');
  });

  it('rejects unknown capabilities, keys and shapes with positions', () => {
    expect(parseError('path "secret/foo" {\n  capabilities = ["raed"]\n}')).toBe(
      'failed to parse policy: path "secret/foo": invalid capability "raed" at 2:3',
    );
    expect(parseError('path "a" { capabilities = ["Read"] }')).toContain('invalid capability "Read"');
    expect(parseError('path "a" {\n  capabilities = ["read"]\n  bogus = 1\n}')).toBe('failed to parse policy: path "a": invalid key "bogus" at 3:3');
    expect(parseError('paths "a" { capabilities = ["read"] }')).toBe('failed to parse policy: invalid key "paths" at 1:1');
    expect(parseError('path "a" { capabilities = "read" }')).toContain('"capabilities" must be a list of strings');
    expect(parseError('path "a" { allowed_parameters = { x = "y" } }')).toContain('allowed_parameters: "x" must be a list of values');
    expect(parseError('path "a" { allowed_parameters = "x" }')).toContain('"allowed_parameters" must be an object');
    expect(parseError('path "a" { capabilities = ["read"] max_wrapping_ttl = "forever" }')).toContain('error parsing max_wrapping_ttl');
    expect(parseError('path "a" { capabilities = ["read"] min_wrapping_ttl = "2m" max_wrapping_ttl = "1m" }')).toContain(
      'max_wrapping_ttl cannot be less than min_wrapping_ttl',
    );
    expect(parseError('path = "a"')).toContain('failed to parse policy: invalid "path"');
    expect(parseError(JSON.stringify({ path: { a: { capabilities: ['nope'] } } }))).toBe('failed to parse policy: path "a": invalid capability "nope"');
  });

  it('reports syntax errors with line:column, for HCL and JSON', () => {
    expect(parseError('path "a" {\n  capabilities = ["read"\n}')).toMatch(/^failed to parse policy: .* at 3:1$/);
    expect(parseError('path "a" {\n  capabilities = [read]\n}')).toMatch(/^failed to parse policy: .* at 2:19$/);
    expect(parseError('{"path": {"a": {"capabilities": ["read"]}},}')).toMatch(/^failed to parse policy: invalid JSON: .* at 1:44$/);
  });

  it("rejects '+*' and unbalanced templates", () => {
    expect(parseError('path "secret/+*" { capabilities = ["read"] }')).toBe(
      `failed to parse policy: path "secret/+*": invalid use of wildcards ('+*' is forbidden) at 1:1`,
    );
    expect(parseError('path "secret/{{identity.entity.id}" { capabilities = ["read"] }')).toContain(
      'failed to validate policy templating: unbalanced templating characters',
    );
    expect(parseError('path "secret/}}x" { capabilities = ["read"] }')).toContain('unbalanced templating characters');
  });

  it('refuses Enterprise-only stanzas it cannot enforce', () => {
    expect(parseError('path "a" { capabilities = ["read"] control_group = { factor "ops" { identity { group_names = ["ops"] approvals = 1 } } } }')).toContain(
      '"control_group" is a Vault Enterprise feature that Coffer does not enforce',
    );
    expect(parseError('path "a" { capabilities = ["read"] mfa_methods = ["totp"] }')).toContain('"mfa_methods" is a Vault Enterprise feature');
  });

  it('marks templated policies', () => {
    const p = parsePolicy('t', 'path "secret/data/{{ identity.entity.id }}/*" { capabilities = ["read"] }\npath "plain" { capabilities = ["read"] }');
    expect(p.templated).toBe(true);
    expect(p.paths.map((r) => r.templated)).toEqual([true, false]);
  });

  it('parses the built-in policies and an empty document', () => {
    const d = parsePolicy('default', DEFAULT_POLICY);
    expect(d.templated).toBe(true);
    expect(d.paths.map((r) => r.pattern)).toContain('cubbyhole/*');
    expect(d.paths).toHaveLength(18);
    expect(parsePolicy('rw', RESPONSE_WRAPPING_POLICY).paths).toHaveLength(2);
    expect(parsePolicy('e', '').paths).toEqual([]);
    expect(parsePolicy('e', '# only a comment\n').paths).toEqual([]);
  });

  it('sanitizes names', () => {
    expect(sanitizePolicyName('  Admin-Ops\n')).toBe('admin-ops');
  });
});

describe('decodePolicyText (sys handler)', () => {
  it('decodes standard padded base64, ignoring CR/LF, and leaves other text alone', () => {
    const text = 'path "secret/*" {\n  capabilities = ["read"]\n}\n';
    const b64 = Buffer.from(text).toString('base64');
    expect(decodePolicyText(b64)).toBe(text);
    expect(decodePolicyText(`${b64.slice(0, 8)}\r\n${b64.slice(8)}`)).toBe(text);
    expect(decodePolicyText(text)).toBe(text);
    // Unpadded or URL-safe alphabets are not StdEncoding: kept as written.
    expect(decodePolicyText('YWJj ZA')).toBe('YWJj ZA');
    expect(decodePolicyText('YWJjZA')).toBe('YWJjZA');
    expect(decodePolicyText('YW-_')).toBe('YW-_');
  });
});
