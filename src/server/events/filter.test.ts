import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FILTER_SELECTORS,
  FilterSyntaxError,
  evaluateFilter,
  formatFilter,
  parseFilter,
  type FilterDatum,
  type FilterExpr,
  type MatchOperator,
} from './filter.js';

const datum: FilterDatum = {
  event_type: 'kv-v2/data-write',
  operation: 'data-write',
  source_plugin_mount: 'secret/',
  data_path: 'secret/data/foo',
  namespace: '',
};

const run = (src: string, d: FilterDatum = datum): boolean => evaluateFilter(parseFilter(src), d);

describe('parseFilter / evaluateFilter', () => {
  it('evaluates Vault’s documented example', () => {
    expect(run('data_path == secret/data/foo and operation != "data-write"')).toBe(false);
    expect(run('data_path == secret/data/foo and operation != "data-patch"')).toBe(true);
  });

  it('supports every go-bexpr match operator', () => {
    expect(run('"data/" in data_path')).toBe(true);
    expect(run('"nope" not in data_path')).toBe(true);
    expect(run('data_path contains "foo"')).toBe(true);
    expect(run('data_path not contains "foo"')).toBe(false);
    expect(run('event_type matches "^kv-v2/data-"')).toBe(true);
    expect(run('event_type not matches "^kv-v1/"')).toBe(true);
    expect(run('namespace is empty')).toBe(true);
    expect(run('namespace is not empty')).toBe(false);
    expect(run('source_plugin_mount == `secret/`')).toBe(true);
  });

  it('gives not > and > or precedence, and parentheses override it', () => {
    expect(run('operation == x or operation == y and data_path == secret/data/foo')).toBe(false);
    expect(run('operation == "data-write" or operation == y and data_path == nope')).toBe(true);
    expect(run('(operation == "data-write" or operation == y) and data_path == nope')).toBe(false);
    expect(run('not operation == x and not operation == y')).toBe(true);
  });

  it('refuses what it cannot evaluate, saying where', () => {
    const refuse = (src: string, message: RegExp): void => {
      expect(() => parseFilter(src)).toThrow(FilterSyntaxError);
      expect(() => parseFilter(src)).toThrow(message);
    };
    refuse('', /empty/);
    refuse('secret_value == x', /unknown selector "secret_value"/);
    refuse('data_path ==', /expected a value at end of filter/);
    refuse('data_path == "unterminated', /unterminated string/);
    refuse('(data_path == x', /expected "\)"/);
    refuse('data_path == x)', /unexpected "\)" at position 14/);
    refuse('data_path ~ x', /unexpected character "~"/);
    refuse('data_path matches "(a+)+$"', /backtrack/);
    refuse('data_path matches "["', /invalid regular expression/);
    refuse('x'.repeat(5000), /longer than/);
    refuse(`${'not '.repeat(100)}namespace is empty`, /deeper/);
  });

  const selector = fc.constantFrom(...FILTER_SELECTORS);
  const word = fc.stringMatching(/^[a-z][a-z0-9/_-]{0,8}$/);
  const leaf: fc.Arbitrary<FilterExpr> = fc
    .record({
      selector,
      op: fc.constantFrom<MatchOperator>('==', '!=', 'in', 'not in', 'contains', 'not contains', 'matches', 'not matches', 'is empty', 'is not empty'),
      value: word,
    })
    .map(({ selector: s, op, value }) => (op.includes('matches') ? { kind: 'match', selector: s, op, value, regex: new RegExp(value) } : { kind: 'match', selector: s, op, value: op.startsWith('is') ? '' : value }));
  const expr = fc.letrec<{ e: FilterExpr }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ kind: fc.constantFrom<'and' | 'or'>('and', 'or'), left: tie('e'), right: tie('e') }),
      fc.record({ kind: fc.constant<'not'>('not'), expr: tie('e') }),
    ),
  })).e;
  const datumArb = fc.record({
    event_type: word,
    operation: word,
    source_plugin_mount: word,
    data_path: word,
    namespace: fc.constantFrom('', 'ns1'),
  });

  it('parses what it formats to an expression with the same meaning (property)', () => {
    fc.assert(
      fc.property(expr, datumArb, (e, d) => {
        expect(evaluateFilter(parseFilter(formatFilter(e)), d)).toBe(evaluateFilter(e, d));
      }),
    );
  });

  it('either parses or throws FilterSyntaxError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (src) => {
        try {
          parseFilter(src);
        } catch (err) {
          expect(err).toBeInstanceOf(FilterSyntaxError);
        }
      }),
    );
  });
});
