/**
 * The lexer of Go's text/template (a port of `text/template/parse/lex.go`): it turns template
 * source into items, on demand, so a parse error stops the scan early. Positions are UTF-16
 * offsets into the source; lines count from 1.
 */

export type ItemType =
  | 'error'
  | 'bool'
  | 'char' // a printable ASCII character inside an action, e.g. ','
  | 'charConstant'
  | 'comment'
  | 'complex'
  | 'assign' // =
  | 'declare' // :=
  | 'eof'
  | 'field' // .Field
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  readonly type: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['block', 'block'],
  ['break', 'break'],
  ['continue', 'continue'],
  ['define', 'define'],
  ['else', 'else'],
  ['end', 'end'],
  ['if', 'if'],
  ['range', 'range'],
  ['nil', 'nil'],
  ['template', 'template'],
  ['with', 'with'],
]);

export function isKeyword(type: ItemType): boolean {
  return type === 'dot' || KEYWORDS.has(type);
}

/** Go's `item.String()`, used in "unexpected ..." parse errors. */
export function itemString(item: Item): string {
  if (item.type === 'eof') return 'EOF';
  if (item.type === 'error') return item.val;
  if (isKeyword(item.type)) return `<${item.val}>`;
  const chars = Array.from(item.val);
  if (chars.length > 10) return `${goQuoteShort(chars.slice(0, 10).join(''))}...`;
  return goQuoteShort(item.val);
}

/** A tiny %q for lexer messages (the full one lives in fmt.ts, which depends on more). */
function goQuoteShort(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const EOF = -1;
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
const TRIM_MARKER = '-';
const TRIM_MARKER_LEN = 2; // the marker plus a space

export function isSpaceRune(r: number): boolean {
  return r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

function isLetter(r: number): boolean {
  if (r < 0x80) return (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  return LETTER.test(String.fromCodePoint(r));
}

function isDigit(r: number): boolean {
  if (r < 0x80) return r >= 0x30 && r <= 0x39;
  return DIGIT.test(String.fromCodePoint(r));
}

/** Go's isAlphaNumeric: letters, digits and underscore (identifiers, fields, variables). */
export function isAlphaNumeric(r: number): boolean {
  return r === 0x5f || isLetter(r) || isDigit(r);
}

function isPrintableAscii(r: number): boolean {
  return r >= 0x20 && r < 0x7f;
}

/** Go's `%#U`: `U+0023 '#'`. */
export function formatRuneU(r: number): string {
  const hex = r.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCodePoint(r);
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch) ? `U+${hex} '${ch}'` : `U+${hex}`;
}

function rightTrimLength(s: string): number {
  let n = s.length;
  while (n > 0 && isSpaceRune(s.charCodeAt(n - 1))) n--;
  return s.length - n;
}

function leftTrimLength(s: string): number {
  let n = 0;
  while (n < s.length && isSpaceRune(s.charCodeAt(n))) n++;
  return n;
}

function hasLeftTrimMarker(s: string): boolean {
  return s.length >= 2 && s[0] === TRIM_MARKER && isSpaceRune(s.charCodeAt(1));
}

function hasRightTrimMarker(s: string): boolean {
  return s.length >= 2 && isSpaceRune(s.charCodeAt(0)) && s[1] === TRIM_MARKER;
}

type StateFn = (l: Lexer) => StateFn | null;

export class Lexer {
  private input: string;
  private pos = 0;
  private start = 0;
  private atEOF = false;
  private parenDepth = 0;
  private line = 1;
  private startLine = 1;
  private insideAction = false;
  private item: Item;

  /**
   * @param isFunction names defined as functions: a function called `break` or `continue`
   *   shadows the keyword, as in Go.
   */
  constructor(
    input: string,
    private readonly leftDelim: string,
    private readonly rightDelim: string,
    private readonly isFunction: (name: string) => boolean = () => false,
  ) {
    this.input = input;
    this.item = { type: 'eof', pos: 0, val: 'EOF', line: 1 };
  }

  /** The next item; after EOF or an error, EOF forever. */
  nextItem(): Item {
    this.item = { type: 'eof', pos: this.pos, val: 'EOF', line: this.startLine };
    let state: StateFn | null = this.insideAction ? lexInsideAction : lexText;
    while (state !== null) state = state(this);
    return this.item;
  }

  // --- primitives (called by the state functions) ---

  next(): number {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos) as number;
    this.pos += r > 0xffff ? 2 : 1;
    if (r === 0x0a) this.line++;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      const low = this.input.charCodeAt(this.pos - 1);
      const width =
        low >= 0xdc00 && low <= 0xdfff && this.pos >= 2 && (this.input.charCodeAt(this.pos - 2) & 0xfc00) === 0xd800 ? 2 : 1;
      this.pos -= width;
      if (low === 0x0a) this.line--;
    }
    this.atEOF = false;
  }

  private thisItem(type: ItemType): Item {
    const item: Item = { type, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
    return item;
  }

  emit(type: ItemType): null {
    return this.emitItem(this.thisItem(type));
  }

  private emitItem(item: Item): null {
    this.item = item;
    return null;
  }

  private countNewlines(from: number, to: number): number {
    let n = 0;
    for (let i = from; i < to; i++) if (this.input.charCodeAt(i) === 0x0a) n++;
    return n;
  }

  ignore(): void {
    this.line += this.countNewlines(this.start, this.pos);
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || !valid.includes(String.fromCodePoint(r))) break;
    }
    this.backup();
  }

  errorf(message: string): null {
    this.item = { type: 'error', pos: this.start, val: message, line: this.startLine };
    this.start = 0;
    this.pos = 0;
    this.input = '';
    return null;
  }

  // --- the state functions, as methods so they can see private fields ---

  lexText(): StateFn | null {
    const x = this.input.indexOf(this.leftDelim, this.pos);
    if (x >= 0) {
      if (x > this.pos) {
        this.pos = x;
        let trimLength = 0;
        const delimEnd = this.pos + this.leftDelim.length;
        if (hasLeftTrimMarker(this.input.slice(delimEnd, delimEnd + 2))) {
          trimLength = rightTrimLength(this.input.slice(this.start, this.pos));
        }
        this.pos -= trimLength;
        this.line += this.countNewlines(this.start, this.pos);
        const item = this.thisItem('text');
        this.pos += trimLength;
        this.ignore();
        if (item.val.length > 0) return this.emitItem(item);
      }
      return lexLeftDelim;
    }
    this.pos = this.input.length;
    if (this.pos > this.start) {
      this.line += this.countNewlines(this.start, this.pos);
      return this.emit('text');
    }
    return this.emit('eof');
  }

  atRightDelim(): { delim: boolean; trimSpaces: boolean } {
    if (this.input.startsWith(this.rightDelim, this.pos)) return { delim: true, trimSpaces: false };
    if (
      hasRightTrimMarker(this.input.slice(this.pos, this.pos + 2)) &&
      this.input.startsWith(this.rightDelim, this.pos + TRIM_MARKER_LEN)
    ) {
      return { delim: true, trimSpaces: true };
    }
    return { delim: false, trimSpaces: false };
  }

  lexLeftDelim(): StateFn | null {
    this.pos += this.leftDelim.length;
    const trimSpace = hasLeftTrimMarker(this.input.slice(this.pos, this.pos + 2));
    const afterMarker = trimSpace ? TRIM_MARKER_LEN : 0;
    if (this.input.startsWith(LEFT_COMMENT, this.pos + afterMarker)) {
      this.pos += afterMarker;
      this.ignore();
      return lexComment;
    }
    const item = this.thisItem('leftDelim');
    this.insideAction = true;
    this.pos += afterMarker;
    this.ignore();
    this.parenDepth = 0;
    return this.emitItem(item);
  }

  lexComment(): StateFn | null {
    this.pos += LEFT_COMMENT.length;
    const x = this.input.indexOf(RIGHT_COMMENT, this.pos);
    if (x < 0) return this.errorf('unclosed comment');
    this.pos = x + RIGHT_COMMENT.length;
    const { delim, trimSpaces } = this.atRightDelim();
    if (!delim) return this.errorf('comment ends before closing delimiter');
    this.thisItem('comment'); // comments are dropped, as Go does without ParseComments
    if (trimSpaces) this.pos += TRIM_MARKER_LEN;
    this.pos += this.rightDelim.length;
    if (trimSpaces) this.pos += leftTrimLength(this.input.slice(this.pos));
    this.ignore();
    return lexText;
  }

  lexRightDelim(): StateFn | null {
    const { trimSpaces } = this.atRightDelim();
    if (trimSpaces) {
      this.pos += TRIM_MARKER_LEN;
      this.ignore();
    }
    this.pos += this.rightDelim.length;
    const item = this.thisItem('rightDelim');
    if (trimSpaces) {
      this.pos += leftTrimLength(this.input.slice(this.pos));
      this.ignore();
    }
    this.insideAction = false;
    return this.emitItem(item);
  }

  lexInsideAction(): StateFn | null {
    const { delim } = this.atRightDelim();
    if (delim) {
      if (this.parenDepth === 0) return lexRightDelim;
      return this.errorf('unclosed left paren');
    }
    const r = this.next();
    if (r === EOF) return this.errorf('unclosed action');
    if (isSpaceRune(r)) {
      this.backup(); // put the space back in case we have " -}}"
      return lexSpace;
    }
    switch (r) {
      case 0x3d: // =
        return this.emit('assign');
      case 0x3a: // :
        if (this.next() !== 0x3d) return this.errorf('expected :=');
        return this.emit('declare');
      case 0x7c: // |
        return this.emit('pipe');
      case 0x22: // "
        return lexQuote;
      case 0x60: // `
        return lexRawQuote;
      case 0x24: // $
        return lexVariable;
      case 0x27: // '
        return lexChar;
      case 0x28: // (
        this.parenDepth++;
        return this.emit('leftParen');
      case 0x29: // )
        this.parenDepth--;
        if (this.parenDepth < 0) return this.errorf('unexpected right paren');
        return this.emit('rightParen');
      default:
        break;
    }
    if (r === 0x2e) {
      // "." followed by a non-digit starts a field; ".5" is a number
      if (this.pos < this.input.length) {
        const c = this.input.charCodeAt(this.pos);
        if (c < 0x30 || c > 0x39) return lexField;
      }
      this.backup();
      return lexNumber;
    }
    if (r === 0x2b || r === 0x2d || (r >= 0x30 && r <= 0x39)) {
      this.backup();
      return lexNumber;
    }
    if (isAlphaNumeric(r)) {
      this.backup();
      return lexIdentifier;
    }
    if (isPrintableAscii(r)) {
      this.emit('char');
      return null;
    }
    return this.errorf(`unrecognized character in action: ${formatRuneU(r)}`);
  }

  lexSpace(): StateFn | null {
    let numSpaces = 0;
    for (;;) {
      const r = this.peek();
      if (!isSpaceRune(r)) break;
      this.next();
      numSpaces++;
    }
    // A trim-marked closing delimiter has a minus after a space: stop before that space.
    if (
      hasRightTrimMarker(this.input.slice(this.pos - 1, this.pos + 1)) &&
      this.input.startsWith(this.rightDelim, this.pos - 1 + TRIM_MARKER_LEN)
    ) {
      this.backup();
      if (numSpaces === 1) return lexRightDelim;
    }
    return this.emit('space');
  }

  lexIdentifier(): StateFn | null {
    for (;;) {
      const r = this.next();
      if (isAlphaNumeric(r)) continue;
      this.backup();
      const word = this.input.slice(this.start, this.pos);
      if (!this.atTerminator()) return this.errorf(`bad character ${formatRuneU(r)}`);
      const keyword = KEYWORDS.get(word);
      if (keyword !== undefined) {
        if ((keyword === 'break' || keyword === 'continue') && this.isFunction(word)) return this.emit('identifier');
        return this.emit(keyword);
      }
      if (word.startsWith('.')) return this.emit('field');
      if (word === 'true' || word === 'false') return this.emit('bool');
      return this.emit('identifier');
    }
  }

  lexFieldOrVariable(type: 'field' | 'variable'): StateFn | null {
    if (this.atTerminator()) return this.emit(type === 'variable' ? 'variable' : 'dot');
    let r: number;
    for (;;) {
      r = this.next();
      if (!isAlphaNumeric(r)) {
        this.backup();
        break;
      }
    }
    if (!this.atTerminator()) return this.errorf(`bad character ${formatRuneU(r)}`);
    return this.emit(type);
  }

  /** Whether the next character can end an identifier, field or variable. */
  atTerminator(): boolean {
    const r = this.peek();
    if (isSpaceRune(r)) return true;
    switch (r) {
      case EOF:
      case 0x2e: // .
      case 0x2c: // ,
      case 0x7c: // |
      case 0x3a: // :
      case 0x29: // )
      case 0x28: // (
        return true;
      default:
        return this.input.startsWith(this.rightDelim, this.pos);
    }
  }

  lexQuoted(quote: number, type: 'string' | 'charConstant', message: string): StateFn | null {
    for (;;) {
      let r = this.next();
      if (r === 0x5c) {
        r = this.next();
        if (r !== EOF && r !== 0x0a) continue;
        return this.errorf(message);
      }
      if (r === EOF || r === 0x0a) return this.errorf(message);
      if (r === quote) break;
    }
    return this.emit(type);
  }

  lexRawQuote(): StateFn | null {
    for (;;) {
      const r = this.next();
      if (r === EOF) return this.errorf('unterminated raw quoted string');
      if (r === 0x60) break;
    }
    return this.emit('rawString');
  }

  lexNumber(): StateFn | null {
    if (!this.scanNumber()) return this.errorf(`bad number syntax: ${goQuoteShort(this.input.slice(this.start, this.pos))}`);
    const sign = this.peek();
    if (sign === 0x2b || sign === 0x2d) {
      // complex: 1+2i
      if (!this.scanNumber() || this.input[this.pos - 1] !== 'i') {
        return this.errorf(`bad number syntax: ${goQuoteShort(this.input.slice(this.start, this.pos))}`);
      }
      return this.emit('complex');
    }
    return this.emit('number');
  }

  private scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }
}

const lexText: StateFn = (l) => l.lexText();
const lexLeftDelim: StateFn = (l) => l.lexLeftDelim();
const lexComment: StateFn = (l) => l.lexComment();
const lexRightDelim: StateFn = (l) => l.lexRightDelim();
const lexInsideAction: StateFn = (l) => l.lexInsideAction();
const lexSpace: StateFn = (l) => l.lexSpace();
const lexIdentifier: StateFn = (l) => l.lexIdentifier();
const lexField: StateFn = (l) => l.lexFieldOrVariable('field');
const lexVariable: StateFn = (l) => l.lexFieldOrVariable('variable');
const lexQuote: StateFn = (l) => l.lexQuoted(0x22, 'string', 'unterminated quoted string');
const lexChar: StateFn = (l) => l.lexQuoted(0x27, 'charConstant', 'unterminated character constant');
const lexRawQuote: StateFn = (l) => l.lexRawQuote();
const lexNumber: StateFn = (l) => l.lexNumber();

/** All items of a source, for tests and debugging. Stops after EOF or the first error. */
export function lexAll(input: string, leftDelim = '{{', rightDelim = '}}'): Item[] {
  const lexer = new Lexer(input, leftDelim, rightDelim);
  const items: Item[] = [];
  for (;;) {
    const item = lexer.nextItem();
    items.push(item);
    if (item.type === 'eof' || item.type === 'error') return items;
  }
}
