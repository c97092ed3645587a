import { describe, expect, it } from 'vitest';
import { compileAcl } from './acl.js';
import { DEFAULT_POLICY } from './builtin.js';
import { parsePolicy } from '../../shared/policy/index.js';
import { type TemplateContext, hasTemplate, populateTemplate, templateContextKey } from '../../shared/policy/index.js';

const K8S = 'auth_kubernetes_1a2b3c4d';

const ctx: TemplateContext = {
  entity: {
    id: 'ent-1',
    name: 'alice',
    metadata: { team: 'blue', empty: '' },
    aliases: [
      { mountAccessor: K8S, id: 'alias-1', name: 'sa-uid-1', metadata: { service_account_namespace: 'tenant-a', service_account_name: 'app' } },
      { mountAccessor: 'auth_userpass_9', id: 'alias-2', name: 'alice', metadata: {}, customMetadata: { dept: 'eng' } },
    ],
  },
  groups: [
    { id: 'grp-1', name: 'ops', metadata: { site: 'par' } },
    { id: 'grp-2', name: 'dev' },
  ],
};

function resolve(text: string, context: TemplateContext | undefined = ctx): string | null {
  const r = populateTemplate(text, context);
  return r.ok ? r.value : null;
}

describe('populateTemplate', () => {
  it('resolves every supported directive', () => {
    expect(resolve('e/{{identity.entity.id}}')).toBe('e/ent-1');
    expect(resolve('e/{{ identity.entity.name }}')).toBe('e/alice');
    expect(resolve('e/{{identity.entity.metadata.team}}')).toBe('e/blue');
    expect(resolve(`a/{{identity.entity.aliases.${K8S}.id}}`)).toBe('a/alias-1');
    expect(resolve(`a/{{identity.entity.aliases.${K8S}.name}}`)).toBe('a/sa-uid-1');
    expect(resolve(`a/{{identity.entity.aliases.${K8S}.metadata.service_account_namespace}}/x`)).toBe('a/tenant-a/x');
    expect(resolve('a/{{identity.entity.aliases.auth_userpass_9.custom_metadata.dept}}')).toBe('a/eng');
    expect(resolve('g/{{identity.groups.ids.grp-1.name}}')).toBe('g/ops');
    expect(resolve('g/{{identity.groups.names.dev.id}}')).toBe('g/grp-2');
    expect(resolve('g/{{identity.groups.names.ops.metadata.site}}')).toBe('g/par');
    expect(resolve('two/{{identity.entity.name}}/{{identity.groups.ids.grp-2.name}}')).toBe('two/alice/dev');
    expect(resolve('plain/path')).toBe('plain/path');
  });

  it('fails (so the rule is dropped) when a directive cannot be resolved', () => {
    expect(resolve('e/{{identity.entity.id}}', {})).toBeNull();
    expect(populateTemplate('e/{{identity.entity.id}}', undefined).ok).toBe(false);
    expect(resolve('e/{{identity.entity.metadata.nope}}')).toBeNull();
    expect(resolve('a/{{identity.entity.aliases.auth_other.name}}')).toBeNull();
    expect(resolve(`a/{{identity.entity.aliases.${K8S}.metadata.nope}}`)).toBeNull();
    expect(resolve(`a/{{identity.entity.aliases.${K8S}}}`)).toBeNull();
    expect(resolve('g/{{identity.groups.ids.grp-9.name}}')).toBeNull();
    expect(resolve('g/{{identity.groups.names.ops.name}}', { entity: ctx.entity as NonNullable<TemplateContext['entity']> })).toBeNull();
    expect(resolve('g/{{identity.groups.other.ops.id}}')).toBeNull();
    expect(resolve('x/{{identity.entity.metadata}}')).toBeNull();
    expect(resolve('x/{{identity.entity.groups.names}}')).toBeNull();
    expect(resolve('x/{{time.now}}')).toBeNull();
    expect(resolve('x/{{something.else}}')).toBeNull();
    expect(resolve('x/{{identity.entity.id}')).toBeNull();
  });

  it('an existing but empty metadata value resolves to "" (as Vault); an empty id does not', () => {
    expect(resolve('e/{{identity.entity.metadata.empty}}/x')).toBe('e//x');
    expect(resolve('e/{{identity.entity.id}}', { entity: { id: '', name: 'n', metadata: {}, aliases: [] } })).toBeNull();
  });

  it('refuses resolved values that would widen the path into a glob', () => {
    const sneaky: TemplateContext = { entity: { id: 'x', name: '*', metadata: { ns: 'a+b', path: 'a/b' }, aliases: [] } };
    expect(resolve('secret/{{identity.entity.name}}', sneaky)).toBeNull();
    expect(resolve('secret/{{identity.entity.metadata.ns}}', sneaky)).toBeNull();
    expect(resolve('secret/{{identity.entity.metadata.path}}', sneaky)).toBe('secret/a/b');
    expect(populateTemplate('secret/{{identity.entity.metadata.path}}', sneaky, { denySlash: true }).ok).toBe(false);
  });

  it('detects templates and unbalanced braces', () => {
    expect(hasTemplate('a/{{identity.entity.id}}')).toBe(true);
    expect(hasTemplate('a/b')).toBe(false);
    expect(() => hasTemplate('a/{{x')).toThrow('unbalanced templating characters');
    expect(() => hasTemplate('a/x}}')).toThrow('unbalanced templating characters');
    expect(() => hasTemplate('a/{{x}}}}')).toThrow('unbalanced templating characters');
  });

  it('keys contexts by their content, not by object identity', () => {
    const copy = JSON.parse(JSON.stringify(ctx)) as TemplateContext;
    expect(templateContextKey(copy)).toBe(templateContextKey(ctx));
    const other: TemplateContext = { ...ctx, groups: [] };
    expect(templateContextKey(other)).not.toBe(templateContextKey(ctx));
    expect(templateContextKey(undefined)).toBe('');
  });
});

describe('templated policies in compileAcl', () => {
  it('resolves templated paths for the caller and drops the ones it cannot resolve', () => {
    const policy = parsePolicy(
      't',
      `
      path "secret/data/{{identity.entity.name}}/*" { capabilities = ["read"] }
      path "secret/data/groups/{{identity.groups.names.ops.id}}/*" { capabilities = ["update"] }
      path "secret/data/unresolvable/{{identity.entity.metadata.nope}}" { capabilities = ["read"] }
      path "secret/data/shared" { capabilities = ["read"] }
    `,
    );
    const acl = compileAcl([policy], { templateContext: ctx });
    expect(acl.capabilities('secret/data/alice/x')).toEqual(['read']);
    expect(acl.capabilities('secret/data/bob/x')).toEqual(['deny']);
    expect(acl.capabilities('secret/data/groups/grp-1/x')).toEqual(['update']);
    expect(acl.capabilities('secret/data/shared')).toEqual(['read']);

    // Without identity data only the plain paths remain: no error.
    const anonymous = compileAcl([policy]);
    expect(anonymous.capabilities('secret/data/alice/x')).toEqual(['deny']);
    expect(anonymous.capabilities('secret/data/shared')).toEqual(['read']);
    // Nothing is ever granted on the literal template text.
    expect(anonymous.capabilities('secret/data/{{identity.entity.name}}/x')).toEqual(['deny']);
  });

  it('the default policy lets an entity read itself only', () => {
    const acl = compileAcl([parsePolicy('default', DEFAULT_POLICY)], { templateContext: ctx });
    expect(acl.allowOperation({ path: 'identity/entity/id/ent-1', operation: 'read' }).allowed).toBe(true);
    expect(acl.allowOperation({ path: 'identity/entity/name/alice', operation: 'read' }).allowed).toBe(true);
    expect(acl.allowOperation({ path: 'identity/entity/id/ent-2', operation: 'read' }).allowed).toBe(false);
    expect(acl.allowOperation({ path: 'auth/token/lookup-self', operation: 'read' }).allowed).toBe(true);
    expect(acl.allowOperation({ path: 'cubbyhole/x', operation: 'create' }).allowed).toBe(true);
    expect(acl.allowOperation({ path: 'sys/mounts', operation: 'read' }).allowed).toBe(false);
    expect(acl.allowOperation({ path: 'identity/oidc/provider/p/authorize', operation: 'read' }).allowed).toBe(true);
  });
});

describe('multi-tenant: one templated policy confines every tenant to its own subtree', () => {
  const tenantPolicy = parsePolicy(
    'tenant-reader',
    `path "secret/data/apps/{{identity.entity.aliases.${K8S}.metadata.service_account_namespace}}/*" { capabilities = ["read"] }`,
  );
  const tenant = (ns: string): TemplateContext => ({
    entity: {
      id: `ent-${ns}`,
      name: `entity_${ns}`,
      metadata: {},
      aliases: [{ mountAccessor: K8S, id: `alias-${ns}`, name: `uid-${ns}`, metadata: { service_account_namespace: ns, service_account_name: 'app' } }],
    },
  });
  const aclA = compileAcl([tenantPolicy], { templateContext: tenant('tenant-a') });
  const aclB = compileAcl([tenantPolicy], { templateContext: tenant('tenant-b') });

  it('tenant A reads its subtree', () => {
    expect(aclA.allowOperation({ path: 'secret/data/apps/tenant-a/db', operation: 'read' }).allowed).toBe(true);
    expect(aclA.allowOperation({ path: 'secret/data/apps/tenant-a/deep/er/key', operation: 'read' }).allowed).toBe(true);
  });

  it('and nothing of tenant B, nor of anyone else', () => {
    for (const path of [
      'secret/data/apps/tenant-b/db',
      'secret/data/apps/tenant-ab/db',
      'secret/data/apps/tenant-a',
      'secret/data/apps/',
      'secret/data/apps/other/db',
      'secret/metadata/apps/tenant-a/db',
    ]) {
      expect(aclA.allowOperation({ path, operation: 'read' }).allowed, path).toBe(false);
    }
    expect(aclA.allowOperation({ path: 'secret/data/apps/tenant-a/db', operation: 'update' }).allowed).toBe(false);
    expect(aclB.allowOperation({ path: 'secret/data/apps/tenant-b/db', operation: 'read' }).allowed).toBe(true);
    expect(aclB.allowOperation({ path: 'secret/data/apps/tenant-a/db', operation: 'read' }).allowed).toBe(false);
  });

  it('a caller without that alias gets nothing', () => {
    const userpassOnly = compileAcl([tenantPolicy], {
      templateContext: { entity: { id: 'e', name: 'n', metadata: {}, aliases: [{ mountAccessor: 'auth_userpass_1', id: 'a', name: 'n', metadata: {} }] } },
    });
    expect(userpassOnly.capabilities('secret/data/apps/tenant-a/db')).toEqual(['deny']);
    expect(compileAcl([tenantPolicy]).capabilities('secret/data/apps/tenant-a/db')).toEqual(['deny']);
  });

  it('a namespace value cannot smuggle a wildcard into the path', () => {
    const evil = compileAcl([tenantPolicy], { templateContext: tenant('+') });
    expect(evil.capabilities('secret/data/apps/tenant-b/db')).toEqual(['deny']);
    const star = compileAcl([tenantPolicy], { templateContext: tenant('*') });
    expect(star.capabilities('secret/data/apps/tenant-b/db')).toEqual(['deny']);
  });
});
