import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from './exit.js';
import { parseFlags, type FlagSpec } from './flags.js';

const SPECS: FlagSpec[] = [
  { name: 'format', kind: 'string', usage: '', default: 'table', env: ['VAULT_FORMAT'] },
  { name: 'dev', kind: 'bool', usage: '' },
  { name: 'version', kind: 'int', usage: '' },
  { name: 'cas', kind: 'int', usage: '', default: -1 },
  { name: 'ttl', kind: 'duration', usage: '' },
  { name: 'versions', kind: 'list', usage: '' },
  { name: 'options', kind: 'map', usage: '' },
  { name: 'key-shares', kind: 'int', usage: '', aliases: ['n'] },
];

describe('parseFlags (Go flag semantics)', () => {
  it('accepts one or two dashes, with = or a separate value', () => {
    for (const argv of [['-format=json'], ['--format=json'], ['-format', 'json'], ['--format', 'json']]) {
      const { flags, args } = parseFlags(SPECS, argv);
      expect(flags.string('format')).toBe('json');
      expect(args).toEqual([]);
    }
  });

  it('booleans: bare means true, =false works, and a bool never eats the next argument', () => {
    expect(parseFlags(SPECS, ['-dev']).flags.bool('dev')).toBe(true);
    expect(parseFlags(SPECS, ['-dev=false']).flags.bool('dev')).toBe(false);
    const { flags, args } = parseFlags(SPECS, ['-dev', 'secret/foo']);
    expect(flags.bool('dev')).toBe(true);
    expect(args).toEqual(['secret/foo']);
    expect(() => parseFlags(SPECS, ['-dev=maybe'])).toThrow('invalid boolean value "maybe" for -dev: parse error');
  });

  it('defaults, environment defaults and isSet', () => {
    const none = parseFlags(SPECS, []);
    expect(none.flags.string('format')).toBe('table');
    expect(none.flags.int('cas')).toBe(-1);
    expect(none.flags.isSet('format')).toBe(false);
    expect(parseFlags(SPECS, [], { VAULT_FORMAT: 'yaml' }).flags.string('format')).toBe('yaml');
    expect(parseFlags(SPECS, ['-format=json'], { VAULT_FORMAT: 'yaml' }).flags.string('format')).toBe('json');
    expect(parseFlags(SPECS, ['-cas=0']).flags.isSet('cas')).toBe(true);
  });

  it('ints, negative ints, durations ("system" is -1) and aliases', () => {
    expect(parseFlags(SPECS, ['-version=3']).flags.int('version')).toBe(3);
    expect(parseFlags(SPECS, ['-cas', '-1']).flags.int('cas')).toBe(-1);
    expect(parseFlags(SPECS, ['-ttl=1h30m']).flags.duration('ttl')).toBe(5400);
    expect(parseFlags(SPECS, ['-ttl=90']).flags.duration('ttl')).toBe(90);
    expect(parseFlags(SPECS, ['-ttl=system']).flags.duration('ttl')).toBe(-1);
    expect(parseFlags(SPECS, ['-n=7']).flags.int('key-shares')).toBe(7);
    expect(() => parseFlags(SPECS, ['-version=abc'])).toThrow('invalid value "abc" for flag -version: parse error');
    expect(() => parseFlags(SPECS, ['-ttl=soon'])).toThrow(/invalid value "soon" for flag -ttl/);
  });

  it('repeated list and map flags accumulate', () => {
    const { flags } = parseFlags(SPECS, ['-versions=1', '-versions', '2,3', '-options=version=2', '-options', 'a=b=c']);
    expect(flags.list('versions')).toEqual(['1', '2,3']);
    expect(flags.map('options')).toEqual({ version: '2', a: 'b=c' });
    expect(() => parseFlags(SPECS, ['-options=novalue'])).toThrow(/missing = in KV pair/);
  });

  it('reports unknown flags, missing values and bad syntax like Go', () => {
    expect(() => parseFlags(SPECS, ['-nope'])).toThrow('flag provided but not defined: -nope');
    expect(() => parseFlags(SPECS, ['-format'])).toThrow('flag needs an argument: -format');
    expect(() => parseFlags(SPECS, ['---x'])).toThrow('bad flag syntax: ---x');
    expect(() => parseFlags(SPECS, ['-=x'])).toThrow(UsageError);
  });

  it('stops at --, keeps "-" as an argument, and detects help', () => {
    const r = parseFlags(SPECS, ['-dev', '--', '-format=json', 'x']);
    expect(r.args).toEqual(['-format=json', 'x']);
    expect(r.flags.string('format')).toBe('table');
    expect(parseFlags(SPECS, ['secret/foo', '-']).args).toEqual(['secret/foo', '-']);
    expect(parseFlags(SPECS, ['-h']).help).toBe(true);
    expect(parseFlags(SPECS, ['--help']).help).toBe(true);
  });

  it('accepts known flags after the arguments, keeping unknown dash-words as arguments', () => {
    const r = parseFlags(SPECS, ['secret/foo', 'a=b', '-format=json', '-x=1', '-']);
    expect(r.flags.string('format')).toBe('json');
    expect(r.args).toEqual(['secret/foo', 'a=b', '-x=1', '-']);
  });

  it('property: any string value round-trips through -name=value', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(parseFlags(SPECS, [`-format=${value}`]).flags.string('format')).toBe(value);
      }),
    );
  });

  it('property: positional arguments without a leading dash are kept in order', () => {
    const word = fc.string({ minLength: 1 }).filter((s) => !s.startsWith('-'));
    fc.assert(
      fc.property(fc.array(word), (words) => {
        expect(parseFlags(SPECS, ['-dev', ...words]).args).toEqual(words);
      }),
    );
  });
});
