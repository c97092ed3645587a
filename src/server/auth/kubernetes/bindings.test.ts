import { describe, expect, it } from 'vitest';
import { globMatch, nameAllowed, namespaceListed, remoteAddrAllowed } from './bindings.js';
import { parseNamespaceSelector } from './namespace-selector.js';

describe('globMatch (go-glob semantics)', () => {
  it.each([
    ['*', 'anything', true],
    ['*', '', true],
    ['app', 'app', true],
    ['app', 'app2', false],
    ['app-*', 'app-web', true],
    ['app-*', 'app-', true],
    ['app-*', 'xapp-web', false],
    ['*-web', 'app-web', true],
    ['*-web', 'app-web2', false],
    ['team-*-prod', 'team-a-prod', true],
    ['team-*-prod', 'team-a-dev', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['', '', true],
    ['', 'x', false],
    ['a?c', 'abc', false],
  ])('%s ~ %s → %s', (pattern, subject, expected) => {
    expect(globMatch(pattern, subject)).toBe(expected);
  });

  it('applies the name and namespace binding rules', () => {
    expect(nameAllowed(['*'], '')).toBe(true);
    expect(nameAllowed(['app', 'worker-*'], 'worker-1')).toBe(true);
    expect(nameAllowed(['app'], 'default')).toBe(false);
    expect(namespaceListed([], 'ns')).toBe(false);
    expect(namespaceListed(['*'], 'ns')).toBe(true);
    expect(namespaceListed(['tenant-*', 'ops'], 'tenant-a')).toBe(true);
    expect(namespaceListed(['tenant-*', 'ops'], 'kube-system')).toBe(false);
  });
});

describe('remoteAddrAllowed', () => {
  it('checks token_bound_cidrs', () => {
    expect(remoteAddrAllowed([], '203.0.113.9')).toBe(true);
    expect(remoteAddrAllowed(['127.0.0.0/8'], '127.0.0.1')).toBe(true);
    expect(remoteAddrAllowed(['127.0.0.0/8'], '::ffff:127.0.0.1')).toBe(true);
    expect(remoteAddrAllowed(['10.0.0.0/8'], '127.0.0.1')).toBe(false);
    expect(remoteAddrAllowed(['10.1.2.3'], '10.1.2.3')).toBe(true);
    expect(remoteAddrAllowed(['::1/128'], '::1')).toBe(true);
    expect(remoteAddrAllowed(['10.0.0.0/8'], 'not-an-ip')).toBe(false);
  });
});

describe('parseNamespaceSelector', () => {
  it('accepts YAML and JSON LabelSelectors', () => {
    const yaml = parseNamespaceSelector('matchLabels:\n  tenant: "true"\n  team: a\n');
    expect(yaml.matches({ tenant: 'true', team: 'a', other: 'x' })).toBe(true);
    expect(yaml.matches({ tenant: 'true' })).toBe(false);
    const json = parseNamespaceSelector(
      JSON.stringify({
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['dev', 'test'] },
          { key: 'frozen', operator: 'DoesNotExist' },
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
          { key: 'team', operator: 'Exists' },
        ],
      }),
    );
    expect(json.matches({ env: 'dev', team: 'a' })).toBe(true);
    expect(json.matches({ env: 'prod', team: 'a' })).toBe(false);
    expect(json.matches({ env: 'dev', team: 'a', frozen: 'yes' })).toBe(false);
    expect(json.matches({ env: 'dev' })).toBe(false);
    expect(json.matches({ env: 'dev', team: 'a', 'kubernetes.io/metadata.name': 'kube-system' })).toBe(false);
  });

  it('treats an empty selector as matching everything', () => {
    expect(parseNamespaceSelector('{}').matches({})).toBe(true);
  });

  it.each([
    ['', 'not an object'],
    ['just a string', 'not an object'],
    ['[1, 2]', 'a list'],
    ['matchLabels: {tenant: true}', 'non-string value'],
    ['matchLabels: [a]', 'matchLabels list'],
    ['matchExpressions: [{key: a, operator: Equals, values: [x]}]', 'bad operator'],
    ['matchExpressions: [{key: a, operator: In, values: []}]', 'empty In'],
    ['matchExpressions: [{key: a, operator: Exists, values: [x]}]', 'Exists with values'],
    ['matchLabels: {"bad key!": x}', 'bad key'],
    ['{ not: yaml: [', 'unparsable'],
  ])('rejects %j (%s)', (text) => {
    expect(() => parseNamespaceSelector(text)).toThrow();
  });
});
