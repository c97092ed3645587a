/**
 * Real-world Vault server configs and ACL policies (as in Vault's docs and tutorials), in HCL
 * and JSON, read through the helpers the config loader and the policy parser use.
 */
import { describe, expect, it } from 'vitest';
import { parseHclOrJson } from './json.js';
import { type HclObject, attr, block, blocks } from './model.js';
import { parseHcl } from './parser.js';

const SERVER_CONFIG = `
# Vault server configuration (production-style)
ui            = true
cluster_addr  = "https://10.0.0.5:8201"
api_addr      = "https://vault.example.com:8200"
disable_mlock = true
cluster_name  = "vault-prod"
log_level     = "Info"

default_lease_ttl = "768h"
max_lease_ttl     = "8760h"

storage "raft" {
  path    = "/opt/vault/data"
  node_id = "vault-1"

  retry_join {
    leader_api_addr = "https://vault-2.example.com:8200"
  }
  retry_join {
    leader_api_addr = "https://vault-3.example.com:8200"
  }
}

listener "tcp" {
  address            = "0.0.0.0:8200"
  cluster_address    = "0.0.0.0:8201"
  tls_cert_file      = "/opt/vault/tls/tls.crt"
  tls_key_file       = "/opt/vault/tls/tls.key"
  tls_min_version    = "tls12"
  max_request_size   = 33554432
  max_request_duration = "90s"

  telemetry {
    unauthenticated_metrics_access = true
  }
}

listener "tcp" {
  address     = "127.0.0.1:8300"
  tls_disable = "true"
}

seal "transit" {
  address         = "https://vault-transit.example.com:8200"
  token           = "hvs.CAESIBOGUS-transit-token"
  disable_renewal = "false"

  // Key configuration
  key_name        = "autounseal"
  mount_path      = "transit/"
  namespace       = "ns1/"

  // TLS Configuration
  tls_ca_cert     = "/etc/vault/ca_cert.pem"
  tls_skip_verify = "false"
}

telemetry {
  statsite_address = "127.0.0.1:8125"
  disable_hostname = true
  prometheus_retention_time = "30s"
}

service_registration "kubernetes" {}
`;

const SERVER_CONFIG_JSON = `{
  "ui": true,
  "api_addr": "https://vault.example.com:8200",
  "default_lease_ttl": "768h",
  "storage": { "raft": { "path": "/opt/vault/data", "node_id": "vault-1" } },
  "listener": [
    { "tcp": { "address": "0.0.0.0:8200", "tls_cert_file": "/t.crt", "tls_key_file": "/t.key" } },
    { "tcp": { "address": "127.0.0.1:8300", "tls_disable": "true" } }
  ],
  "seal": { "transit": { "address": "https://t:8200", "key_name": "autounseal" } },
  "telemetry": { "disable_hostname": true }
}`;

function summary(doc: HclObject) {
  return {
    ui: attr(doc, 'ui'),
    apiAddr: attr(doc, 'api_addr'),
    storage: block(doc, 'storage')?.labels,
    listeners: blocks(doc, 'listener').map((b) => ({ type: b.labels[0], address: b.body.address })),
    seal: blocks(doc, 'seal').map((b) => [b.labels[0], b.body.key_name]),
    telemetry: blocks(doc, 'telemetry', 0).map((b) => b.body.disable_hostname),
  };
}

describe('a real Vault server config', () => {
  it('parses every part', () => {
    const doc = parseHcl(SERVER_CONFIG);
    expect(doc.ui).toBe(true);
    expect(doc.default_lease_ttl).toBe('768h');
    expect(doc.log_level).toBe('Info');
    const storage = block(doc, 'storage');
    expect(storage?.labels).toEqual(['raft']);
    expect(storage?.position).toMatchObject({ line: 13, column: 1 });
    expect(blocks(storage?.body ?? {}, 'retry_join', 0).map((b) => b.body.leader_api_addr)).toEqual([
      'https://vault-2.example.com:8200',
      'https://vault-3.example.com:8200',
    ]);
    const listeners = blocks(doc, 'listener');
    expect(listeners).toHaveLength(2);
    expect(listeners[0]?.body).toMatchObject({
      address: '0.0.0.0:8200',
      tls_min_version: 'tls12',
      max_request_size: 33554432,
      max_request_duration: '90s',
      telemetry: [{ unauthenticated_metrics_access: true }],
    });
    expect(listeners[1]?.body).toEqual({ address: '127.0.0.1:8300', tls_disable: 'true' });
    const seal = block(doc, 'seal');
    expect(seal?.labels).toEqual(['transit']);
    expect(seal?.body).toMatchObject({ key_name: 'autounseal', mount_path: 'transit/', tls_skip_verify: 'false' });
    expect(block(doc, 'telemetry', 0)?.body).toEqual({
      statsite_address: '127.0.0.1:8125',
      disable_hostname: true,
      prometheus_retention_time: '30s',
    });
    expect(block(doc, 'service_registration')?.labels).toEqual(['kubernetes']);
  });

  it('reads the same through the helpers in HCL and JSON', () => {
    const hcl = summary(parseHclOrJson(SERVER_CONFIG));
    const json = summary(parseHclOrJson(SERVER_CONFIG_JSON));
    expect(json).toEqual({
      ui: true,
      apiAddr: 'https://vault.example.com:8200',
      storage: ['raft'],
      listeners: [
        { type: 'tcp', address: '0.0.0.0:8200' },
        { type: 'tcp', address: '127.0.0.1:8300' },
      ],
      seal: [['transit', 'autounseal']],
      telemetry: [true],
    });
    expect(hcl).toEqual(json);
  });
});

const POLICIES = {
  admin: `
# Manage auth methods broadly across Vault
path "auth/*"
{
  capabilities = ["create", "read", "update", "delete", "list", "sudo"]
}

# Create, update, and delete auth methods
path "sys/auth/*"
{
  capabilities = ["create", "update", "delete", "sudo"]
}

# List auth methods
path "sys/auth"
{
  capabilities = ["read"]
}

# Deny access to a subtree
path "secret/data/super-secret/*" {
  capabilities = ["deny"]
}
`,
  parameters: `
path "secret/foo" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "bar" = ["zip", "zap"]
    "*"   = []
  }
  denied_parameters = {
    "salary" = []
    "ssn"    = ["*"]
  }
  required_parameters = ["bar", "baz"]
}

path "secret/wrapped" {
  capabilities     = ["read"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "90s"
}

path "auth/approle/role/+/secret-id" {
  capabilities = ["create", "update"]
  control_group = {
    factor "ops_manager" {
      identity {
        group_names = ["managers"]
        approvals   = 1
      }
    }
  }
}
`,
  templated: `
path "secret/data/{{identity.entity.id}}/*" {
  capabilities = ["create", "update", "patch", "read", "delete"]
}

path "secret/metadata/{{identity.entity.id}}/*" {
  capabilities = ["list"]
}

path "secret/data/{{identity.entity.aliases.auth_kubernetes_4a3c2f1e.metadata.service_account_namespace}}/*" {
  capabilities = ["read"]
}

path "identity/group/id/{{identity.groups.names.engineers.id}}" {
  capabilities = ["read"]
}
`,
  legacy: `
// Old-style policy with the "policy" attribute (still accepted by Vault)
path "secret/*" {
  policy = "write"
}
path "secret/foo" { policy = "read" }
path "auth/token/lookup-self" { policy = "read" }
`,
};

function paths(doc: HclObject): HclObject[] {
  return blocks(doc, 'path').map((b) => ({ path: b.labels[0] ?? '', ...b.body }));
}

describe('real Vault ACL policies', () => {
  it('parses an admin policy (braces on the next line)', () => {
    expect(paths(parseHcl(POLICIES.admin))).toEqual([
      { path: 'auth/*', capabilities: ['create', 'read', 'update', 'delete', 'list', 'sudo'] },
      { path: 'sys/auth/*', capabilities: ['create', 'update', 'delete', 'sudo'] },
      { path: 'sys/auth', capabilities: ['read'] },
      { path: 'secret/data/super-secret/*', capabilities: ['deny'] },
    ]);
  });

  it('parses parameter constraints, wrapping TTLs and control groups', () => {
    const [foo, wrapped, approle] = paths(parseHcl(POLICIES.parameters));
    expect(foo).toEqual({
      path: 'secret/foo',
      capabilities: ['create', 'update'],
      allowed_parameters: { bar: ['zip', 'zap'], '*': [] },
      denied_parameters: { salary: [], ssn: ['*'] },
      required_parameters: ['bar', 'baz'],
    });
    expect(wrapped).toEqual({ path: 'secret/wrapped', capabilities: ['read'], min_wrapping_ttl: '1s', max_wrapping_ttl: '90s' });
    expect(approle?.path).toBe('auth/approle/role/+/secret-id');
    const factors = blocks(approle?.control_group as HclObject, 'factor');
    expect(factors.map((f) => [f.labels[0], blocks(f.body, 'identity', 0)[0]?.body])).toEqual([
      ['ops_manager', { group_names: ['managers'], approvals: 1 }],
    ]);
  });

  it('keeps templated paths intact', () => {
    expect(paths(parseHcl(POLICIES.templated)).map((p) => p.path)).toEqual([
      'secret/data/{{identity.entity.id}}/*',
      'secret/metadata/{{identity.entity.id}}/*',
      'secret/data/{{identity.entity.aliases.auth_kubernetes_4a3c2f1e.metadata.service_account_namespace}}/*',
      'identity/group/id/{{identity.groups.names.engineers.id}}',
    ]);
  });

  it('parses legacy "policy" attributes', () => {
    expect(paths(parseHcl(POLICIES.legacy))).toEqual([
      { path: 'secret/*', policy: 'write' },
      { path: 'secret/foo', policy: 'read' },
      { path: 'auth/token/lookup-self', policy: 'read' },
    ]);
  });

  it('reads a JSON policy the same as its HCL twin', () => {
    const json = `{
      "path": {
        "secret/foo": {
          "capabilities": ["create", "update"],
          "allowed_parameters": { "bar": ["zip", "zap"], "*": [] },
          "denied_parameters": { "salary": [], "ssn": ["*"] },
          "required_parameters": ["bar", "baz"]
        },
        "secret/wrapped": { "capabilities": ["read"], "min_wrapping_ttl": "1s", "max_wrapping_ttl": "90s" }
      }
    }`;
    expect(paths(parseHclOrJson(json))).toEqual(paths(parseHclOrJson(POLICIES.parameters)).slice(0, 2));
  });

  it('reads the array JSON form of a policy', () => {
    const json = '{"path": [{"secret/a": {"capabilities": ["read"]}}, {"secret/b": {"capabilities": ["list"]}}]}';
    expect(paths(parseHclOrJson(json))).toEqual([
      { path: 'secret/a', capabilities: ['read'] },
      { path: 'secret/b', capabilities: ['list'] },
    ]);
  });

  it('parses a policy given as a heredoc inside another document', () => {
    const doc = parseHcl(`policy = <<-EOT\n  path "secret/*" {\n    capabilities = ["read"]\n  }\n  EOT\n`);
    expect(paths(parseHcl(doc.policy as string))).toEqual([{ path: 'secret/*', capabilities: ['read'] }]);
  });
});
