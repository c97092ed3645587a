/**
 * The `filter` of `sys/events/subscribe`: a go-bexpr boolean expression over the fields
 * Vault exposes for an event (`event_type`, `operation`, `source_plugin_mount`,
 * `data_path`, `namespace`), e.g. `data_path == secret/data/foo and operation != "data-write"`.
 *
 * Supported, with go-bexpr's precedence (`or` < `and` < `not`) and parentheses:
 * `==`, `!=`, `"v" in sel`, `"v" not in sel`, `sel contains "v"`, `sel not contains "v"`,
 * `sel matches "re"`, `sel not matches "re"`, `sel is empty`, `sel is not empty`.
 * Values are "double-quoted" (JSON escapes), `raw`, a number, or a bare word
 * (`[A-Za-z][A-Za-z0-9_/]*`, dotted). Not supported: JSON-pointer selectors (`/data_path`),
 * indexing, and selectors other than the five fields (refused when parsed, not silently false).
 */

export const FILTER_SELECTORS = ['event_type', 'operation', 'source_plugin_mount', 'data_path', 'namespace'] as const;
export type FilterSelector = (typeof FILTER_SELECTORS)[number];
export type FilterDatum = Readonly<Record<FilterSelector, string>>;

export type MatchOperator =
  | '=='
  | '!='
  | 'in'
  | 'not in'
  | 'contains'
  | 'not contains'
  | 'matches'
  | 'not matches'
  | 'is empty'
  | 'is not empty';

export type FilterExpr =
  | { readonly kind: 'and' | 'or'; readonly left: FilterExpr; readonly right: FilterExpr }
  | { readonly kind: 'not'; readonly expr: FilterExpr }
  | { readonly kind: 'match'; readonly selector: FilterSelector; readonly op: MatchOperator; readonly value: string; readonly regex?: RegExp };

/** A filter that cannot be parsed; the message says where and why. */
export class FilterSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

/** Longest filter accepted: it is evaluated for every event a subscriber could see. */
export const MAX_FILTER_LENGTH = 4096;
const MAX_REGEX_LENGTH = 512;
const MAX_DEPTH = 64;

type Token =
  | { t: 'lparen' | 'rparen' | 'eq' | 'ne'; at: number }
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'number'; v: string; at: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'matches', 'is', 'empty']);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c === '(' ? 'lparen' : 'rparen', at: i });
      i++;
    } else if (src.startsWith('==', i) || src.startsWith('!=', i)) {
      out.push({ t: c === '=' ? 'eq' : 'ne', at: i });
      i += 2;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new FilterSyntaxError(`unterminated string starting at position ${i}`);
      let value: unknown;
      try {
        value = JSON.parse(src.slice(i, j + 1));
      } catch {
        throw new FilterSyntaxError(`invalid escape in string starting at position ${i}`);
      }
      out.push({ t: 'string', v: value as string, at: i });
      i = j + 1;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end === -1) throw new FilterSyntaxError(`unterminated raw string starting at position ${i}`);
      out.push({ t: 'string', v: src.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      const number = /^-?\d+(?:\.\d+)?(?![A-Za-z0-9_/])/.exec(src.slice(i));
      if (number) {
        out.push({ t: 'number', v: number[0], at: i });
        i += number[0].length;
        continue;
      }
      const word = /^[A-Za-z][A-Za-z0-9_/]*(?:\.[A-Za-z][A-Za-z0-9_/]*)*/.exec(src.slice(i));
      if (!word) throw new FilterSyntaxError(`unexpected character ${JSON.stringify(c)} at position ${i}`);
      out.push({ t: 'word', v: word[0], at: i });
      i += word[0].length;
    }
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly src: string,
  ) {}

  parse(): FilterExpr {
    const expr = this.or(0);
    const extra = this.tokens[this.pos];
    if (extra) throw new FilterSyntaxError(`unexpected ${describe(extra)} at position ${extra.at}`);
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isWord(v: string, offset = 0): boolean {
    const tok = this.tokens[this.pos + offset];
    return tok?.t === 'word' && tok.v === v;
  }

  private fail(expected: string): never {
    const tok = this.peek();
    throw new FilterSyntaxError(
      tok ? `expected ${expected} at position ${tok.at}, got ${describe(tok)}` : `expected ${expected} at end of filter (${this.src.length} characters)`,
    );
  }

  private or(depth: number): FilterExpr {
    let left = this.and(depth);
    while (this.isWord('or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.and(depth) };
    }
    return left;
  }

  private and(depth: number): FilterExpr {
    let left = this.not(depth);
    while (this.isWord('and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.not(depth) };
    }
    return left;
  }

  private not(depth: number): FilterExpr {
    if (depth > MAX_DEPTH) throw new FilterSyntaxError(`filter nests deeper than ${MAX_DEPTH} levels`);
    if (this.isWord('not')) {
      this.pos++;
      return { kind: 'not', expr: this.not(depth + 1) };
    }
    if (this.peek()?.t === 'lparen') {
      this.pos++;
      const inner = this.or(depth + 1);
      if (this.peek()?.t !== 'rparen') this.fail('")"');
      this.pos++;
      return inner;
    }
    return this.match();
  }

  private value(): string {
    const tok = this.peek();
    if (tok && (tok.t === 'string' || tok.t === 'number' || (tok.t === 'word' && !KEYWORDS.has(tok.v)))) {
      this.pos++;
      return tok.v;
    }
    return this.fail('a value');
  }

  private selector(): FilterSelector {
    const tok = this.peek();
    if (tok?.t !== 'word' || KEYWORDS.has(tok.v)) return this.fail('a selector');
    if (!(FILTER_SELECTORS as readonly string[]).includes(tok.v)) {
      throw new FilterSyntaxError(`unknown selector "${tok.v}" at position ${tok.at}: use one of ${FILTER_SELECTORS.join(', ')}`);
    }
    this.pos++;
    return tok.v as FilterSelector;
  }

  private match(): FilterExpr {
    // `"value" in selector` / `"value" not in selector`: the value comes first.
    const first = this.peek();
    const valueFirst =
      first !== undefined &&
      (first.t === 'string' || first.t === 'number' || (first.t === 'word' && !KEYWORDS.has(first.v) && (this.isWord('in', 1) || (this.isWord('not', 1) && this.isWord('in', 2)))));
    if (valueFirst) {
      const value = this.value();
      let op: MatchOperator = 'in';
      if (this.isWord('not')) {
        this.pos++;
        op = 'not in';
      }
      if (!this.isWord('in')) this.fail('"in"');
      this.pos++;
      return { kind: 'match', selector: this.selector(), op, value };
    }
    const selector = this.selector();
    const tok = this.peek();
    if (tok?.t === 'eq' || tok?.t === 'ne') {
      this.pos++;
      return { kind: 'match', selector, op: tok.t === 'eq' ? '==' : '!=', value: this.value() };
    }
    if (this.isWord('is')) {
      this.pos++;
      let negate = false;
      if (this.isWord('not')) {
        this.pos++;
        negate = true;
      }
      if (!this.isWord('empty')) this.fail('"empty"');
      this.pos++;
      return { kind: 'match', selector, op: negate ? 'is not empty' : 'is empty', value: '' };
    }
    let negate = false;
    if (this.isWord('not')) {
      this.pos++;
      negate = true;
    }
    if (this.isWord('contains')) {
      this.pos++;
      return { kind: 'match', selector, op: negate ? 'not contains' : 'contains', value: this.value() };
    }
    if (this.isWord('matches')) {
      this.pos++;
      const at = this.peek()?.at ?? this.src.length;
      const value = this.value();
      return { kind: 'match', selector, op: negate ? 'not matches' : 'matches', value, regex: compileRegex(value, at) };
    }
    return this.fail(negate ? '"contains" or "matches"' : 'an operator (==, !=, contains, matches, is empty, in)');
  }
}

function describe(tok: Token): string {
  switch (tok.t) {
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    case 'eq':
      return '"=="';
    case 'ne':
      return '"!="';
    default:
      return JSON.stringify(tok.v);
  }
}

/**
 * go-bexpr uses Go's RE2, which never backtracks; JavaScript's engine does, so patterns that
 * could backtrack catastrophically (a quantified group holding a quantifier, backreferences)
 * are refused rather than evaluated for every event.
 */
function compileRegex(source: string, at: number): RegExp {
  if (source.length > MAX_REGEX_LENGTH) throw new FilterSyntaxError(`regular expression at position ${at} is longer than ${MAX_REGEX_LENGTH} characters`);
  if (/\\[1-9]|\\k</.test(source) || /\([^()]*[*+?}][^()]*\)\s*[*+{?]/.test(source)) {
    throw new FilterSyntaxError(`regular expression at position ${at} may backtrack without bound (nested quantifiers or backreferences are not supported)`);
  }
  try {
    return new RegExp(source);
  } catch {
    throw new FilterSyntaxError(`invalid regular expression at position ${at}`);
  }
}

/** Parses a filter; throws `FilterSyntaxError` with a message fit for a 400. */
export function parseFilter(src: string): FilterExpr {
  if (src.length > MAX_FILTER_LENGTH) throw new FilterSyntaxError(`filter is longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(src);
  if (tokens.length === 0) throw new FilterSyntaxError('filter is empty');
  return new Parser(tokens, src).parse();
}

export function evaluateFilter(expr: FilterExpr, datum: FilterDatum): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluateFilter(expr.left, datum) && evaluateFilter(expr.right, datum);
    case 'or':
      return evaluateFilter(expr.left, datum) || evaluateFilter(expr.right, datum);
    case 'not':
      return !evaluateFilter(expr.expr, datum);
    case 'match': {
      const actual = datum[expr.selector];
      switch (expr.op) {
        case '==':
          return actual === expr.value;
        case '!=':
          return actual !== expr.value;
        case 'in':
        case 'contains':
          return actual.includes(expr.value);
        case 'not in':
        case 'not contains':
          return !actual.includes(expr.value);
        case 'matches':
          return (expr.regex ?? new RegExp(expr.value)).test(actual);
        case 'not matches':
          return !(expr.regex ?? new RegExp(expr.value)).test(actual);
        case 'is empty':
          return actual === '';
        case 'is not empty':
          return actual !== '';
      }
    }
  }
}

/** Renders an expression back to filter syntax (fully parenthesised; for tests and logs). */
export function formatFilter(expr: FilterExpr): string {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return `(${formatFilter(expr.left)} ${expr.kind} ${formatFilter(expr.right)})`;
    case 'not':
      return `not ${formatFilter(expr.expr)}`;
    case 'match': {
      const v = JSON.stringify(expr.value);
      switch (expr.op) {
        case 'in':
        case 'not in':
          return `${v} ${expr.op} ${expr.selector}`;
        case 'is empty':
        case 'is not empty':
          return `${expr.selector} ${expr.op}`;
        default:
          return `${expr.selector} ${expr.op} ${v}`;
      }
    }
  }
}
