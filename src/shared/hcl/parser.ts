/**
 * An HCL parser for Vault server configs and ACL policies (the HCL1 dialect Vault reads).
 *
 * Why not a library: the npm candidates were checked (Node 20, must be synchronous, small,
 * maintained, HCL1):
 * - `@cdktf/hcl2json` is Go compiled to WASM, asynchronous, HCL2 only, and its project (CDK for
 *   Terraform) has been wound down;
 * - `hcl2-parser` is HCL2 compiled with GopherJS (a multi-megabyte blob), not maintained;
 * - `js-hcl-parser` is HCL1 compiled with GopherJS (same blob problem), unmaintained;
 * - `hcl-parser` (0.1.x) is an abandoned partial grammar.
 * None fits, and HCL1 without expressions is a small grammar, so it is written here.
 *
 * Grammar (HCL1, no expression evaluation):
 *
 * ```
 * body   := { item [","] }
 * item   := key { key } ( ("=" | ":") value | "{" body "}" )   // one key with "=", a block otherwise
 * key    := identifier | "quoted string"
 * value  := string | heredoc | number | true | false | null | list | "{" body "}"
 * list   := "[" [ value { "," value } [","] ] "]"
 * ```
 *
 * - Comments: `# ...`, `// ...`, `/* ... *\/` (not nested).
 * - Identifiers: a letter or `_`, then letters, digits, `_`, `-`, `.` (as HCL1).
 * - Strings: one line; escapes `\n \t \r \" \\ \' \a \b \f \v \uXXXX \UXXXXXXXX` (a `\uD8xx\uDCxx`
 *   surrogate pair is one character). `${...}` is kept verbatim, and (as in HCL1) a `"` inside
 *   it does not end the string. Vault templates such as `{{identity.entity.id}}` are plain text.
 * - Heredocs: `<<EOF` ... `EOF` keep their lines verbatim (no escapes), each followed by `\n`.
 *   `<<-EOF` removes the closing marker line's indentation from every line (HCL1's rule); if
 *   a non-blank line is indented less than the marker, the text is kept as written. The closing
 *   marker may be indented in both forms.
 * - Numbers: `42`, `-7`, `1.5`, `-2.5e3`, `0x1F`, and (as HCL1, via Go's ParseInt base 0) a
 *   leading `0` means octal: `0755` is 493. Integers beyond 2^53 lose precision. A number glued
 *   to letters (`30s`) is an error: such text must be quoted.
 * - Items may be separated by newlines, commas or nothing (`a = 1, b = 2` and `a = 1 b = 2`).
 * - `key { ... }` is a block without labels (HCL1's object-assign form); `key = { ... }` is an
 *   attribute whose value is an object. See model.ts for the output shape.
 * - Duplicate attributes in one body are an error by default (almost always a mistake, and
 *   recent Vault releases deprecate them); `duplicateAttributes: 'last-wins'` gives HCL1's
 *   old behaviour. Repeated blocks are normal
 *   and collect into an array. One name used both as an attribute and as a block is an error.
 *
 * Errors are `HclSyntaxError` (a `UserError`) with a `line:column`. Messages never contain
 * string values or unquoted text from the document (a config can hold tokens and passwords);
 * they name keys and block types only.
 */
import { UserError } from '../errors.js';
import {
  type HclObject,
  type HclPosition,
  type HclValue,
  recordKeyPosition,
  recordValuePosition,
  setProperty,
} from './model.js';

export interface ParseHclOptions {
  /** Name shown in errors (usually the file path). */
  sourceName?: string;
  /** What a repeated attribute in one body does. Default `'error'`. */
  duplicateAttributes?: 'error' | 'last-wins';
}

/** A syntax error in an HCL or JSON document, with its position. */
export class HclSyntaxError extends UserError {
  /** The message without the source and position prefix. */
  readonly reason: string;
  readonly position: HclPosition | undefined;
  readonly sourceName: string | undefined;

  constructor(reason: string, position: HclPosition | undefined, sourceName: string | undefined) {
    const source = sourceName ?? 'HCL';
    const at = position === undefined ? '' : ` at ${position.line}:${position.column}`;
    super(`error parsing ${source}${at}: ${reason}`);
    this.reason = reason;
    this.position = position;
    this.sourceName = sourceName;
  }
}

/** How deep lists, objects and blocks may nest (a guard against stack exhaustion). */
export const MAX_HCL_NESTING = 100;

type Punct = '{' | '}' | '[' | ']' | '=' | ',';

type Token =
  | { kind: 'ident'; text: string; pos: HclPosition }
  | { kind: 'string'; text: string; pos: HclPosition }
  | { kind: 'heredoc'; text: string; pos: HclPosition }
  | { kind: 'number'; value: number; pos: HclPosition }
  | { kind: Punct; pos: HclPosition }
  | { kind: 'eof'; pos: HclPosition };

const IDENT = /[\p{L}_][\p{L}\p{Nd}_\-.]*/uy;
const IDENT_CONTINUE = /[\p{L}\p{Nd}_\-.]/u;
const NUMBER = /-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;
const HEREDOC_MARKER = /[A-Za-z_][A-Za-z0-9_]*/y;

class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly src: string,
    private readonly sourceName: string | undefined,
  ) {
    if (src.charCodeAt(0) === 0xfeff) {
      this.i = 1;
      this.lineStart = 1;
    }
  }

  fail(reason: string, pos: HclPosition = this.pos()): never {
    throw new HclSyntaxError(reason, pos, this.sourceName);
  }

  private pos(at = this.i): HclPosition {
    return { line: this.line, column: at - this.lineStart + 1, offset: at };
  }

  /** Moves to offset `j`, keeping line numbers right. */
  private advanceTo(j: number): void {
    for (let k = this.i; k < j; k++) {
      if (this.src.charCodeAt(k) === 10) {
        this.line++;
        this.lineStart = k + 1;
      }
    }
    this.i = j;
  }

  private skipTrivia(): void {
    const src = this.src;
    for (;;) {
      const c = src[this.i];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') {
        this.advanceTo(this.i + 1);
      } else if (c === '#' || (c === '/' && src[this.i + 1] === '/')) {
        const nl = src.indexOf('\n', this.i);
        this.advanceTo(nl === -1 ? src.length : nl);
      } else if (c === '/' && src[this.i + 1] === '*') {
        const start = this.pos();
        const end = src.indexOf('*/', this.i + 2);
        if (end === -1) this.fail('comment not terminated: missing "*/"', start);
        this.advanceTo(end + 2);
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.skipTrivia();
    const src = this.src;
    const pos = this.pos();
    if (this.i >= src.length) return { kind: 'eof', pos };
    const c = src[this.i] as string;
    switch (c) {
      case '{':
      case '}':
      case '[':
      case ']':
      case '=':
      case ',':
        this.advanceTo(this.i + 1);
        return { kind: c, pos };
      case ':':
        this.advanceTo(this.i + 1);
        return { kind: '=', pos };
      case '"':
        return { kind: 'string', text: this.readString(pos), pos };
      case '<':
        if (src[this.i + 1] === '<') return { kind: 'heredoc', text: this.readHeredoc(pos), pos };
        return this.fail('unexpected "<"');
      default:
        break;
    }
    if ((c >= '0' && c <= '9') || (c === '-' && /[0-9]/.test(src[this.i + 1] ?? ''))) {
      return { kind: 'number', value: this.readNumber(pos), pos };
    }
    IDENT.lastIndex = this.i;
    const ident = IDENT.exec(src);
    if (ident !== null) {
      this.advanceTo(IDENT.lastIndex);
      return { kind: 'ident', text: ident[0], pos };
    }
    const printable = /^[\x21-\x7e]$/.test(c) ? `"${c}"` : `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return this.fail(`unexpected character ${printable}`);
  }

  private readNumber(pos: HclPosition): number {
    const src = this.src;
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(src);
    if (m === null) return this.fail('invalid number', pos);
    const text = m[0];
    const after = src[NUMBER.lastIndex] ?? '';
    if (after === '.' || IDENT_CONTINUE.test(after)) {
      this.fail('invalid number; text that is not a plain number (a duration such as "30s", a version, an address) must be quoted', pos);
    }
    this.advanceTo(NUMBER.lastIndex);
    const negative = text.startsWith('-');
    const digits = negative ? text.slice(1) : text;
    let value: number;
    if (/^0[xX]/.test(digits)) {
      value = Number.parseInt(digits.slice(2), 16);
    } else if (/^0\d/.test(digits) && !/[.eE]/.test(digits)) {
      if (!/^0[0-7]+$/.test(digits)) this.fail('invalid octal number (an integer with a leading 0 is octal)', pos);
      value = Number.parseInt(digits, 8);
    } else {
      value = Number(digits);
    }
    return negative && value !== 0 ? -value : value; // no -0: Go's int64 has none
  }

  private readString(start: HclPosition): string {
    const src = this.src;
    let i = this.i + 1;
    let out = '';
    let interpolation = 0;
    for (;;) {
      if (i >= src.length) this.fail('string not terminated: missing closing quote', start);
      const c = src[i] as string;
      if (c === '\n' || c === '\r') {
        this.fail('string not terminated: a quoted string cannot span lines (use \\n or a heredoc)', start);
      }
      if (interpolation > 0) {
        out += c;
        if (c === '{') interpolation++;
        else if (c === '}') interpolation--;
        i++;
        continue;
      }
      if (c === '"') {
        this.advanceTo(i + 1);
        return out;
      }
      if (c === '$' && src[i + 1] === '{') {
        out += '${';
        interpolation = 1;
        i += 2;
        continue;
      }
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const escapePos = { line: start.line, column: start.column + (i - start.offset), offset: i };
      const e = src[i + 1] ?? '';
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
        continue;
      }
      if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8;
        const hex = src.slice(i + 2, i + 2 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) {
          this.fail(`invalid escape sequence: \\${e} needs ${len} hexadecimal digits`, escapePos);
        }
        let cp = Number.parseInt(hex, 16);
        i += 2 + len;
        if (cp >= 0xd800 && cp <= 0xdbff && src[i] === '\\' && src[i + 1] === 'u') {
          const low = src.slice(i + 2, i + 6);
          const lowCp = /^[0-9a-fA-F]{4}$/.test(low) ? Number.parseInt(low, 16) : -1;
          if (lowCp >= 0xdc00 && lowCp <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lowCp - 0xdc00);
            i += 6;
          }
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          this.fail('invalid escape sequence: not a Unicode scalar value', escapePos);
        }
        out += String.fromCodePoint(cp);
        continue;
      }
      const shown = /^[\x21-\x7e]$/.test(e) ? `\\${e}` : '\\';
      this.fail(`unknown escape sequence "${shown}"`, escapePos);
    }
  }

  private readHeredoc(start: HclPosition): string {
    const src = this.src;
    let i = this.i + 2;
    const indent = src[i] === '-';
    if (indent) i++;
    HEREDOC_MARKER.lastIndex = i;
    const m = HEREDOC_MARKER.exec(src);
    if (m === null) this.fail('expected a heredoc marker after "<<" (for example <<EOF)', start);
    const marker = m[0];
    i = HEREDOC_MARKER.lastIndex;
    while (src[i] === ' ' || src[i] === '\t' || src[i] === '\r') i++;
    if (i < src.length && src[i] !== '\n') this.fail(`the heredoc marker ${marker} must be followed by a newline`, start);
    const lines: string[] = [];
    let lineStart = i + 1;
    for (;;) {
      if (lineStart > src.length) this.fail(`heredoc not terminated: no closing ${marker} line`, start);
      const nl = src.indexOf('\n', lineStart);
      const lineEnd = nl === -1 ? src.length : nl;
      const line = src.slice(lineStart, lineEnd).replace(/\r$/, '');
      if (line.trim() === marker) {
        const closingIndent = /^[ \t]*/.exec(line)?.[0] ?? '';
        this.advanceTo(lineEnd);
        return indent ? unindent(lines, closingIndent) : joinLines(lines);
      }
      lines.push(line);
      if (nl === -1) this.fail(`heredoc not terminated: no closing ${marker} line`, start);
      lineStart = nl + 1;
    }
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  "'": "'",
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

function joinLines(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

function unindent(lines: readonly string[], prefix: string): string {
  const blank = (l: string): boolean => l.trim() === '';
  if (!lines.every((l) => blank(l) || l.startsWith(prefix))) return joinLines(lines);
  return joinLines(lines.map((l) => (l.startsWith(prefix) ? l.slice(prefix.length) : '')));
}

/** A key or block type as shown in messages (JSON-quoted, so odd characters stay visible). */
function q(name: string): string {
  return JSON.stringify(name);
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'ident':
      return 'unquoted text';
    case 'string':
      return 'a string';
    case 'heredoc':
      return 'a heredoc';
    case 'number':
      return 'a number';
    case 'eof':
      return 'the end of the input';
    default:
      return `"${t.kind}"`;
  }
}

type KeyToken = Extract<Token, { kind: 'ident' | 'string' }>;

class Parser {
  private current: Token;

  constructor(
    private readonly lexer: Lexer,
    private readonly options: ParseHclOptions,
  ) {
    this.current = lexer.next();
  }

  /** The next token (a method, so TypeScript does not keep a narrowing across `take()`). */
  private peek(): Token {
    return this.current;
  }

  private take(): Token {
    const t = this.peek();
    this.current = this.lexer.next();
    return t;
  }

  private fail(reason: string, pos: HclPosition = this.peek().pos): never {
    return this.lexer.fail(reason, pos);
  }

  parseDocument(): HclObject {
    const doc: HclObject = {};
    recordValuePosition(doc, { line: 1, column: 1, offset: 0 });
    this.parseBody(doc, undefined, 0);
    return doc;
  }

  /** Items until `}` (when `opener` is given: the block or object it closes) or the end. */
  private parseBody(obj: HclObject, opener: { what: string; pos: HclPosition } | undefined, depth: number): void {
    if (depth > MAX_HCL_NESTING) this.fail(`nesting deeper than ${MAX_HCL_NESTING} levels`);
    const kinds = new Map<string, { kind: 'attribute' | 'block'; pos: HclPosition }>();
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        if (opener !== undefined) {
          this.take();
          return;
        }
        this.fail('unexpected "}" with no open block');
      }
      if (t.kind === 'eof') {
        if (opener === undefined) return;
        this.fail(`unexpected end of input: missing "}" to close ${opener.what} opened at ${opener.pos.line}:${opener.pos.column}`);
      }
      if (t.kind === ',') {
        this.take();
        continue;
      }
      if (t.kind !== 'ident' && t.kind !== 'string') {
        this.fail(`expected an attribute name or a block type, found ${describe(t)}`);
      }
      this.parseItem(obj, kinds, depth);
    }
  }

  private parseItem(obj: HclObject, kinds: Map<string, { kind: 'attribute' | 'block'; pos: HclPosition }>, depth: number): void {
    const keys: KeyToken[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'ident' || t.kind === 'string') {
        keys.push(t);
        this.take();
        continue;
      }
      break;
    }
    const first = keys[0] as KeyToken;
    const name = first.text;
    const t = this.peek();
    if (t.kind === '=') {
      if (keys.length > 1) {
        this.fail(`expected "{" after the labels of block ${q(name)} (an attribute has one name before "=")`);
      }
      this.take();
      const previous = kinds.get(name);
      if (previous?.kind === 'block') {
        this.fail(`${q(name)} is already defined as a block at ${previous.pos.line}:${previous.pos.column} and cannot also be an attribute`, first.pos);
      }
      if (previous?.kind === 'attribute' && this.options.duplicateAttributes !== 'last-wins') {
        this.fail(`duplicate attribute ${q(name)} (first defined at ${previous.pos.line}:${previous.pos.column})`, first.pos);
      }
      const value = this.parseValue(depth + 1, name);
      setProperty(obj, name, value);
      recordKeyPosition(obj, name, first.pos);
      kinds.set(name, { kind: 'attribute', pos: first.pos });
      return;
    }
    if (t.kind === '{') {
      this.take();
      const previous = kinds.get(name);
      if (previous?.kind === 'attribute') {
        this.fail(`${q(name)} is already defined as an attribute at ${previous.pos.line}:${previous.pos.column} and cannot also be a block`, first.pos);
      }
      const body: HclObject = {};
      recordValuePosition(body, first.pos);
      this.parseBody(body, { what: `block ${q(name)}`, pos: first.pos }, depth + 1);
      let wrapped: HclObject = body;
      for (let j = keys.length - 1; j >= 1; j--) {
        const label = keys[j] as KeyToken;
        const outer: HclObject = {};
        setProperty(outer, label.text, wrapped);
        recordKeyPosition(outer, label.text, label.pos);
        recordValuePosition(outer, label.pos);
        wrapped = outer;
      }
      let list = Object.hasOwn(obj, name) ? obj[name] : undefined;
      if (!Array.isArray(list)) {
        list = [];
        recordValuePosition(list, first.pos);
        setProperty(obj, name, list);
        recordKeyPosition(obj, name, first.pos);
        kinds.set(name, { kind: 'block', pos: first.pos });
      }
      list.push(wrapped);
      return;
    }
    // Not named: without "=" or "{" the text may not be a key at all (`{ "value" }`).
    this.fail(`expected "=" or "{" after the ${keys.length === 1 ? 'name' : 'labels'} at ${first.pos.line}:${first.pos.column}, found ${describe(t)}`);
  }

  private parseValue(depth: number, name: string | undefined): HclValue {
    if (depth > MAX_HCL_NESTING) this.fail(`nesting deeper than ${MAX_HCL_NESTING} levels`);
    const t = this.take();
    switch (t.kind) {
      case 'string':
      case 'heredoc':
        return t.text;
      case 'number':
        return t.value;
      case 'ident':
        if (t.text === 'true') return true;
        if (t.text === 'false') return false;
        if (t.text === 'null') return null;
        return this.fail(`${name === undefined ? 'a value' : `the value of ${q(name)}`} is unquoted text; strings must be in double quotes`, t.pos);
      case '[':
        return this.parseList(t.pos, depth, name);
      case '{': {
        const obj: HclObject = {};
        recordValuePosition(obj, t.pos);
        this.parseBody(obj, { what: name === undefined ? 'an object' : `the object ${q(name)}`, pos: t.pos }, depth + 1);
        return obj;
      }
      default:
        return this.fail(`expected a value${name === undefined ? '' : ` for ${q(name)}`} (a string, number, boolean, list or object), found ${describe(t)}`, t.pos);
    }
  }

  private parseList(open: HclPosition, depth: number, name: string | undefined): HclValue[] {
    const list: HclValue[] = [];
    recordValuePosition(list, open);
    for (;;) {
      if (this.peek().kind === ']') {
        this.take();
        return list;
      }
      if (this.peek().kind === 'eof') {
        this.fail(`unexpected end of input: missing "]" to close the list opened at ${open.line}:${open.column}`);
      }
      list.push(this.parseValue(depth + 1, undefined));
      const t = this.peek();
      if (t.kind === 'eof') {
        this.fail(`unexpected end of input: missing "]" to close the list opened at ${open.line}:${open.column}`);
      }
      if (t.kind === ',') {
        this.take();
      } else if (t.kind !== ']') {
        this.fail(`expected "," or "]" in the list${name === undefined ? '' : ` ${q(name)}`}, found ${describe(t)}`);
      }
    }
  }
}

/**
 * Parses an HCL (HCL1 dialect) document into the shape described in model.ts.
 * Throws `HclSyntaxError` (a `UserError`) with the line and column of the first error.
 */
export function parseHcl(text: string, options: ParseHclOptions = {}): HclObject {
  return new Parser(new Lexer(text, options.sourceName), options).parseDocument();
}
