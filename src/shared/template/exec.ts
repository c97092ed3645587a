/**
 * The executor of Go's text/template (a port of `text/template/exec.go`) over JavaScript
 * values (see values.ts for how they stand in for Go's).
 *
 * Errors are `TemplateError`s with Go's format: `template: NAME:LINE:COL: executing "T" at
 * <NODE>: MESSAGE`. A function that throws becomes `error calling NAME: MESSAGE`. Messages
 * never include data values: where Go prints a value ("range can't iterate over 1.5"), the
 * type is named instead.
 */
import type {
  ArgNode,
  BranchNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  Tree,
  VariableNode,
} from './ast.js';
import { nodeString } from './ast.js';
import { formatValue } from './fmt.js';
import { ArgTypeError, arityOf } from './func-args.js';
import { goQuote } from './strconv.js';
import { TemplateError } from './template-error.js';
import type { TemplateFunc } from './types.js';
import { type GoMap, goTypeName, isMap, isTrue, kindOf, mapHas, sortedKeys, zeroValueOf } from './values.js';

/** Template invocation depth limit (Go allows 100000; JavaScript's stack is smaller). */
export const MAX_EXEC_DEPTH = 1000;

export interface FuncEntry {
  readonly fn: TemplateFunc;
  /** Whether this is Go's own builtin (and/or short-circuit, call reports like Go's). */
  readonly builtin: boolean;
}

export interface ExecEnv {
  readonly source: string;
  readonly trees: ReadonlyMap<string, Tree>;
  readonly funcs: ReadonlyMap<string, FuncEntry>;
  readonly missingKey: 'default' | 'zero' | 'error';
}

/** The "no final argument" marker of a pipeline stage (Go's missingVal). */
const MISSING: unique symbol = Symbol('missing');
type Final = unknown;

const BREAK = 1;
const CONTINUE = 2;
type Signal = typeof BREAK | typeof CONTINUE | undefined;

interface Variable {
  readonly name: string;
  value: unknown;
}

function byteColumn(source: string, pos: number): { line: number; col: number } {
  const before = source.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 0x0a) line++;
  const col = Buffer.byteLength(nl < 0 ? before : before.slice(nl + 1), 'utf8');
  return { line, col };
}

class State {
  private vars: Variable[];
  private tmplName: string;
  private depth = 0;
  private node: Node | undefined;
  out = '';

  constructor(
    private readonly env: ExecEnv,
    name: string,
    dot: unknown,
  ) {
    this.tmplName = name;
    this.vars = [{ name: '$', value: dot }];
  }

  at(node: Node): void {
    this.node = node;
  }

  errorf(message: string): never {
    const tree = this.env.trees.get(this.tmplName);
    const parseName = tree?.parseName ?? this.tmplName;
    if (this.node === undefined) throw new TemplateError(`template: ${this.tmplName}: ${message}`);
    const { line, col } = byteColumn(this.env.source, this.node.pos);
    let context = nodeString(this.node);
    const chars = Array.from(context);
    if (chars.length > 20) context = `${chars.slice(0, 20).join('')}...`;
    throw new TemplateError(`template: ${parseName}:${line}:${col}: executing ${goQuote(this.tmplName)} at <${context}>: ${message}`);
  }

  // --- variables ---

  private push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: unknown): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking ---

  walk(dot: unknown, node: Node): Signal {
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return undefined;
      }
      case 'break':
        return BREAK;
      case 'continue':
        return CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        return this.walkList(dot, node);
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        this.walkTemplate(dot, node);
        return undefined;
      case 'text':
        this.out += node.text;
        return undefined;
      default:
        this.at(node);
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkList(dot: unknown, list: ListNode): Signal {
    for (const n of list.nodes) {
      const signal = this.walk(dot, n);
      if (signal !== undefined) return signal;
    }
    return undefined;
  }

  private walkIfOrWith(dot: unknown, node: BranchNode<'if' | 'with'>): Signal {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) return this.walkList(node.type === 'with' ? val : dot, node.list);
      if (node.elseList !== undefined) return this.walkList(dot, node.elseList);
      return undefined;
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, r: BranchNode<'range'>): Signal {
    this.at(r);
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const iterMark = this.vars.length;
      const decl = r.pipe.decl;
      const oneIteration = (index: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar((decl[0] as VariableNode).ident[0] as string, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar((decl[1] as VariableNode).ident[0] as string, elem);
          else this.setTopVar(2, index);
        }
        const signal = this.walkList(elem, r.list);
        this.vars.length = iterMark;
        return signal === BREAK;
      };
      let ran = false;
      switch (kindOf(val)) {
        case 'slice':
        case 'bytes': {
          const list = val as ArrayLike<unknown>;
          for (let i = 0; i < list.length; i++) {
            ran = true;
            if (oneIteration(i, list[i])) break;
          }
          break;
        }
        case 'map': {
          const m = val as GoMap;
          for (const key of sortedKeys(m)) {
            ran = true;
            if (oneIteration(key, m[key])) break;
          }
          break;
        }
        case 'int': {
          this.at(r);
          if (decl.length > 1) this.errorf(`can't use ${goTypeName(val)} to iterate over more than one variable`);
          const n = Number(val);
          for (let i = 0; i < n; i++) {
            ran = true;
            if (oneIteration(undefined, i)) break;
          }
          break;
        }
        case 'invalid':
          break;
        default:
          this.at(r);
          this.errorf(`range can't iterate over value of type ${goTypeName(val)}`);
      }
      if (!ran && r.elseList !== undefined) return this.walkList(dot, r.elseList);
      return undefined;
    } finally {
      this.vars.length = mark;
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.env.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = t.pipe === undefined ? undefined : this.evalPipeline(dot, t.pipe);
    const saved = { vars: this.vars, tmplName: this.tmplName };
    this.vars = [{ name: '$', value: newDot }];
    this.tmplName = t.name;
    this.depth++;
    try {
      this.walkList(newDot, tree.root);
    } finally {
      this.depth--;
      this.vars = saved.vars;
      this.tmplName = saved.tmplName;
    }
  }

  // --- evaluation ---

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      const name = v.ident[0] as string;
      if (pipe.isAssign) this.setVar(name, value);
      else this.push(name, value);
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[] | undefined, final: Final): void {
    if ((args !== undefined && args.length > 1) || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString((args?.[0] ?? this.node) as Node)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0] as ArgNode;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
      default:
        break;
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(n: NumberNode): number {
    this.at(n);
    return n.value;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const value = this.evalArg(dot, chain.node);
    return this.evalFieldChain(dot, value, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0] as string);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: Node,
    ident: readonly string[],
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    let value = receiver;
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) value = this.evalField(ident[i] as string, node, undefined, MISSING, value);
    return this.evalField(ident[n - 1] as string, node, args, final, value);
  }

  private evalField(fieldName: string, node: Node, args: readonly ArgNode[] | undefined, final: Final, receiver: unknown): unknown {
    this.at(node);
    if (receiver === undefined || receiver === null) {
      if (this.env.missingKey === 'error') this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return undefined;
    }
    if (isMap(receiver)) {
      if ((args !== undefined && args.length > 1) || final !== MISSING) this.errorf(`${fieldName} is not a method but has arguments`);
      if (mapHas(receiver, fieldName)) return receiver[fieldName];
      switch (this.env.missingKey) {
        case 'default':
          return undefined;
        case 'zero':
          return zeroValueOf(receiver);
        case 'error':
          this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${goTypeName(receiver)}`);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: readonly ArgNode[], final: Final): unknown {
    this.at(node);
    const name = node.ident;
    const entry = this.env.funcs.get(name);
    if (entry === undefined) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, entry, cmd, name, args.slice(1), final);
  }

  private evalCall(dot: unknown, entry: FuncEntry, node: Node, name: string, argNodes: readonly ArgNode[], final: Final): unknown {
    const numIn = argNodes.length + (final === MISSING ? 0 : 1);
    const arity = arityOf(entry.fn);
    if (arity !== undefined) {
      if (numIn < arity.min) {
        this.errorf(
          arity.max === arity.min
            ? `wrong number of args for ${name}: want ${arity.min} got ${numIn}`
            : `wrong number of args for ${name}: want at least ${arity.min} got ${numIn}`,
        );
      }
      if (numIn > arity.max) {
        this.errorf(
          arity.max === arity.min
            ? `wrong number of args for ${name}: want ${arity.max} got ${numIn}`
            : `wrong number of args for ${name}: want at most ${arity.max} got ${numIn}`,
        );
      }
    }
    if (entry.builtin && (name === 'and' || name === 'or')) {
      // and/or stop evaluating at the first argument that decides the result
      let v: unknown;
      for (const arg of argNodes) {
        v = this.evalArg(dot, arg);
        if (isTrue(v) === (name === 'or')) return v;
      }
      return final === MISSING ? v : final;
    }
    const argv = argNodes.map((arg) => nilOf(this.evalArg(dot, arg)));
    if (final !== MISSING) argv.push(nilOf(final));
    let fn = entry.fn;
    let callName = name;
    if (entry.builtin && name === 'call') {
      const target = argv.shift();
      callName = 'call';
      this.at(node);
      if (target === null) this.errorf('error calling call: call of nil');
      if (typeof target !== 'function') {
        this.errorf(`error calling call: non-function ${nodeString((argNodes[0] ?? node) as Node)} of type ${goTypeName(target)}`);
      }
      fn = target as TemplateFunc;
    }
    let result: unknown;
    try {
      result = fn(...argv);
    } catch (err) {
      this.at(node);
      if (err instanceof ArgTypeError) this.errorf(err.message);
      this.errorf(`error calling ${callName}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (result instanceof Promise) {
      result.catch(() => undefined); // an abandoned promise must not become an unhandled rejection
      this.at(node);
      this.errorf(`error calling ${callName}: function returned a Promise; template functions must be synchronous`);
    }
    return result;
  }

  private evalArg(dot: unknown, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'field':
        return this.evalFieldNode(dot, n, [n], MISSING);
      case 'variable':
        return this.evalVariableNode(dot, n, undefined, MISSING);
      case 'pipe':
        return this.evalPipeline(dot, n);
      case 'identifier':
        return this.evalFunction(dot, n, n, [n], MISSING);
      case 'chain':
        return this.evalChainNode(dot, n, undefined, MISSING);
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
  }

  private printValue(node: Node, v: unknown): void {
    this.at(node);
    if (v === undefined || v === null) {
      this.out += '<no value>';
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(node)} of type ${goTypeName(v)}`);
    this.out += formatValue(v);
  }
}

/** Functions see Go's nil as null, never undefined. */
function nilOf(v: unknown): unknown {
  return v === undefined ? null : v;
}

/** Runs the named tree against `data`. */
export function execute(env: ExecEnv, name: string, data: unknown): string {
  const tree = env.trees.get(name);
  if (tree === undefined) throw new TemplateError(`template: ${name}: ${goQuote(name)} is an incomplete or empty template`);
  const state = new State(env, name, data);
  try {
    state.walk(data, tree.root);
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    if (err instanceof RangeError) {
      const message = /call stack/i.test(err.message) ? 'exceeded maximum nesting depth' : 'output too large';
      throw new TemplateError(`template: ${name}: ${message}`, { cause: err });
    }
    throw new TemplateError(`template: ${name}: internal error executing template`, { cause: err });
  }
  return state.out;
}
