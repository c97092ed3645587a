/**
 * The parser of Go's text/template (a port of `text/template/parse/parse.go`). One source gives
 * a set of named trees: the main one plus every `{{define}}` and `{{block}}`.
 *
 * Deviations from Go: complex-number constants are rejected (JavaScript has none), integer
 * constants must fit in a double exactly, and assigning (`$x = ...`) to an undeclared variable
 * is a parse error rather than an execution error.
 */
import type {
  ArgNode,
  CommandNode,
  ElseNode,
  EndNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  StringNode,
  TemplateNode,
  Tree,
  VariableNode,
} from './ast.js';
import { nodeString } from './ast.js';
import { type Item, type ItemType, Lexer, itemString } from './lexer.js';
import { goQuote, parseGoFloat, parseGoInt, unquote, unquoteChar } from './strconv.js';
import { TemplateError } from './template-error.js';

/** Nesting limit for parentheses and control structures (Go allows 10000 parentheses). */
export const MAX_PARSE_DEPTH = 1000;

export interface ParseOptions {
  /** The main template's name; also the name shown in messages. */
  readonly name: string;
  readonly leftDelim: string;
  readonly rightDelim: string;
  /** Whether a function name exists (calls to unknown functions are parse errors, as in Go). */
  readonly hasFunction: (name: string) => boolean;
}

class TokenStream {
  private readonly token: Item[];
  private peekCount = 0;

  constructor(private readonly lex: Lexer) {
    const eof: Item = { type: 'eof', pos: 0, val: 'EOF', line: 1 };
    this.token = [eof, eof, eof];
  }

  /** The furthest token read so far: Go reports parse errors at its line. */
  get latest(): Item {
    return this.token[0] as Item;
  }

  next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.peekCount] as Item;
  }

  backup(): void {
    this.peekCount++;
  }

  backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1] as Item;
    this.peekCount = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }

  nextNonSpace(): Item {
    let token: Item;
    do token = this.next();
    while (token.type === 'space');
    return token;
  }

  peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }
}

interface Shared {
  readonly stream: TokenStream;
  readonly parseName: string;
  readonly hasFunction: (name: string) => boolean;
  readonly trees: Map<string, Tree>;
  depth: number;
}

function isEmptyList(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === 'text' && n.text.trim() === '');
}

class TreeParser {
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;

  constructor(
    private readonly shared: Shared,
    private name: string,
  ) {}

  private get stream(): TokenStream {
    return this.shared.stream;
  }

  errorf(message: string): never {
    throw new TemplateError(`template: ${this.shared.parseName}:${this.stream.latest.line}: ${message}`);
  }

  private unexpected(token: Item, context: string): never {
    if (token.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.shared.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  private expect(expected: ItemType, context: string): Item {
    const token = this.stream.nextNonSpace();
    if (token.type !== expected) this.unexpected(token, context);
    return token;
  }

  private enter(): void {
    if (this.shared.depth >= MAX_PARSE_DEPTH) this.errorf('max expression depth exceeded');
    this.shared.depth++;
  }

  private leave(): void {
    this.shared.depth--;
  }

  /** Registers a finished tree, with Go's rule: an empty body may be redefined, two non-empty ones may not. */
  add(root: ListNode): void {
    const existing = this.shared.trees.get(this.name);
    if (existing === undefined || isEmptyList(existing.root)) {
      this.shared.trees.set(this.name, { name: this.name, parseName: this.shared.parseName, root });
      return;
    }
    if (!isEmptyList(root)) this.errorf(`template: multiple definition of template ${goQuote(this.name)}`);
  }

  /** The top level: text, actions and `{{define}}` clauses. */
  parseTop(): ListNode {
    const root: ListNode = { type: 'list', pos: this.stream.peek().pos, nodes: [] };
    while (this.stream.peek().type !== 'eof') {
      if (this.stream.peek().type === 'leftDelim') {
        const delim = this.stream.next();
        if (this.stream.nextNonSpace().type === 'define') {
          const definition = new TreeParser(this.shared, 'definition');
          definition.parseDefinition();
          continue;
        }
        this.stream.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    return root;
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const token = this.stream.nextNonSpace();
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, context);
    this.name = this.unquoteOrFail(token.val);
    this.expect('rightDelim', context);
    const { list, next } = this.itemList();
    if (next.type !== 'end') this.errorf(`unexpected ${nodeString(next)} in ${context}`);
    this.add(list);
  }

  private unquoteOrFail(literal: string): string {
    try {
      return unquote(literal);
    } catch {
      this.errorf('invalid syntax');
    }
  }

  private itemList(): { list: ListNode; next: EndNode | ElseNode } {
    const list: ListNode = { type: 'list', pos: this.stream.peekNonSpace().pos, nodes: [] };
    while (this.stream.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return { list, next: n };
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndNode | ElseNode {
    const token = this.stream.nextNonSpace();
    switch (token.type) {
      case 'text':
        return { type: 'text', pos: token.pos, text: token.val };
      case 'leftDelim': {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node | EndNode | ElseNode {
    const token = this.stream.nextNonSpace();
    switch (token.type) {
      case 'block':
        return this.blockControl();
      case 'break':
        return this.loopControl('break', token);
      case 'continue':
        return this.loopControl('continue', token);
      case 'else':
        return this.elseControl();
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
        return this.branchControl('if');
      case 'range':
        return this.branchControl('range');
      case 'template':
        return this.templateControl();
      case 'with':
        return this.branchControl('with');
      default:
        break;
    }
    this.stream.backup();
    const next = this.stream.peek();
    // variables declared here persist until the end of the enclosing control structure
    return { type: 'action', pos: next.pos, line: next.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private loopControl(kind: 'break' | 'continue', keyword: Item): Node {
    const token = this.stream.nextNonSpace();
    if (token.type !== 'rightDelim') this.unexpected(token, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos: keyword.pos, line: keyword.line };
  }

  private elseControl(): ElseNode {
    const peek = this.stream.peekNonSpace();
    // "{{else if ...}}" and "{{else with ...}}" are "{{else}}{{if ...}}...{{end}}"
    if (peek.type === 'if' || peek.type === 'with') return { type: 'else', pos: peek.pos, line: peek.line };
    const token = this.expect('rightDelim', 'else');
    return { type: 'else', pos: token.pos, line: token.line };
  }

  private branchControl(context: 'if' | 'range' | 'with'): Node {
    this.enter();
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      let result: { list: ListNode; next: EndNode | ElseNode };
      try {
        result = this.itemList();
      } finally {
        if (context === 'range') this.rangeDepth--;
      }
      const { list, next } = result;
      let elseList: ListNode | undefined;
      if (next.type === 'else') {
        const peek = this.stream.peek().type;
        if ((context === 'if' && peek === 'if') || (context === 'with' && peek === 'with')) {
          this.stream.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.branchControl(context)] };
        } else {
          const rest = this.itemList();
          if (rest.next.type !== 'end') this.errorf(`expected end; found ${nodeString(rest.next)}`);
          elseList = rest.list;
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
      this.leave();
    }
  }

  private blockControl(): Node {
    const context = 'block clause';
    const token = this.stream.nextNonSpace();
    const name = this.templateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    this.enter();
    try {
      const block = new TreeParser(this.shared, name);
      const { list, next } = block.itemList();
      if (next.type !== 'end') this.errorf(`unexpected ${nodeString(next)} in ${context}`);
      block.add(list);
    } finally {
      this.leave();
    }
    const node: TemplateNode = { type: 'template', pos: token.pos, line: token.line, name, pipe };
    return node;
  }

  private templateControl(): Node {
    const context = 'template clause';
    const token = this.stream.nextNonSpace();
    const name = this.templateName(token, context);
    let pipe: PipeNode | undefined;
    if (this.stream.nextNonSpace().type !== 'rightDelim') {
      this.stream.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: token.pos, line: token.line, name, pipe };
  }

  private templateName(token: Item, context: string): string {
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, context);
    return this.unquoteOrFail(token.val);
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const first = this.stream.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    // declarations or assignments: "$x :=", "$x =", "$i, $e :="
    for (;;) {
      const v = this.stream.peekNonSpace();
      if (v.type !== 'variable') break;
      this.stream.next();
      const tokenAfterVariable = this.stream.peek();
      const next = this.stream.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.stream.nextNonSpace();
        if (pipe.isAssign && !this.vars.includes(v.val)) this.errorf(`undefined variable ${goQuote(v.val)}`);
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        break;
      }
      if (next.type === 'char' && next.val === ',') {
        this.stream.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const after = this.stream.peekNonSpace().type;
          if (after === 'variable' || after === 'rightDelim' || after === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      if (tokenAfterVariable.type === 'space') this.stream.backup3(v, tokenAfterVariable);
      else this.stream.backup2(v);
      break;
    }
    for (;;) {
      const token = this.stream.nextNonSpace();
      if (token.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.type) {
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.stream.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((cmd, i) => {
      const kind = cmd.args[0]?.type;
      if (kind === 'bool' || kind === 'dot' || kind === 'nil' || kind === 'number' || kind === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.stream.peekNonSpace().pos, args: [] };
    for (;;) {
      this.stream.peekNonSpace(); // skip leading spaces
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const token = this.stream.next();
      if (token.type === 'space') continue;
      if (token.type === 'rightDelim' || token.type === 'rightParen') this.stream.backup();
      else if (token.type !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.stream.peek().type !== 'field') return node;
    const chainPos = this.stream.peek().pos;
    const fields: string[] = [];
    while (this.stream.peek().type === 'field') fields.push(...this.stream.next().val.slice(1).split('.'));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      default:
        return { type: 'chain', pos: chainPos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const token = this.stream.nextNonSpace();
    switch (token.type) {
      case 'identifier':
        if (!this.shared.hasFunction(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { type: 'identifier', pos: token.pos, ident: token.val };
      case 'dot':
        return { type: 'dot', pos: token.pos };
      case 'nil':
        return { type: 'nil', pos: token.pos };
      case 'variable':
        return this.useVar(token);
      case 'field':
        return { type: 'field', pos: token.pos, ident: token.val.slice(1).split('.') };
      case 'bool':
        return { type: 'bool', pos: token.pos, value: token.val === 'true' };
      case 'charConstant':
      case 'complex':
      case 'number':
        return this.number(token);
      case 'leftParen': {
        this.enter();
        try {
          return this.pipeline('parenthesized pipeline', 'rightParen');
        } finally {
          this.leave();
        }
      }
      case 'string':
      case 'rawString': {
        const node: StringNode = { type: 'string', pos: token.pos, quoted: token.val, text: this.unquoteOrFail(token.val) };
        return node;
      }
      default:
        this.stream.backup();
        return undefined;
    }
  }

  private useVar(token: Item): VariableNode {
    const ident = token.val.split('.');
    const name = ident[0] as string;
    if (!this.vars.includes(name)) this.errorf(`undefined variable ${goQuote(name)}`);
    return { type: 'variable', pos: token.pos, ident };
  }

  private number(token: Item): NumberNode {
    const text = token.val;
    if (token.type === 'complex') this.errorf(`complex number constants are not supported: ${text}`);
    if (token.type === 'charConstant') {
      let decoded: { value: number; tail: string };
      try {
        decoded = unquoteChar(text.slice(1), "'");
      } catch {
        this.errorf('invalid syntax');
      }
      if (decoded.tail !== "'") this.errorf(`malformed character constant: ${text}`);
      return { type: 'number', pos: token.pos, text, value: decoded.value, isInt: true };
    }
    const asInt = parseGoInt(text);
    if (asInt !== undefined) {
      const value = Number(asInt);
      if (!Number.isSafeInteger(value)) this.errorf(`${text} overflows int`);
      return { type: 'number', pos: token.pos, text, value, isInt: true };
    }
    const asFloat = parseGoFloat(text);
    if (asFloat === undefined) this.errorf(`illegal number syntax: ${goQuote(text)}`);
    if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${goQuote(text)}`);
    return { type: 'number', pos: token.pos, text, value: asFloat, isInt: false };
  }
}

/** Parses a template source into its named trees (the main one is `options.name`). */
export function parse(source: string, options: ParseOptions): Map<string, Tree> {
  const leftDelim = options.leftDelim === '' ? '{{' : options.leftDelim;
  const rightDelim = options.rightDelim === '' ? '}}' : options.rightDelim;
  const shared: Shared = {
    stream: new TokenStream(new Lexer(source, leftDelim, rightDelim, options.hasFunction)),
    parseName: options.name,
    hasFunction: options.hasFunction,
    trees: new Map(),
    depth: 0,
  };
  const top = new TreeParser(shared, options.name);
  const root = top.parseTop();
  top.add(root);
  return shared.trees;
}
