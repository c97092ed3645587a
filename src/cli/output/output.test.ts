import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Secret } from '../../api/index.js';
import { Ui, type CliIo } from '../context.js';
import {
  formatGoValue,
  headerForMap,
  humanDuration,
  mapTable,
  outputList,
  outputSecret,
  padEqualSigns,
  printRawField,
  renderJson,
  renderYaml,
  sealStatusTable,
  secretTable,
  tableOutput,
} from './index.js';

function captureUi(tty = false): { ui: Ui; out: () => string; err: () => string } {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => (o += c.toString()));
  stderr.on('data', (c: Buffer) => (e += c.toString()));
  const io: CliIo = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
    signals: { on: () => undefined, off: () => undefined },
    loadServer: () => Promise.reject(new Error('no server')),
  };
  return { ui: new Ui(io), out: () => o, err: () => e };
}

function secret(data: Record<string, unknown> | null, extra: Partial<Secret> = {}): Secret {
  return { request_id: 'r1', lease_id: '', lease_duration: 0, renewable: false, data, warnings: null, auth: null, wrap_info: null, ...extra };
}

describe('Go value formatting', () => {
  it('formats like %v', () => {
    expect(formatGoValue(null)).toBe('<nil>');
    expect(formatGoValue('s')).toBe('s');
    expect(formatGoValue(3)).toBe('3');
    expect(formatGoValue(false)).toBe('false');
    expect(formatGoValue(['a', 1])).toBe('[a 1]');
    expect(formatGoValue({ b: 1, a: { c: null } })).toBe('map[a:map[c:<nil>] b:1]');
  });

  it('humanDuration drops zero units', () => {
    expect(humanDuration(0)).toBe('0s');
    expect(humanDuration(30)).toBe('30s');
    expect(humanDuration(90)).toBe('1m30s');
    expect(humanDuration(3600)).toBe('1h');
    expect(humanDuration(3660)).toBe('1h1m');
    expect(humanDuration(2764800)).toBe('768h');
    // Go's humanDuration removes the "0m" inside too.
    expect(humanDuration(3601)).toBe('1h1s');
  });
});

describe('tables', () => {
  it('tableOutput underlines the header and aligns with four spaces; empty cells are n/a', () => {
    expect(tableOutput(['Key | Value', 'Sealed | false', 'Storage Type | '])).toBe(
      ['Key             Value', '---             -----', 'Sealed          false', 'Storage Type    n/a'].join('\n'),
    );
  });

  it('padEqualSigns and headerForMap size section titles', () => {
    expect(padEqualSigns('Secret Path', 'secret/data/foo'.length)).toBe('= Secret Path =');
    expect(padEqualSigns('Secret Path', 'secret/data/creds'.length)).toBe('== Secret Path ==');
    expect(padEqualSigns('Data', 0)).toBe('== Data ==');
    expect(headerForMap('Metadata', { created_time: 1, custom_metadata: 2 })).toBe('======= Metadata =======');
    expect(headerForMap('Data', { foo: 'bar' })).toBe('=== Data ===');
  });

  it('mapTable sorts keys and humanizes *_ttl integers', () => {
    expect(mapTable({ zeta: 'z', alpha: null, default_ttl: 3600 })).toBe(
      ['Key            Value', '---            -----', 'alpha          <nil>', 'default_ttl    1h', 'zeta           z'].join('\n'),
    );
  });

  it('secretTable shows refresh_interval for a lease without id, then data', () => {
    const t = secretTable(secret({ foo: 'bar' }, { lease_duration: 2764800 }));
    expect(t).toBe(['Key                 Value', '---                 -----', 'refresh_interval    768h', 'foo                 bar'].join('\n'));
  });

  it('secretTable shows auth fields (the token only because the response carries it)', () => {
    const t = secretTable(secret(null, { auth: { client_token: 'hvs.x', accessor: 'acc', policies: ['default'], token_policies: ['default'], metadata: null, lease_duration: 0, renewable: false } }));
    expect(t).toContain('token_duration       ∞');
    expect(t).toContain('policies             ["default"]');
  });

  it('sealStatusTable matches vault status', () => {
    const t = sealStatusTable(
      { type: 'shamir', initialized: true, sealed: true, t: 3, n: 5, progress: 1, nonce: 'abc', version: '1.0.0', build_date: '2024', migration: false, recovery_seal: false, storage_type: 'sqlite' },
      { ha_enabled: false, is_self: false, leader_address: '', leader_cluster_address: '' },
    );
    expect(t.split('\n')).toEqual([
      'Key                Value',
      '---                -----',
      'Seal Type          shamir',
      'Initialized        true',
      'Sealed             true',
      'Total Shares       5',
      'Threshold          3',
      'Unseal Progress    1/3',
      'Unseal Nonce       abc',
      'Version            1.0.0',
      'Build Date         2024',
      'Storage Type       sqlite',
      'HA Enabled         false',
    ]);
  });
});

describe('JSON and YAML', () => {
  it('renderJson sorts map keys, two-space indents and escapes HTML characters', () => {
    expect(renderJson({ b: 1, a: { d: '<&>', c: [] } })).toBe('{\n  "a": {\n    "c": [],\n    "d": "\\u003c\\u0026\\u003e"\n  },\n  "b": 1\n}');
  });

  it('outputSecret -format=json keeps Go api.Secret field order', () => {
    const { ui, out } = captureUi();
    outputSecret(ui, 'json', secret({ z: 1, a: 2 }, { mount_type: 'kv' }));
    const text = out();
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['request_id', 'lease_id', 'lease_duration', 'renewable', 'data', 'warnings', 'mount_type']);
    expect(text.indexOf('"a"')).toBeLessThan(text.indexOf('"z"'));
  });

  it('renderYaml sorts every key and does not indent sequences', () => {
    expect(renderYaml({ warnings: null, data: { keys: ['a', 'b'] }, lease_id: '' })).toBe('data:\n  keys:\n  - a\n  - b\nlease_id: ""\nwarnings: null');
  });
});

describe('-field', () => {
  it('prints the raw value without a newline when piped, with one on a terminal', () => {
    const piped = captureUi(false);
    expect(printRawField(piped.ui, 'table', secret({ password: 'p@ss' }), 'password')).toBe(0);
    expect(piped.out()).toBe('p@ss');
    const tty = captureUi(true);
    printRawField(tty.ui, 'table', secret({ password: 'p@ss' }), 'password');
    expect(tty.out()).toBe('p@ss\n');
  });

  it('knows the envelope fields and formats structured values per -format', () => {
    const c = captureUi();
    printRawField(c.ui, 'table', secret({ a: 1 }, { lease_duration: 60 }), 'refresh_interval');
    expect(c.out()).toBe('60');
    const j = captureUi();
    printRawField(j.ui, 'json', secret({ m: { b: 2, a: 1 } }), 'm');
    expect(j.out()).toBe('{\n  "a": 1,\n  "b": 2\n}');
  });

  it('fails with exit 1 for a missing field', () => {
    const c = captureUi();
    expect(printRawField(c.ui, 'table', secret({ a: 1 }), 'nope')).toBe(1);
    expect(c.err()).toBe('Field "nope" not present in secret\n');
  });
});

describe('lists and warnings', () => {
  it('outputList prints sorted Keys; json prints the keys array', () => {
    const t = captureUi();
    outputList(t.ui, 'table', secret({ keys: ['b', 'a/'] }));
    expect(t.out()).toBe('Keys\n----\na/\nb\n');
    const j = captureUi();
    outputList(j.ui, 'json', secret({ keys: ['b', 'a/'] }));
    expect(JSON.parse(j.out())).toEqual(['b', 'a/']);
  });

  it('outputList -detailed adds key_info columns', () => {
    const t = captureUi();
    outputList(t.ui, 'table', secret({ keys: ['k1', 'k2'], key_info: { k1: { name: 'one', ttl: 60 }, k2: { name: 'two' } } }), true);
    expect(t.out().split('\n').slice(0, 4)).toEqual(['Keys    name    ttl', '----    ----    ---', 'k1      one     1m', 'k2      two     n/a']);
  });

  it('warnings go to stderr before the table', () => {
    const c = captureUi();
    outputSecret(c.ui, 'table', secret(null, { warnings: ['something odd'] }));
    expect(c.err()).toContain('WARNING! The following warnings were returned');
    expect(c.err()).toContain('  * something odd');
    expect(c.out()).toBe('');
  });
});
