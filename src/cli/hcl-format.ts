/**
 * HCL formatting as `vault policy fmt` does it (HCL1's `printer.Format`, which Vault calls after
 * validating the policy). The shared parser (`src/shared/hcl`) returns values only; formatting
 * must keep comments, the original spelling of keys and literals, and where things were, so
 * this module has its own small concrete syntax tree:
 *
 * - a lexer that keeps comments and the exact text of every token;
 * - a parser that attaches comments the way HCL1's does (a *lead* comment is the group on the
 *   line(s) just above an item; a *line* comment follows the value on its line; any other
 *   comment is *standalone* and printed between items where it was);
 * - a printer with HCL1's layout rules: two-space indentation, one blank line between blocks,
 *   consecutive one-line attributes aligned on `=`, lists kept on one line when they were
 *   written on one line, heredocs verbatim, and a final newline.
 *
 * Only syntax is handled here: callers validate the document first (the shared parser and the
 * policy rules), so the error messages users see come from there.
 */

export class HclFormatError extends Error {}

interface Pos {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

const NO_POS: Pos = { offset: 0, line: 0, column: 0 };
const INFINITY = 1 << 30;
const END_POS: Pos = { offset: INFINITY, line: INFINITY, column: 0 };

type TokType = 'IDENT' | 'BOOL' | 'NUMBER' | 'FLOAT' | 'STRING' | 'HEREDOC' | 'LBRACE' | 'RBRACE' | 'LBRACK' | 'RBRACK' | 'ASSIGN' | 'COMMA' | 'COMMENT' | 'EOF';

interface Tok {
  readonly type: TokType;
  readonly text: string;
  readonly pos: Pos;
}

interface Comment {
  readonly text: string;
  readonly pos: Pos;
}

interface CommentGroup {
  readonly list: Comment[];
}

interface Literal {
  readonly kind: 'literal';
  readonly tok: Tok;
  lead?: CommentGroup;
  line?: CommentGroup;
}

interface ListNode {
  readonly kind: 'list';
  readonly lbrack: Pos;
  readonly items: ValueNode[];
  rbrack: Pos;
}

interface ObjectNode {
  readonly kind: 'object';
  readonly lbrace: Pos;
  items: Item[];
  rbrace: Pos;
}

type ValueNode = Literal | ListNode | ObjectNode;

interface Item {
  readonly keys: Tok[];
  assign: Pos | undefined;
  val: ValueNode;
  lead?: CommentGroup;
  line?: CommentGroup;
}

// Go's token.Pos comparisons.
const isValid = (p: Pos): boolean => p.line > 0;
const before = (p: Pos, u: Pos): boolean => u.offset > p.offset || u.line > p.line;
const after = (p: Pos, u: Pos): boolean => u.offset < p.offset || u.line < p.line;

function itemPos(item: Item): Pos {
  return item.keys[0]?.pos ?? NO_POS;
}

function valuePos(node: ValueNode): Pos {
  switch (node.kind) {
    case 'literal':
      return node.tok.pos;
    case 'list':
      return node.lbrack;
    case 'object':
      return node.lbrace;
  }
}

function groupPos(group: CommentGroup): Pos {
  return group.list[0]?.pos ?? NO_POS;
}

// ---------------------------------------------------------------------------------------------
// Lexer

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const posAt = (offset: number): Pos => ({ offset, line, column: offset - lineStart + 1 });
  const err = (msg: string, at: number): never => {
    throw new HclFormatError(`${msg} at ${line}:${at - lineStart + 1}`);
  };
  /** Advances over `src[from, to)` keeping the line count. */
  const advance = (to: number): void => {
    for (let k = i; k < to; k++) {
      if (src.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
    i = to;
  };
  const push = (type: TokType, start: number, end: number): void => {
    const pos = posAt(start);
    out.push({ type, text: src.slice(start, end), pos });
    advance(end);
  };

  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      advance(i + 1);
      continue;
    }
    const start = i;
    if (c === '#' || (c === '/' && src[i + 1] === '/')) {
      let end = src.indexOf('\n', i);
      if (end < 0) end = src.length;
      push('COMMENT', start, end);
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const close = src.indexOf('*/', i + 2);
      if (close < 0) err('comment not terminated', start);
      push('COMMENT', start, close + 2);
      continue;
    }
    if (c === '{' || c === '}' || c === '[' || c === ']' || c === '=' || c === ',' || c === ':') {
      const type: TokType = c === '{' ? 'LBRACE' : c === '}' ? 'RBRACE' : c === '[' ? 'LBRACK' : c === ']' ? 'RBRACK' : c === ',' ? 'COMMA' : 'ASSIGN';
      push(type, start, i + 1);
      continue;
    }
    if (c === '"') {
      let k = i + 1;
      let braces = 0;
      for (;;) {
        const ch = src[k];
        if (ch === undefined || (ch === '\n' && braces === 0)) err('literal not terminated', start);
        if (ch === '"' && braces === 0) break;
        if (braces === 0 && ch === '$' && src[k + 1] === '{') {
          braces++;
          k++;
        } else if (braces > 0 && ch === '{') braces++;
        else if (braces > 0 && ch === '}') braces--;
        if (ch === '\\') k++;
        k++;
      }
      push('STRING', start, k + 1);
      continue;
    }
    if (c === '<' && src[i + 1] === '<') {
      const m = /^<<(-?)([A-Za-z0-9_]+)\r?\n/.exec(src.slice(i, i + 300));
      if (m === null) err('invalid heredoc anchor', start);
      const anchor = (m as RegExpExecArray)[2] as string;
      let k = i + (m as RegExpExecArray)[0].length;
      let end = -1;
      while (k <= src.length) {
        let nl = src.indexOf('\n', k);
        if (nl < 0) nl = src.length;
        const text = src.slice(k, nl).replace(/\r+$/, '');
        if (text.trim() === anchor && text.trimStart() === anchor) {
          end = nl < src.length ? nl + 1 : nl;
          break;
        }
        if (nl >= src.length) break;
        k = nl + 1;
      }
      if (end < 0) err('heredoc not terminated', start);
      push('HEREDOC', start, end);
      continue;
    }
    const number = /^-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(src.slice(i, i + 400));
    if (number !== null && (c !== '-' || /\d/.test(src[i + 1] ?? ''))) {
      const text = number[0];
      push(/[.eE]/.test(text) && !/^-?0[xX]/.test(text) ? 'FLOAT' : 'NUMBER', start, i + text.length);
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_\-.]*/.exec(src.slice(i, i + 1000));
    if (ident !== null) {
      const text = ident[0];
      push(text === 'true' || text === 'false' ? 'BOOL' : 'IDENT', start, i + text.length);
      continue;
    }
    err('illegal character', start);
  }
  out.push({ type: 'EOF', text: '', pos: posAt(src.length) });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parser (HCL1's, including where it attaches comments)

class Parser {
  private index = 0;
  private tok: Tok;
  private buffered = false;
  readonly comments: CommentGroup[] = [];
  private leadComment: CommentGroup | undefined;
  private lineComment: CommentGroup | undefined;

  constructor(private readonly toks: readonly Tok[]) {
    this.tok = { type: 'EOF', text: '', pos: NO_POS };
  }

  private next(): Tok {
    const t = this.toks[this.index] ?? this.toks[this.toks.length - 1];
    if (this.index < this.toks.length - 1) this.index++;
    return t as Tok;
  }

  private fail(message: string, pos: Pos): never {
    throw new HclFormatError(`${message} at ${pos.line}:${pos.column}`);
  }

  private consumeComment(): { comment: Comment; endline: number } {
    let endline = this.tok.pos.line;
    if (this.tok.text.startsWith('/*')) for (const ch of this.tok.text) if (ch === '\n') endline++;
    const comment = { text: this.tok.text, pos: this.tok.pos };
    this.tok = this.next();
    return { comment, endline };
  }

  private consumeCommentGroup(n: number): { group: CommentGroup; endline: number } {
    const list: Comment[] = [];
    let endline = this.tok.pos.line;
    while (this.tok.type === 'COMMENT' && this.tok.pos.line <= endline + n) {
      const c = this.consumeComment();
      list.push(c.comment);
      endline = c.endline;
    }
    const group = { list };
    this.comments.push(group);
    return { group, endline };
  }

  scan(): Tok {
    if (this.buffered) {
      this.buffered = false;
      return this.tok;
    }
    const prev = this.tok;
    this.tok = this.next();
    if (this.tok.type === 'COMMENT') {
      let group: CommentGroup | undefined;
      let endline: number;
      if (this.tok.pos.line === prev.pos.line) {
        // On the line of the previous token: maybe a line comment, never a lead comment.
        const g = this.consumeCommentGroup(0);
        if (this.tok.pos.line !== g.endline) this.lineComment = g.group;
        // Not in HCL1: `value /* c */,` then a line break is a line comment too (HCL1 leaves it
        // standalone, and loses it when the item is printed in an aligned group).
        else if (this.current().type === 'COMMA' && (this.toks[this.index]?.pos.line ?? 0) > g.endline) this.lineComment = g.group;
      }
      endline = -1;
      while (this.tok.type === 'COMMENT') {
        const g = this.consumeCommentGroup(1);
        group = g.group;
        endline = g.endline;
      }
      if (endline + 1 === this.tok.pos.line && this.tok.type !== 'RBRACE' && this.tok.type !== 'RBRACK') {
        // The next token is on the line right after the group: a lead comment.
        this.leadComment = group;
      }
    }
    return this.tok;
  }

  /** The current token (a method, so narrowing does not survive the calls that advance it). */
  private current(): Tok {
    return this.tok;
  }

  unscan(): void {
    this.buffered = true;
  }

  parseFile(): Item[] {
    return this.objectList(false);
  }

  private objectList(inObject: boolean): Item[] {
    const items: Item[] = [];
    for (;;) {
      if (inObject) {
        const t = this.scan();
        this.unscan();
        if (t.type === 'RBRACE' || t.type === 'EOF') break;
      }
      const item = this.objectItem();
      if (item === undefined) break;
      items.push(item);
      const t = this.scan();
      if (t.type !== 'COMMA') this.unscan();
    }
    return items;
  }

  private objectKeys(): Tok[] | undefined {
    const keys: Tok[] = [];
    for (;;) {
      const t = this.scan();
      switch (t.type) {
        case 'EOF':
          if (keys.length > 0) this.fail('key expected start of object ("{") or assignment ("=")', t.pos);
          return undefined;
        case 'ASSIGN':
          if (keys.length !== 1) this.fail(keys.length === 0 ? 'no object keys found' : 'nested object expected: "{"', t.pos);
          return keys;
        case 'LBRACE':
          if (keys.length === 0) this.fail('expected a key', t.pos);
          return keys;
        case 'IDENT':
        case 'STRING':
          keys.push(t);
          break;
        default:
          this.fail('expected a key, "=" or "{"', t.pos);
      }
    }
  }

  private objectItem(): Item | undefined {
    const keys = this.objectKeys();
    if (keys === undefined) return undefined;
    const item: Item = { keys, assign: undefined, val: { kind: 'object', lbrace: NO_POS, items: [], rbrace: NO_POS } };
    if (this.leadComment !== undefined) {
      item.lead = this.leadComment;
      this.leadComment = undefined;
    }
    if (this.tok.type === 'ASSIGN') {
      item.assign = this.tok.pos;
      item.val = this.value();
    } else {
      item.val = this.objectType();
    }
    if (this.lineComment !== undefined) {
      item.line = this.lineComment;
      this.lineComment = undefined;
    }
    // Look ahead for a line comment after the value.
    this.scan();
    if (valuePos(item.val).line === (keys[0]?.pos.line ?? -1) && this.lineComment !== undefined) {
      item.line = this.lineComment;
      this.lineComment = undefined;
    }
    this.unscan();
    return item;
  }

  private value(): ValueNode {
    const t = this.scan();
    switch (t.type) {
      case 'NUMBER':
      case 'FLOAT':
      case 'BOOL':
      case 'STRING':
      case 'HEREDOC':
      case 'IDENT':
        return { kind: 'literal', tok: t };
      case 'LBRACE':
        return this.objectType();
      case 'LBRACK':
        return this.listType();
      default:
        return this.fail('expected a value', t.pos);
    }
  }

  /** The current token is `{`. */
  private objectType(): ObjectNode {
    const node: ObjectNode = { kind: 'object', lbrace: this.tok.pos, items: [], rbrace: NO_POS };
    node.items = this.objectList(true);
    const t = this.scan();
    if (t.type !== 'RBRACE') this.fail('expected "}"', t.pos);
    node.rbrace = t.pos;
    return node;
  }

  /** The current token is `[`. */
  private listType(): ListNode {
    const node: ListNode = { kind: 'list', lbrack: this.tok.pos, items: [], rbrack: NO_POS };
    let needComma = false;
    for (;;) {
      const t = this.scan();
      if (needComma && t.type !== 'COMMA' && t.type !== 'RBRACK') this.fail('expected "," or "]" in a list', t.pos);
      switch (t.type) {
        case 'BOOL':
        case 'NUMBER':
        case 'FLOAT':
        case 'STRING':
        case 'HEREDOC':
        case 'IDENT': {
          const lit: Literal = { kind: 'literal', tok: t };
          if (this.leadComment !== undefined) {
            lit.lead = this.leadComment;
            this.leadComment = undefined;
          }
          node.items.push(lit);
          needComma = true;
          break;
        }
        case 'COMMA': {
          this.scan();
          const last = node.items[node.items.length - 1];
          if (this.lineComment !== undefined && last !== undefined && last.kind === 'literal') {
            last.line = this.lineComment;
            this.lineComment = undefined;
          }
          this.unscan();
          needComma = false;
          break;
        }
        case 'LBRACE':
          node.items.push(this.objectType());
          needComma = true;
          break;
        case 'LBRACK':
          node.items.push(this.listType());
          needComma = true;
          break;
        case 'RBRACK':
          node.rbrack = t.pos;
          return node;
        default:
          this.fail('unexpected token in a list', t.pos);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Printer (HCL1's layout)

const UNINDENT = '\uE123';
const INDENT = '  ';

function byteLength(s: string): number {
  return Buffer.byteLength(s);
}

function lineCount(text: string): number {
  let n = 1;
  for (const ch of text) if (ch === '\n') n++;
  return n;
}

/** Indents every non-empty line. */
function indent(text: string): string {
  let out = '';
  let bol = true;
  for (const ch of text) {
    if (bol && ch !== '\n') out += INDENT;
    out += ch;
    bol = ch === '\n';
  }
  return out;
}

/** Marks lines 2+ so that `unindent` removes the indentation added in front of them. */
function heredocIndent(text: string): string {
  let out = '';
  let bol = false;
  for (const ch of text) {
    if (bol && ch !== '\n') out += UNINDENT;
    out += ch;
    bol = ch === '\n';
  }
  return out;
}

function unindent(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch !== UNINDENT) {
      out += ch;
      continue;
    }
    const nl = out.lastIndexOf('\n');
    out = out.slice(0, nl + 1);
  }
  return out;
}

class Printer {
  private prev: Pos = NO_POS;

  constructor(private readonly standalone: readonly CommentGroup[]) {}

  file(items: readonly Item[]): string {
    return unindent(this.objectList(items));
  }

  private objectList(items: readonly Item[]): string {
    let buf = '';
    let index = 0;
    for (;;) {
      const nextItem = index < items.length ? itemPos(items[index] as Item) : END_POS;
      for (const group of this.standalone) {
        let printed = false;
        let newlinePrinted = false;
        for (const comment of group.list) {
          if (after(comment.pos, this.prev) && before(comment.pos, nextItem)) {
            if (!newlinePrinted && isValid(this.prev) && index === items.length) {
              buf += '\n\n';
              newlinePrinted = true;
            }
            buf += `${comment.text}\n`;
            printed = true;
          }
        }
        if (printed && index !== items.length) buf += '\n';
      }
      if (index === items.length) break;
      const current = items[index] as Item;
      this.prev = itemPos(current);
      buf += this.objectItem(current);
      if (index !== items.length - 1) {
        buf += '\n';
        const next = items[index + 1] as Item;
        if (itemPos(next).line !== itemPos(current).line + 1 || !isSingleLineObject(next) || !isSingleLineObject(current)) buf += '\n';
      }
      index++;
    }
    return buf;
  }

  private value(node: ValueNode): string {
    switch (node.kind) {
      case 'literal':
        return literal(node);
      case 'list':
        return this.list(node);
      case 'object':
        return this.objectType(node);
    }
  }

  private objectItem(item: Item): string {
    let buf = '';
    for (const c of item.lead?.list ?? []) buf += `${c.text}\n`;
    const keyLine = itemPos(item).line;
    const valueLine = valuePos(item.val).line;
    // A line comment on a key whose value starts on another line is printed like a lead comment.
    if (item.line !== undefined && valueLine !== keyLine) for (const c of item.line.list) buf += `${c.text}\n`;
    item.keys.forEach((k, i) => {
      buf += `${k.text} `;
      if (item.assign !== undefined && i === item.keys.length - 1 && item.keys.length === 1) buf += '= ';
    });
    buf += this.value(item.val);
    if (item.line !== undefined && valueLine === keyLine) buf += ` ${item.line.list.map((c) => c.text).join('')}`;
    return buf;
  }

  private objectType(node: ObjectNode): string {
    let buf = '{';
    let index = 0;
    let commented = false;
    let newlinePrinted = false;
    const items = node.items;
    for (;;) {
      const nextItem = index !== items.length ? itemPos(items[index] as Item) : node.rbrace;
      for (const group of this.standalone) {
        let printed = false;
        let lastCommentPos = NO_POS;
        for (const comment of group.list) {
          if (after(comment.pos, this.prev) && before(comment.pos, nextItem)) {
            if (!newlinePrinted) {
              newlinePrinted = true;
              buf += '\n';
            }
            if (index > 0) {
              commented = true;
              buf += '\n';
            }
            lastCommentPos = comment.pos;
            buf += indent(heredocIndent(comment.text));
            printed = true;
          }
        }
        if (printed) {
          buf += '\n';
          if (nextItem !== node.rbrace && nextItem.line !== lastCommentPos.line + 1) buf += '\n';
        }
      }
      if (index === items.length) {
        this.prev = node.rbrace;
        break;
      }
      if (!newlinePrinted) {
        buf += '\n';
        newlinePrinted = true;
      }

      // Adjacent one-line items are aligned on "=".
      const aligned: Item[] = [];
      for (const item of items.slice(index)) {
        if (items.length === 1) break;
        if (lineCount(this.objectItem(item)) > 2) break;
        const curPos = itemPos(item);
        const nextPos = index !== items.length - 1 ? itemPos(items[index + 1] as Item) : NO_POS;
        const prevPos = index !== 0 ? itemPos(items[index - 1] as Item) : NO_POS;
        if (curPos.line + 1 === nextPos.line) {
          aligned.push(item);
          index++;
          continue;
        }
        if (curPos.line - 1 === prevPos.line) {
          aligned.push(item);
          index++;
          if (curPos.line + 1 !== nextPos.line) break;
          continue;
        }
        break;
      }

      if (!commented && index !== aligned.length) buf += '\n';

      if (aligned.length >= 1) {
        this.prev = itemPos(aligned[aligned.length - 1] as Item);
        buf += indent(this.alignedItems(aligned));
      } else {
        const item = items[index] as Item;
        this.prev = itemPos(item);
        buf += indent(this.objectItem(item));
        index++;
      }
      buf += '\n';
    }
    return `${buf}}`;
  }

  private alignedItems(items: readonly Item[]): string {
    let longestKey = 0;
    let longestValue = 0;
    for (const item of items) {
      longestKey = Math.max(longestKey, byteLength(item.keys[0]?.text ?? ''));
      longestValue = Math.max(longestValue, byteLength(this.value(item.val)));
    }
    let buf = '';
    items.forEach((item, i) => {
      for (const c of item.lead?.list ?? []) buf += `${c.text}\n`;
      item.keys.forEach((k, j) => {
        buf += k.text + ' '.repeat(Math.max(0, longestKey - byteLength(k.text) + 1));
        if (j === item.keys.length - 1 && item.keys.length === 1) buf += '= ';
      });
      const value = this.value(item.val);
      buf += value;
      if (valuePos(item.val).line === itemPos(item).line && item.line !== undefined) {
        buf += ' '.repeat(Math.max(0, longestValue - byteLength(value) + 1));
        buf += item.line.list.map((c) => c.text).join('');
      }
      if (i !== items.length - 1) buf += '\n';
    });
    return buf;
  }

  private list(node: ListNode): string {
    if (isSingleLineList(node)) {
      return `[${node.items
        .map((item) => {
          const text = this.value(item);
          return item.kind === 'literal' && item.tok.type === 'HEREDOC' ? `${text}\n` : text;
        })
        .join(', ')}]`;
    }
    let buf = '[\n';
    let longest = 0;
    for (const item of node.items) if (item.kind === 'literal') longest = Math.max(longest, byteLength(item.tok.text));
    let haveEmptyLine = false;
    node.items.forEach((item, i) => {
      let leadComment = false;
      if (item.kind === 'literal' && item.lead !== undefined) {
        leadComment = true;
        if (!haveEmptyLine && i !== 0) buf += '\n';
        for (const c of item.lead.list) buf += `${indent(c.text)}\n`;
      }
      const value = this.value(item);
      buf += indent(value);
      let comma = ',';
      if (item.kind === 'literal' && item.tok.type === 'HEREDOC') {
        buf += '\n';
        comma = indent(comma);
      }
      buf += comma;
      if (item.kind === 'literal' && item.line !== undefined) {
        buf += ' '.repeat(1 + Math.max(0, longest - byteLength(value)));
        buf += item.line.list.map((c) => c.text).join('');
      }
      buf += '\n';
      haveEmptyLine = leadComment && i !== node.items.length - 1;
      if (haveEmptyLine) buf += '\n';
    });
    return `${buf}]`;
  }
}

function literal(node: Literal): string {
  let text = node.tok.text;
  if (node.tok.type === 'HEREDOC') {
    if (text.endsWith('\n')) text = text.slice(0, -1);
    return heredocIndent(text);
  }
  if (node.tok.type === 'STRING' && text.includes('\n')) return heredocIndent(text);
  return text;
}

function isSingleLineList(node: ListNode): boolean {
  for (const item of node.items) {
    if (valuePos(item).line !== node.lbrack.line) return false;
    if (item.kind !== 'literal') return false;
    if (item.tok.type === 'HEREDOC' && node.items.length !== 1) return false;
    if (item.line !== undefined) return false;
  }
  return true;
}

/** `name {}`: a block with nothing in it and no lead comment. */
function isSingleLineObject(item: Item): boolean {
  if (item.lead !== undefined) return false;
  if (item.assign !== undefined) return false;
  return item.val.kind === 'object' && item.val.items.length === 0;
}

/** Every comment group attached to an item or a list element (the rest are standalone). */
function attachedGroups(items: readonly Item[], into: Set<CommentGroup>): void {
  const visitValue = (node: ValueNode): void => {
    if (node.kind === 'literal') {
      if (node.lead !== undefined) into.add(node.lead);
      if (node.line !== undefined) into.add(node.line);
    } else if (node.kind === 'list') node.items.forEach(visitValue);
    else attachedGroups(node.items, into);
  };
  for (const item of items) {
    if (item.lead !== undefined) into.add(item.lead);
    if (item.line !== undefined) into.add(item.line);
    visitValue(item.val);
  }
}

/**
 * Formats an HCL document as HCL1's printer does (what `vault policy fmt` writes). Throws
 * `HclFormatError` for input it cannot parse; JSON documents are not HCL and are refused.
 */
export function formatHcl(source: string): string {
  const text = source.replace(/^\ufeff/, '').replace(/\r\n/g, '\n');
  if (/^\s*\{/.test(text)) throw new HclFormatError('the document is JSON; only HCL can be formatted');
  const tokens = lex(text);
  const parser = new Parser(tokens);
  const items = parser.parseFile();
  const attached = new Set<CommentGroup>();
  attachedGroups(items, attached);
  const standalone = parser.comments
    .filter((g) => g.list.length > 0 && !attached.has(g))
    .sort((a, b) => (before(groupPos(a), groupPos(b)) ? -1 : before(groupPos(b), groupPos(a)) ? 1 : 0));
  const out = `${new Printer(standalone).file(items)}\n`;
  // HCL1's printer can drop a comment in odd places; a formatter must never lose text.
  const seen = new Map<string, number>();
  for (const t of tokens) {
    if (t.type !== 'COMMENT') continue;
    const count = (seen.get(t.text) ?? 0) + 1;
    seen.set(t.text, count);
    if (out.split(t.text).length - 1 < count) throw new HclFormatError(`the comment at ${t.pos.line}:${t.pos.column} would be lost; move it onto a line of its own`);
  }
  return out;
}
