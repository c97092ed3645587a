import { describe, expect, it } from 'vitest';
import { DEFAULT_AUDITED_HEADERS, formatAuditEntry, type EntryFormatConfig } from './entry.js';
import { encodeGoJson, struct } from './go-json.js';
import { createHasher } from './hash.js';
import type { AuditResponseInput } from './types.js';

const SALT = 'a1b2c3d4-0000-4000-8000-00000000beef';
const h = createHasher(SALT);
const TIME = new Date('2024-03-01T10:20:30.456Z');

function config(overrides: Partial<EntryFormatConfig> = {}): EntryFormatConfig {
  return {
    hash: h,
    logRaw: false,
    hmacAccessor: true,
    elideListResponses: false,
    prefix: '',
    auditedHeaders: DEFAULT_AUDITED_HEADERS,
    ...overrides,
  };
}

const input: AuditResponseInput = {
  auth: {
    clientToken: 'hvs.CLIENT',
    accessor: 'ACCESSOR1',
    displayName: 'userpass-alice',
    policies: ['default', 'dev'],
    tokenPolicies: ['default', 'dev'],
    identityPolicies: [],
    metadata: { username: 'alice' },
    entityId: 'ent-1',
    tokenType: 'service',
    ttl: 2764800,
    issueTime: 1709288400,
    policyResults: { allowed: true, grantingPolicies: [{ name: 'dev', namespaceId: 'root', type: 'acl' }] },
  },
  request: {
    id: 'req-1',
    operation: 'update',
    path: 'secret/data/app',
    clientToken: 'hvs.CLIENT',
    clientTokenAccessor: 'ACCESSOR1',
    clientTokenRemainingUses: 3,
    data: { data: { password: 'hunter2', port: 5432, enabled: true } },
    headers: { 'X-Correlation-Id': 'corr-1', authorization: 'Bearer nope', 'user-agent': 'curl' },
    mountPoint: 'secret/',
    mountType: 'kv',
    mountAccessor: 'kv_1234abcd',
    mountClass: 'secret',
    remoteAddress: '10.0.0.7',
    remotePort: 51234,
    wrapTtl: 300,
  },
  nonHmacRequestKeys: [],
};

function parse(line: string): Record<string, any> {
  expect(line.endsWith('\n')).toBe(true);
  expect(line.indexOf('\n')).toBe(line.length - 1);
  return JSON.parse(line) as Record<string, any>;
}

describe('request entries', () => {
  it('have Vault’s keys, in Vault’s struct order, with secrets HMAC’d and everything else raw', () => {
    const entry = parse(formatAuditEntry('request', input, config(), TIME));
    expect(Object.keys(entry)).toEqual(['time', 'auth', 'request', 'type']);
    expect(entry['time']).toBe('2024-03-01T10:20:30.456Z');
    expect(entry['type']).toBe('request');
    expect(entry['auth']).toEqual({
      accessor: h('ACCESSOR1'),
      client_token: h('hvs.CLIENT'),
      display_name: 'userpass-alice',
      entity_id: 'ent-1',
      metadata: { username: 'alice' },
      policies: ['default', 'dev'],
      policy_results: { allowed: true, granting_policies: [{ name: 'dev', namespace_id: 'root', type: 'acl' }] },
      remaining_uses: 3,
      token_policies: ['default', 'dev'],
      token_issue_time: '2024-03-01T10:20:00Z',
      token_ttl: 2764800,
      token_type: 'service',
    });
    expect(Object.keys(entry['auth'])).toEqual([
      'accessor',
      'client_token',
      'display_name',
      'entity_id',
      'metadata',
      'policies',
      'policy_results',
      'remaining_uses',
      'token_policies',
      'token_issue_time',
      'token_ttl',
      'token_type',
    ]);
    expect(entry['request']).toEqual({
      client_token: h('hvs.CLIENT'),
      client_token_accessor: h('ACCESSOR1'),
      data: { data: { enabled: true, password: h('hunter2'), port: 5432 } },
      headers: { 'x-correlation-id': ['corr-1'] },
      id: 'req-1',
      mount_accessor: 'kv_1234abcd',
      mount_class: 'secret',
      mount_point: 'secret/',
      mount_type: 'kv',
      namespace: { id: 'root' },
      operation: 'update',
      path: 'secret/data/app',
      remote_address: '10.0.0.7',
      remote_port: 51234,
      wrap_ttl: 300,
    });
    expect(Object.keys(entry['request'])).toEqual(Object.keys(entry['request']).slice().sort());
  });

  it('never contains a secret in clear', () => {
    const line = formatAuditEntry('request', input, config(), TIME);
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('hvs.CLIENT');
    expect(line).not.toContain('ACCESSOR1');
    expect(line).not.toContain('Bearer nope');
  });

  it('leaves accessors raw with hmac_accessor=false, and still HMACs tokens', () => {
    const entry = parse(formatAuditEntry('request', input, config({ hmacAccessor: false }), TIME));
    expect(entry['auth']['accessor']).toBe('ACCESSOR1');
    expect(entry['request']['client_token_accessor']).toBe('ACCESSOR1');
    expect(entry['auth']['client_token']).toBe(h('hvs.CLIENT'));
    expect(entry['request']['data']['data']['password']).toBe(h('hunter2'));
  });

  it('logs everything raw with log_raw=true', () => {
    const entry = parse(formatAuditEntry('request', input, config({ logRaw: true }), TIME));
    expect(entry['auth']['client_token']).toBe('hvs.CLIENT');
    expect(entry['auth']['accessor']).toBe('ACCESSOR1');
    expect(entry['request']['client_token']).toBe('hvs.CLIENT');
    expect(entry['request']['data']).toEqual({ data: { enabled: true, password: 'hunter2', port: 5432 } });
  });

  it('leaves the mount’s audit_non_hmac_request_keys raw', () => {
    const entry = parse(
      formatAuditEntry(
        'request',
        { ...input, request: { ...input.request, data: { username: 'alice', password: 'pw' } }, nonHmacRequestKeys: ['username'] },
        config(),
        TIME,
      ),
    );
    expect(entry['request']['data']).toEqual({ password: h('pw'), username: 'alice' });
  });

  it('omits empty values and auth when there is none; error is logged raw', () => {
    const entry = parse(
      formatAuditEntry(
        'request',
        { request: { id: 'r', operation: 'read', path: 'secret/x', data: {}, headers: {} }, error: '1 error occurred:\n\t* permission denied\n\n' },
        config(),
        TIME,
      ),
    );
    expect(entry).toEqual({
      time: '2024-03-01T10:20:30.456Z',
      error: '1 error occurred:\n\t* permission denied\n\n',
      request: { id: 'r', namespace: { id: 'root' }, operation: 'read', path: 'secret/x' },
      type: 'request',
    });
    expect(Object.keys(entry)).toEqual(['time', 'error', 'request', 'type']);
  });

  it('audits only configured headers, HMACing those configured with hmac (even with log_raw)', () => {
    const headers = { ...DEFAULT_AUDITED_HEADERS, 'x-tenant': { hmac: true } };
    const req = { ...input.request, headers: { 'X-Tenant': ['acme', 'beta'], 'correlation-id': 'c1', cookie: 'session=1' } };
    const entry = parse(formatAuditEntry('request', { request: req }, config({ auditedHeaders: headers, logRaw: true }), TIME));
    expect(entry['request']['headers']).toEqual({ 'correlation-id': ['c1'], 'x-tenant': [h('acme'), h('beta')] });
  });

  it('writes the prefix before the JSON object', () => {
    const line = formatAuditEntry('request', { request: { id: 'r', operation: 'read', path: 'p' } }, config({ prefix: 'AUDIT: ' }), TIME);
    expect(line.startsWith('AUDIT: {"time":')).toBe(true);
    expect(JSON.parse(line.slice('AUDIT: '.length))).toMatchObject({ type: 'request' });
  });
});

describe('response entries', () => {
  const response: AuditResponseInput = {
    ...input,
    request: { ...input.request, operation: 'create', path: 'auth/userpass/login/alice', data: { password: 'pw' } },
    response: {
      auth: {
        clientToken: 'hvs.NEW',
        accessor: 'NEWACC',
        policies: ['default'],
        tokenType: 'service',
        ttl: 60,
        numUses: 5,
        entityCreated: true,
        metadata: { username: 'alice' },
      },
      data: { value: 's3cret', count: 1 },
      secret: { leaseId: 'database/creds/ro/abc' },
      warnings: ['careful'],
      wrapInfo: {
        token: 'hvs.WRAP',
        accessor: 'WRAPACC',
        ttl: 300,
        creationTime: new Date('2024-03-01T10:20:30.5Z'),
        creationPath: 'database/creds/ro',
        wrappedAccessor: 'INNERACC',
      },
      headers: { 'x-custom': ['v'] },
    },
    nonHmacResponseKeys: ['count'],
  };

  it('add response{...} with the auth, data and wrapping token HMAC’d and the lease id raw', () => {
    const entry = parse(formatAuditEntry('response', response, config(), TIME));
    expect(Object.keys(entry)).toEqual(['time', 'auth', 'request', 'response', 'type']);
    expect(entry['type']).toBe('response');
    expect(entry['request']['data']).toEqual({ password: h('pw') });
    expect(entry['response']).toEqual({
      auth: {
        accessor: h('NEWACC'),
        client_token: h('hvs.NEW'),
        entity_created: true,
        metadata: { username: 'alice' },
        num_uses: 5,
        policies: ['default'],
        remaining_uses: 3,
        token_ttl: 60,
        token_type: 'service',
      },
      data: { count: 1, value: h('s3cret') },
      headers: { 'x-custom': ['v'] },
      mount_accessor: 'kv_1234abcd',
      mount_class: 'secret',
      mount_point: 'secret/',
      mount_type: 'kv',
      secret: { lease_id: 'database/creds/ro/abc' },
      wrap_info: {
        accessor: h('WRAPACC'),
        creation_path: 'database/creds/ro',
        creation_time: '2024-03-01T10:20:30.5Z',
        token: h('hvs.WRAP'),
        ttl: 300,
        wrapped_accessor: h('INNERACC'),
      },
      warnings: ['careful'],
    });
    expect(Object.keys(entry['response'])).toEqual([
      'auth',
      'data',
      'headers',
      'mount_accessor',
      'mount_class',
      'mount_point',
      'mount_type',
      'secret',
      'wrap_info',
      'warnings',
    ]);
  });

  it('leave audit_non_hmac_response_keys raw (strings too)', () => {
    const entry = parse(
      formatAuditEntry('response', { ...response, response: { data: { count: 'seven', value: 'x' } } }, config(), TIME),
    );
    expect(entry['response']['data']).toEqual({ count: 'seven', value: h('x') });
  });

  it('keep wrapping accessors raw with hmac_accessor=false', () => {
    const entry = parse(formatAuditEntry('response', response, config({ hmacAccessor: false }), TIME));
    expect(entry['response']['wrap_info']).toMatchObject({ accessor: 'WRAPACC', wrapped_accessor: 'INNERACC', token: h('hvs.WRAP') });
    expect(entry['response']['auth']['accessor']).toBe('NEWACC');
  });

  it('elide list keys and key_info to counts with elide_list_responses', () => {
    const list: AuditResponseInput = {
      request: { id: 'l', operation: 'list', path: 'secret/metadata/' },
      response: { data: { keys: ['a', 'b', 'c'], key_info: { a: {}, b: {} }, other: 'x' } },
    };
    const elided = parse(formatAuditEntry('response', list, config({ elideListResponses: true }), TIME));
    expect(elided['response']['data']).toEqual({ key_info: 2, keys: 3, other: h('x') });
    const full = parse(formatAuditEntry('response', list, config(), TIME));
    expect(full['response']['data']['keys']).toEqual([h('a'), h('b'), h('c')]);
    const read = parse(formatAuditEntry('response', { ...list, request: { ...list.request, operation: 'read' } }, config({ elideListResponses: true }), TIME));
    expect(read['response']['data']['keys']).toHaveLength(3);
  });

  it('omit response when the request failed without one', () => {
    const entry = parse(formatAuditEntry('response', { request: { id: 'x', operation: 'read', path: 'p' }, error: 'permission denied' }, config(), TIME));
    expect(entry['response']).toBeUndefined();
    expect(entry['error']).toBe('permission denied');
  });

  it('HMAC a raw []byte body as a string (http_raw_body)', () => {
    const entry = parse(
      formatAuditEntry('response', { request: { id: 'x', operation: 'read', path: 'pki/ca' }, response: { data: { http_raw_body: Buffer.from('PEM') } } }, config(), TIME),
    );
    expect(entry['response']['data']['http_raw_body']).toBe(h('PEM'));
  });
});

describe('Go-compatible JSON', () => {
  it('sorts map keys, keeps struct order, escapes HTML characters and renders bytes as base64', () => {
    const value = struct({ z: 1, a: { b: 2, a: '<&>\u2028' }, bytes: new Uint8Array([104, 105]), when: new Date(Date.UTC(2024, 0, 1)) });
    expect(encodeGoJson(value)).toBe('{"z":1,"a":{"a":"\\u003c\\u0026\\u003e\\u2028","b":2},"bytes":"aGk=","when":"2024-01-01T00:00:00Z"}');
    expect(encodeGoJson({ '10': 1, '9': 2, b: [undefined, null] })).toBe('{"10":1,"9":2,"b":[null,null]}');
  });
});
