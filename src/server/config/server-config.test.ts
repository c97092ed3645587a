import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../shared/errors.js';
import {
  DEFAULT_LEASE_TTL_SECONDS,
  DEFAULT_MAX_REQUEST_SIZE,
  type ServerConfig,
  loadServerConfig,
  parseBoolish,
  parseServerConfig,
} from './index.js';

const noEnv = { env: {} };

/** Parses with an empty environment (so the machine's VAULT_API_ADDR cannot leak in). */
function parse(text: string, sourceName = 'config.hcl', env: Record<string, string> = {}): ServerConfig {
  return parseServerConfig(text, sourceName, { env });
}

/** The UserError a config produces. */
function failure(text: string, sourceName = 'config.hcl', env: Record<string, string> = {}): UserError {
  try {
    parse(text, sourceName, env);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected the config to be rejected');
}

const PRODUCTION = `
ui            = true
api_addr      = "https://vault.example.com:8200"
cluster_addr  = "https://10.0.0.5:8201"
cluster_name  = "coffer-prod"
disable_mlock = true
log_level     = "Warning"
plugin_directory = "/opt/coffer/plugins"

default_lease_ttl = "768h"
max_lease_ttl     = "8760h"

storage "sqlite" {
  path = "/var/lib/coffer/coffer.db"
}

listener "tcp" {
  address         = "0.0.0.0:8200"
  tls_cert_file   = "/etc/coffer/tls.crt"
  tls_key_file    = "/etc/coffer/tls.key"
  tls_min_version = "tls13"
  max_request_size = 1048576
  max_request_duration = "2m"
}

listener "tcp" {
  address     = "127.0.0.1:8300"
  tls_disable = "1"
}

seal "transit" {
  address    = "https://vault-transit.example.com:8200"
  token      = "hvs.TRANSIT-s3cr3t"
  key_name   = "autounseal"
  mount_path = "transit/"
}

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname          = true
}
`;

describe('parseServerConfig: a realistic HCL config', () => {
  it('reads every field', () => {
    const config = parse(PRODUCTION);
    expect(config).toMatchObject({
      ui: true,
      apiAddr: 'https://vault.example.com:8200',
      clusterAddr: 'https://10.0.0.5:8201',
      clusterName: 'coffer-prod',
      disableMlock: true,
      logLevel: 'warn',
      pluginDirectory: '/opt/coffer/plugins',
      defaultLeaseTtl: 2764800,
      maxLeaseTtl: 8760 * 3600,
      storage: { type: 'sqlite', path: '/var/lib/coffer/coffer.db' },
      seal: {
        type: 'transit',
        options: {
          address: 'https://vault-transit.example.com:8200',
          token: 'hvs.TRANSIT-s3cr3t',
          key_name: 'autounseal',
          mount_path: 'transit/',
        },
      },
    });
    expect(config.listeners).toEqual([
      {
        type: 'tcp',
        address: '0.0.0.0:8200',
        tlsDisable: false,
        tlsCertFile: '/etc/coffer/tls.crt',
        tlsKeyFile: '/etc/coffer/tls.key',
        tlsMinVersion: 'tls13',
        maxRequestSize: 1048576,
        maxRequestDuration: 120,
      },
      { type: 'tcp', address: '127.0.0.1:8300', tlsDisable: true, maxRequestSize: DEFAULT_MAX_REQUEST_SIZE },
    ]);
  });

  it('keeps the parsed document in raw', () => {
    const config = parse(PRODUCTION);
    expect(config.raw.telemetry).toEqual([{ prometheus_retention_time: '30s', disable_hostname: true }]);
    expect(config.raw.ui).toBe(true);
  });

  it('warns, with the position, about fields Coffer ignores', () => {
    expect(parse(PRODUCTION).warnings).toEqual(['field "telemetry" is not supported by Coffer and is ignored at config.hcl:38:1']);
  });
});

describe('parseServerConfig: defaults', () => {
  it('fills Vault defaults in a minimal config', () => {
    const config = parse('storage "inmem" {}\nlistener "tcp" { tls_disable = true }');
    expect(config).toEqual({
      listeners: [{ type: 'tcp', address: '127.0.0.1:8200', tlsDisable: true, maxRequestSize: 33554432 }],
      storage: { type: 'inmem' },
      defaultLeaseTtl: DEFAULT_LEASE_TTL_SECONDS,
      maxLeaseTtl: 2764800,
      ui: false,
      disableMlock: false,
      raw: { storage: [{ inmem: {} }], listener: [{ tcp: { tls_disable: true } }] },
      warnings: [],
    });
  });

  it('treats 0 as the default for TTLs and max_request_size, negative size as no limit', () => {
    const config = parse(`
      default_lease_ttl = 0
      max_lease_ttl = "0s"
      storage "inmem" {}
      listener "tcp" { tls_disable = true, max_request_size = 0 }
      listener "tcp" { tls_disable = true, max_request_size = -5, address = ":8201" }
      listener "tcp" { tls_disable = true, max_request_size = "2048", address = "[::1]:8202" }
    `);
    expect(config.defaultLeaseTtl).toBe(DEFAULT_LEASE_TTL_SECONDS);
    expect(config.maxLeaseTtl).toBe(DEFAULT_LEASE_TTL_SECONDS);
    expect(config.listeners.map((l) => l.maxRequestSize)).toEqual([DEFAULT_MAX_REQUEST_SIZE, -1, 2048]);
  });

  it('accepts TTLs as seconds or duration strings', () => {
    const ttl = (d: string, m: string) => {
      const c = parse(`default_lease_ttl = ${d}\nmax_lease_ttl = ${m}\nstorage "inmem" {}\nlistener "tcp" { tls_disable = 1 }`);
      return [c.defaultLeaseTtl, c.maxLeaseTtl];
    };
    expect(ttl('3600', '7200')).toEqual([3600, 7200]);
    expect(ttl('"1h"', '"2h30m"')).toEqual([3600, 9000]);
    expect(ttl('"3600"', '"7d"')).toEqual([3600, 604800]);
  });

  it('uses default_max_request_duration for listeners without their own', () => {
    const config = parse(`
      default_max_request_duration = "30s"
      storage "inmem" {}
      listener "tcp" { tls_disable = true }
      listener "tcp" { tls_disable = true, address = "127.0.0.1:8201", max_request_duration = 5 }
    `);
    expect(config.listeners.map((l) => l.maxRequestDuration)).toEqual([30, 5]);
  });
});

describe('parseServerConfig: tls_disable and other booleans', () => {
  it.each([
    [true, true],
    [false, false],
    ['"true"', true],
    ['"1"', true],
    ['"t"', true],
    ['"TRUE"', true],
    ['"false"', false],
    ['"0"', false],
    ['1', true],
    ['0', false],
  ])('tls_disable = %s', (value, expected) => {
    const config = parse(`storage "inmem" {}\nlistener "tcp" {\n tls_disable = ${String(value)}\n tls_cert_file = "c"\n tls_key_file = "k"\n}`);
    expect(config.listeners[0]?.tlsDisable).toBe(expected);
  });

  it('rejects other values without quoting them', () => {
    const err = failure('storage "inmem" {}\nlistener "tcp" {\n  tls_disable = "yes-please"\n}');
    expect(err.message).toBe(
      'invalid configuration in config.hcl: listener "tcp": tls_disable at 3:3: expected a boolean (true or false; "true", "false", "1" and "0" are accepted too)',
    );
    expect(err.message).not.toContain('yes-please');
  });

  it('parseBoolish follows Vault (parseutil.ParseBool)', () => {
    expect(['1', 't', 'T', 'TRUE', 'true', 'True', 1, 2, true].map(parseBoolish)).toEqual(Array(9).fill(true));
    expect(['', '0', 'f', 'F', 'FALSE', 'false', 'False', 0, false].map(parseBoolish)).toEqual(Array(9).fill(false));
    expect(['yes', 'on', null, [], {}, Number.NaN].map(parseBoolish)).toEqual(Array(6).fill(undefined));
  });

  it('reads ui and disable_mlock leniently too', () => {
    const config = parse('ui = "true"\ndisable_mlock = "1"\nstorage "inmem" {}\nlistener "tcp" { tls_disable = true }');
    expect([config.ui, config.disableMlock]).toEqual([true, true]);
  });
});

describe('parseServerConfig: TLS', () => {
  it('requires both files when TLS is enabled (the default), naming the missing one', () => {
    const err = failure('storage "inmem" {}\n\nlistener "tcp" {\n  address = "0.0.0.0:8200"\n  tls_key_file = "/k"\n}');
    expect(err.message).toBe(
      'invalid configuration in config.hcl: listener "tcp" at 3:1: tls_cert_file must be set when TLS is enabled (set tls_disable = true to serve plain HTTP)',
    );
    const err2 = failure('storage "inmem" {}\nlistener "tcp" { tls_cert_file = "/c" }');
    expect(err2.message).toMatch(/listener "tcp" at 2:1: tls_key_file must be set when TLS is enabled/);
    const err3 = failure('storage "inmem" {}\nlistener "tcp" {}');
    expect(err3.details).toEqual([
      'listener "tcp" at 2:1: tls_cert_file must be set when TLS is enabled (set tls_disable = true to serve plain HTTP)',
      'listener "tcp" at 2:1: tls_key_file must be set when TLS is enabled (set tls_disable = true to serve plain HTTP)',
    ]);
  });

  it('rejects unsupported TLS versions and empty file names', () => {
    expect(failure('storage "inmem" {}\nlistener "tcp" {\n tls_disable = true\n tls_min_version = "tls10"\n}').message).toMatch(
      /listener "tcp": tls_min_version at 4:2: unsupported TLS version; expected "tls12" or "tls13"/,
    );
    expect(failure('storage "inmem" {}\nlistener "tcp" {\n tls_cert_file = ""\n tls_key_file = "k"\n}').message).toMatch(
      /listener "tcp": tls_cert_file at 3:2: must not be empty/,
    );
  });
});

describe('parseServerConfig: listeners', () => {
  it('requires at least one listener', () => {
    expect(failure('storage "inmem" {}').message).toBe(
      'invalid configuration in config.hcl: listener: at least one "listener" block is required, such as listener "tcp" { address = "127.0.0.1:8200" }',
    );
  });

  it('rejects listener types other than tcp', () => {
    expect(failure('storage "inmem" {}\nlistener "unix" { address = "/run/vault.sock" }').message).toMatch(
      /listener "unix" at 2:1: listener type not supported by Coffer; only "tcp" listeners are/,
    );
  });

  it('rejects a listener without its type label', () => {
    expect(failure('storage "inmem" {}\nlistener { address = "x" }').message).toMatch(
      /invalid "listener" at 2:1: expected a block with 1 label, like listener "<label>" \{ \.\.\. \}/,
    );
  });

  it('validates the address', () => {
    for (const address of ['localhost', '1.2.3.4:99999', 'a:b', '::1:8200']) {
      expect(failure(`storage "inmem" {}\nlistener "tcp" {\n tls_disable = true\n address = "${address}"\n}`).message).toMatch(
        /listener "tcp": address at 4:2: invalid address; expected host:port/,
      );
    }
  });

  it('validates max_request_size and max_request_duration', () => {
    expect(failure('storage "inmem" {}\nlistener "tcp" { tls_disable = true, max_request_size = 1.5 }').message).toMatch(
      /listener "tcp": max_request_size at 2:38: expected an integer/,
    );
    expect(failure('storage "inmem" {}\nlistener "tcp" { tls_disable = true, max_request_duration = "soon" }').message).toMatch(
      /listener "tcp": max_request_duration at 2:38: invalid duration/,
    );
  });

  it('warns about listener fields Coffer ignores', () => {
    const config = parse('storage "inmem" {}\nlistener "tcp" {\n tls_disable = true\n cluster_address = "0.0.0.0:8201"\n}');
    expect(config.warnings).toEqual(['field "cluster_address" in listener "tcp" is not supported by Coffer and is ignored at config.hcl:4:2']);
  });
});

describe('parseServerConfig: storage', () => {
  const listener = '\nlistener "tcp" { tls_disable = true }\n';

  it('requires a storage block', () => {
    expect(failure(`ui = true${listener}`).message).toBe(
      'invalid configuration in config.hcl: storage: a storage backend must be specified, such as storage "sqlite" { path = "/var/lib/coffer/coffer.db" }',
    );
  });

  it('accepts "backend" as an alias', () => {
    expect(parse(`backend "sqlite" { path = "/data/c.db" }${listener}`).storage).toEqual({ type: 'sqlite', path: '/data/c.db' });
  });

  it('rejects both storage and backend, and repeated storage blocks', () => {
    expect(failure(`storage "inmem" {}\nbackend "inmem" {}${listener}`).message).toMatch(
      /backend at 2:1: "backend" is an old name for "storage"; give only one of them/,
    );
    expect(failure(`storage "inmem" {}\nstorage "sqlite" { path = "x" }${listener}`).message).toMatch(
      /storage at 1:1: only one "storage" block is permitted \(another one at 2:1\)/,
    );
  });

  it('requires the sqlite path', () => {
    expect(failure(`storage "sqlite" {}${listener}`).message).toMatch(/storage "sqlite" at 1:1: path is required/);
    expect(failure(`storage "sqlite" { path = 42 }${listener}`).message).toMatch(/storage "sqlite": path at 1:20: expected a string/);
  });

  it('parses postgresql, never echoing the connection URL', () => {
    const url = 'postgres://coffer:pa55w0rd@db:5432/coffer?sslmode=require';
    expect(parse(`storage "postgresql" {\n connection_url = "${url}"\n table = "coffer_kv"\n}${listener}`).storage).toEqual({
      type: 'postgresql',
      connectionUrl: url,
      table: 'coffer_kv',
    });
    expect(parse(`storage "postgresql" { connection_url = "${url}" }${listener}`).storage).toEqual({ type: 'postgresql', connectionUrl: url });
    const err = failure(`storage "postgresql" {\n connection_url = ["${url}"]\n}${listener}`);
    expect(err.message).toMatch(/storage "postgresql": connection_url at 2:2: expected a string/);
    expect(err.message).not.toContain('pa55w0rd');
  });

  it('takes the postgresql URL from VAULT_PG_CONNECTION_URL, which wins as in Vault', () => {
    const env = { VAULT_PG_CONNECTION_URL: 'postgres://from-env/db' };
    expect(parse(`storage "postgresql" {}${listener}`, 'c.hcl', env).storage).toEqual({ type: 'postgresql', connectionUrl: 'postgres://from-env/db' });
    expect(parse(`storage "postgresql" { connection_url = "postgres://file/db" }${listener}`, 'c.hcl', env).storage).toMatchObject({
      connectionUrl: 'postgres://from-env/db',
    });
    expect(failure(`storage "postgresql" {}${listener}`).message).toMatch(
      /storage "postgresql" at 1:1: connection_url is required \(or set VAULT_PG_CONNECTION_URL\)/,
    );
  });

  it('rejects storage types Coffer does not have', () => {
    expect(failure(`storage "raft" {\n path = "/x"\n node_id = "n1"\n}${listener}`).message).toMatch(
      /storage "raft" at 1:1: storage type not supported by Coffer; use "sqlite" \(embedded\), "postgresql" \(several nodes\) or "inmem" \(tests\)/,
    );
  });

  it('warns about storage options Coffer ignores', () => {
    const config = parse(`storage "sqlite" {\n path = "/x"\n max_parallel = "128"\n}${listener}`);
    expect(config.warnings).toEqual(['field "max_parallel" in storage "sqlite" is not supported by Coffer and is ignored at config.hcl:3:2']);
  });
});

describe('parseServerConfig: seal', () => {
  const base = 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n';

  it('is optional', () => {
    expect(parse(base).seal).toBeUndefined();
  });

  it('keeps the options of any seal type', () => {
    expect(parse(`${base}seal "pkcs11" {\n lib = "/usr/lib/softhsm/libsofthsm2.so"\n slot = "0"\n pin = "1234"\n key_label = "coffer"\n}`).seal).toEqual({
      type: 'pkcs11',
      options: { lib: '/usr/lib/softhsm/libsofthsm2.so', slot: '0', pin: '1234', key_label: 'coffer' },
    });
  });

  it('rejects two seal blocks', () => {
    expect(failure(`${base}seal "transit" {}\nseal "shamir" {\n disabled = "true"\n}`).message).toMatch(
      /seal at 3:1: only one "seal" block is supported by Coffer \(another one at 4:1\)/,
    );
  });
});

describe('parseServerConfig: durations and TTLs', () => {
  const base = 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n';

  it('rejects bad durations with the key and position, not the value', () => {
    const err = failure(`${base}default_lease_ttl = "768 hours"`);
    expect(err.message).toBe(
      'invalid configuration in config.hcl: default_lease_ttl at 3:1: invalid duration; expected a number of seconds or a duration such as "768h", "1h30m" or "90s"',
    );
    expect(err.message).not.toContain('hours');
    expect(failure(`${base}max_lease_ttl = true`).message).toMatch(/max_lease_ttl at 3:1: invalid duration/);
    expect(failure(`${base}max_lease_ttl = "-1h"`).message).toMatch(/max_lease_ttl at 3:1: a duration must not be negative/);
  });

  it('rejects a default TTL above the maximum', () => {
    expect(failure(`${base}default_lease_ttl = "48h"\nmax_lease_ttl = "24h"`).message).toMatch(
      /default_lease_ttl at 3:1: 48h0m0s must not be greater than max_lease_ttl \(24h0m0s\)$/,
    );
    expect(failure(`${base}max_lease_ttl = "1h"`).message).toMatch(
      /default_lease_ttl at 3:1: 768h0m0s must not be greater than max_lease_ttl \(1h0m0s\) \(default_lease_ttl defaults to 768h0m0s; set it as well\)/,
    );
  });
});

describe('parseServerConfig: top-level fields', () => {
  const base = 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n';

  it('warns about unknown fields like Vault, and about Vault fields Coffer ignores', () => {
    const config = parse(`${base}ui = true\nfrobnicate = 1\npid_file = "/run/v.pid"\nservice_registration "kubernetes" {}`);
    expect(config.warnings).toEqual([
      'unknown or unsupported field "frobnicate" found in configuration at config.hcl:4:1',
      'field "pid_file" is not supported by Coffer and is ignored at config.hcl:5:1',
      'field "service_registration" is not supported by Coffer and is ignored at config.hcl:6:1',
    ]);
  });

  it('validates types of scalar fields', () => {
    const err = failure(`${base}api_addr = 8200\ncluster_name = ["a"]\nui = "maybe"`);
    expect(err.details).toEqual([
      'ui at 5:1: expected a boolean (true or false; "true", "false", "1" and "0" are accepted too)',
      'api_addr at 3:1: expected a string',
      'cluster_name at 4:1: expected a string',
    ]);
  });

  it('normalises log levels like Vault and rejects unknown ones', () => {
    const level = (l: string) => parse(`${base}log_level = "${l}"`).logLevel;
    expect(['TRACE', 'debug', 'notice', 'Info', 'warn', 'warning', 'err', 'ERROR'].map(level)).toEqual([
      'trace',
      'debug',
      'info',
      'info',
      'warn',
      'warn',
      'error',
      'error',
    ]);
    expect(failure(`${base}log_level = "loud"`).message).toMatch(/log_level at 3:1: unknown log level/);
  });

  it('reports every problem at once', () => {
    const err = failure('ui = "x"\nlistener "tcp" {}\nstorage "raft" {}');
    expect(err.details).toHaveLength(4);
    for (const detail of err.details) expect(err.message).toContain(detail);
  });

  it('reports HCL syntax errors with the file name and position', () => {
    expect(() => parse('storage "inmem" {\n  path = \n}', '/etc/coffer/server.hcl')).toThrow(
      /^error parsing \/etc\/coffer\/server\.hcl at 3:1: expected a value for "path"/,
    );
  });

  it('rejects duplicate attributes', () => {
    expect(() => parse(`${base}ui = true\nui = false`)).toThrow(/at 4:1: duplicate attribute "ui"/);
  });

  it('works without a source name', () => {
    const err = (() => {
      try {
        parseServerConfig('ui = true', undefined, noEnv);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toMatch(/^invalid configuration: listener: at least one/);
  });
});

describe('parseServerConfig: environment overrides', () => {
  const base = 'api_addr = "https://from-file:8200"\nstorage "inmem" {}\nlistener "tcp" { tls_disable = true }\n';

  it('VAULT_API_ADDR overrides api_addr, COFFER_API_ADDR overrides both', () => {
    expect(parse(base).apiAddr).toBe('https://from-file:8200');
    expect(parse(base, 'c', { VAULT_API_ADDR: 'https://vault-env:8200' }).apiAddr).toBe('https://vault-env:8200');
    expect(parse(base, 'c', { VAULT_API_ADDR: 'https://vault-env:8200', COFFER_API_ADDR: 'https://coffer-env:8200' }).apiAddr).toBe(
      'https://coffer-env:8200',
    );
    expect(parse(base, 'c', { VAULT_API_ADDR: '' }).apiAddr).toBe('https://from-file:8200');
  });

  it('sets apiAddr from the environment when the file has none', () => {
    expect(parse('storage "inmem" {}\nlistener "tcp" { tls_disable = true }', 'c', { COFFER_API_ADDR: 'http://x:1' }).apiAddr).toBe('http://x:1');
  });

  it('reads process.env by default', () => {
    const saved = process.env.COFFER_API_ADDR;
    process.env.COFFER_API_ADDR = 'http://process-env:8200';
    try {
      expect(parseServerConfig(base).apiAddr).toBe('http://process-env:8200');
    } finally {
      if (saved === undefined) delete process.env.COFFER_API_ADDR;
      else process.env.COFFER_API_ADDR = saved;
    }
  });
});

describe('parseServerConfig: JSON', () => {
  it('reads a JSON config with object-style blocks the same as HCL', () => {
    const json = `{
      "ui": true,
      "api_addr": "https://vault.example.com:8200",
      "default_lease_ttl": "1h",
      "max_lease_ttl": 86400,
      "storage": { "sqlite": { "path": "/var/lib/coffer/coffer.db" } },
      "listener": { "tcp": { "address": "0.0.0.0:8200", "tls_disable": "true" } },
      "seal": { "transit": { "key_name": "autounseal" } }
    }`;
    const hcl = `
      ui = true
      api_addr = "https://vault.example.com:8200"
      default_lease_ttl = "1h"
      max_lease_ttl = 86400
      storage "sqlite" { path = "/var/lib/coffer/coffer.db" }
      listener "tcp" {
        address = "0.0.0.0:8200"
        tls_disable = "true"
      }
      seal "transit" { key_name = "autounseal" }
    `;
    const fromJson = parse(json, 'config.json');
    const fromHcl = parse(hcl);
    expect({ ...fromJson, raw: undefined }).toEqual({ ...fromHcl, raw: undefined });
    expect(fromJson).toMatchObject({ defaultLeaseTtl: 3600, maxLeaseTtl: 86400, storage: { type: 'sqlite' } });
  });

  it('reads array-style blocks (several listeners)', () => {
    const json = `{
      "storage": [{ "inmem": {} }],
      "listener": [
        { "tcp": { "address": "127.0.0.1:8200", "tls_disable": true } },
        { "tcp": { "address": "127.0.0.1:8201", "tls_cert_file": "/c", "tls_key_file": "/k" } }
      ]
    }`;
    expect(parse(json, 'config.json').listeners.map((l) => [l.address, l.tlsDisable])).toEqual([
      ['127.0.0.1:8200', true],
      ['127.0.0.1:8201', false],
    ]);
  });

  it('reports JSON problems without positions but with the source', () => {
    const err = failure('{"storage": {"inmem": {}}, "listener": {"tcp": {}}, "colour": "blue"}', 'config.json');
    expect(err.details).toEqual([
      'listener "tcp": tls_cert_file must be set when TLS is enabled (set tls_disable = true to serve plain HTTP)',
      'listener "tcp": tls_key_file must be set when TLS is enabled (set tls_disable = true to serve plain HTTP)',
    ]);
    const ok = parse('{"storage": {"inmem": {}}, "listener": {"tcp": {"tls_disable": 1}}, "colour": "blue"}', 'config.json');
    expect(ok.warnings).toEqual(['unknown or unsupported field "colour" found in configuration in config.json']);
  });

  it('reports malformed JSON with a position', () => {
    expect(() => parse('{"storage": {"inmem": {}},}', 'config.json')).toThrow(/^error parsing config\.json at 1:27: invalid JSON/);
  });
});

describe('parseServerConfig: secrets never reach messages', () => {
  it('does not echo values from a broken config', () => {
    const secret = 'hvs.S3CR3T-token-value';
    const docs = [
      `seal "transit" { token = "${secret}" }\nui = "${secret}"`,
      `api_addr = ["${secret}"]\nstorage "postgresql" { connection_url = { x = "${secret}" } }`,
      `listener "tcp" { address = "${secret}", tls_disable = "${secret}" }`,
      `storage "${secret}" {}`.replace(secret, 'sqlite') + `\nlog_level = "${secret}"\ndefault_lease_ttl = "${secret}"`,
    ];
    for (const doc of docs) {
      const err = failure(doc);
      expect(err.message).not.toContain('S3CR3T');
      for (const d of err.details) expect(d).not.toContain('S3CR3T');
    }
  });
});

describe('loadServerConfig', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads an HCL file and names it in messages', async () => {
    const path = join(dir, 'server.hcl');
    await writeFile(path, PRODUCTION);
    const config = await loadServerConfig(path, noEnv);
    expect(config.storage).toEqual({ type: 'sqlite', path: '/var/lib/coffer/coffer.db' });
    expect(config.warnings[0]).toContain(`${path}:38:1`);
  });

  it('loads a JSON file', async () => {
    const path = join(dir, 'server.json');
    await writeFile(path, JSON.stringify({ storage: { inmem: {} }, listener: { tcp: { tls_disable: true } }, ui: true }));
    expect(await loadServerConfig(path, noEnv)).toMatchObject({ ui: true, storage: { type: 'inmem' } });
  });

  it('names the file in validation errors', async () => {
    const path = join(dir, 'bad.hcl');
    await writeFile(path, 'listener "tcp" { tls_disable = true }\n');
    await expect(loadServerConfig(path, noEnv)).rejects.toThrow(`invalid configuration in ${path}: storage: a storage backend must be specified`);
  });

  it('reports a missing file and a directory', async () => {
    await expect(loadServerConfig(join(dir, 'nope.hcl'))).rejects.toThrow(/^error loading configuration from .*nope\.hcl: no such file$/);
    await expect(loadServerConfig(dir)).rejects.toThrow(/it is a directory/);
    await expect(loadServerConfig(join(dir, 'nope.hcl'))).rejects.toBeInstanceOf(UserError);
  });
});
