/**
 * The parse tree of Go's text/template (`text/template/parse/node.go`), as plain objects.
 * `nodeString` reproduces Go's `Node.String()`, which error messages quote (`at <.foo>`).
 */
import { goQuote } from './strconv.js';

export interface ListNode {
  readonly type: 'list';
  readonly pos: number;
  readonly nodes: Node[];
}

export interface TextNode {
  readonly type: 'text';
  readonly pos: number;
  readonly text: string;
}

export interface ActionNode {
  readonly type: 'action';
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
}

export interface BranchNode<T extends 'if' | 'range' | 'with'> {
  readonly type: T;
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}

export type IfNode = BranchNode<'if'>;
export type RangeNode = BranchNode<'range'>;
export type WithNode = BranchNode<'with'>;

export interface TemplateNode {
  readonly type: 'template';
  readonly pos: number;
  readonly line: number;
  readonly name: string;
  readonly pipe: PipeNode | undefined;
}

export interface BreakNode {
  readonly type: 'break';
  readonly pos: number;
  readonly line: number;
}

export interface ContinueNode {
  readonly type: 'continue';
  readonly pos: number;
  readonly line: number;
}

export interface PipeNode {
  readonly type: 'pipe';
  readonly pos: number;
  readonly line: number;
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}

export interface CommandNode {
  readonly type: 'command';
  readonly pos: number;
  readonly args: ArgNode[];
}

export interface FieldNode {
  readonly type: 'field';
  readonly pos: number;
  readonly ident: readonly string[];
}

export interface ChainNode {
  readonly type: 'chain';
  readonly pos: number;
  readonly node: ArgNode;
  readonly field: string[];
}

export interface VariableNode {
  readonly type: 'variable';
  readonly pos: number;
  readonly ident: readonly string[];
}

export interface IdentifierNode {
  readonly type: 'identifier';
  readonly pos: number;
  readonly ident: string;
}

export interface DotNode {
  readonly type: 'dot';
  readonly pos: number;
}

export interface NilNode {
  readonly type: 'nil';
  readonly pos: number;
}

export interface BoolNode {
  readonly type: 'bool';
  readonly pos: number;
  readonly value: boolean;
}

export interface NumberNode {
  readonly type: 'number';
  readonly pos: number;
  /** The constant as written (`0x1F`, `'a'`, `1e3`). */
  readonly text: string;
  readonly value: number;
  /** Whether Go would make this an int constant (otherwise float64). */
  readonly isInt: boolean;
}

export interface StringNode {
  readonly type: 'string';
  readonly pos: number;
  /** The literal as written, with quotes. */
  readonly quoted: string;
  readonly text: string;
}

/** Markers the parser uses for `{{end}}` and `{{else}}`; never part of a finished tree. */
export interface EndNode {
  readonly type: 'end';
  readonly pos: number;
}

export interface ElseNode {
  readonly type: 'else';
  readonly pos: number;
  readonly line: number;
}

/** What can appear as an operand of a command. */
export type ArgNode =
  | FieldNode
  | ChainNode
  | VariableNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type Node =
  | ListNode
  | TextNode
  | ActionNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | CommandNode
  | ArgNode;

/** A parsed template: its body, and the name the source was parsed under (for messages). */
export interface Tree {
  readonly name: string;
  readonly parseName: string;
  readonly root: ListNode;
}


/** Go's `Node.String()`. */
export function nodeString(node: Node | EndNode | ElseNode): string {
  switch (node.type) {
    case 'list':
      return node.nodes.map(nodeString).join('');
    case 'text':
      return node.text;
    case 'action':
      return `{{${nodeString(node.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with': {
      let s = `{{${node.type} ${nodeString(node.pipe)}}}${nodeString(node.list)}`;
      if (node.elseList !== undefined) s += `{{else}}${nodeString(node.elseList)}`;
      return `${s}{{end}}`;
    }
    case 'template':
      return node.pipe === undefined
        ? `{{template ${goQuote(node.name)}}}`
        : `{{template ${goQuote(node.name)} ${nodeString(node.pipe)}}}`;
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
    case 'pipe': {
      let s = '';
      if (node.decl.length > 0) {
        s = node.decl.map(nodeString).join(', ');
        s += node.isAssign ? ' = ' : ' := ';
      }
      return s + node.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return node.args.map((arg) => (arg.type === 'pipe' ? `(${nodeString(arg)})` : nodeString(arg))).join(' ');
    case 'field':
      return node.ident.map((id) => `.${id}`).join('');
    case 'chain': {
      const head = node.node.type === 'pipe' ? `(${nodeString(node.node)})` : nodeString(node.node);
      return head + node.field.map((f) => `.${f}`).join('');
    }
    case 'variable':
      return node.ident.join('.');
    case 'identifier':
      return node.ident;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return node.value ? 'true' : 'false';
    case 'number':
      return node.text;
    case 'string':
      return node.quoted;
  }
}
