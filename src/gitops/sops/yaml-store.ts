/**
 * YAML store (sops `stores/yaml`): every document is a branch; comments become `Comment`
 * items placed before the item they precede (line comments move above, as sops does);
 * output uses 4-space indentation and no line folding, like sops's yaml.v3 encoder, with
 * YAML 1.1-safe quoting (`"yes"`, timestamps-looking strings) for Kubernetes' parsers.
 */
import {
  Alias,
  Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  Scalar as YamlScalar,
  YAMLMap,
  YAMLSeq,
  type Node as YamlNode,
  type ToStringOptions,
} from 'yaml';
import { Branch, Comment, type TreeItem, type TreeValue } from './tree.js';
import { isInt64 } from './cipher.js';
import { SopsError } from './errors.js';

const TO_STRING: ToStringOptions = { indent: 4, indentSeq: true, lineWidth: 0, minContentWidth: 0 };
/** Metadata values yaml.v3 writes double-quoted (they look like timestamps). */
const QUOTED_KEYS = new Set(['lastmodified', 'created_at']);

function commentLines(text: string | null | undefined): Comment[] {
  if (text === null || text === undefined || text === '') return [];
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => new Comment(l));
}

/**
 * yaml.v3 resolves plain integers with Go's `strconv.ParseInt(s, 0, 64)` after dropping `_`
 * (so `0777` is octal and `1_000` an int), which YAML 1.2's core schema does not; sops hashes
 * and encrypts what yaml.v3 resolved, so mirror it.
 */
function goPlainInt(source: string): bigint | undefined {
  const plain = source.replace(/_/g, '');
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]+|[0-9]+)$/.exec(plain);
  if (m === null) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  let digits = m[2] ?? '';
  if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  const v = sign * BigInt(digits.toLowerCase());
  return isInt64(v) ? v : undefined;
}

function scalarValue(node: YamlScalar): TreeValue {
  const v: unknown = node.value;
  if (node.type === 'PLAIN' && node.tag === undefined && typeof node.source === 'string' && /^[+-]?[0-9]/.test(node.source)) {
    const i = goPlainInt(node.source);
    if (i !== undefined) return i;
  }
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return isInt64(v) ? v : Number(v);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

class Reader {
  constructor(private readonly doc: Document.Parsed) {}

  private resolve(node: unknown): unknown {
    let n = node;
    for (let i = 0; i < 100 && isAlias(n); i++) n = (n as Alias).resolve(this.doc);
    if (isAlias(n)) throw new SopsError('Error unmarshaling input YAML: alias chain too deep');
    return n;
  }

  value(raw: unknown, commentsHandled: boolean): TreeValue {
    const node = this.resolve(raw);
    if (node === null || node === undefined) return null;
    if (isMap(node)) return this.mapping(node, commentsHandled);
    if (isSeq(node)) {
      const out: TreeValue[] = [];
      if (!commentsHandled) out.push(...commentLines(node.commentBefore));
      for (const rawItem of node.items) {
        const item = this.resolve(rawItem) as YamlNode | null;
        const scalarLike = item === null || isScalar(item);
        out.push(...commentLines(item?.commentBefore));
        if (scalarLike) out.push(...commentLines(item?.comment));
        out.push(this.value(item, true));
        if (!scalarLike) out.push(...commentLines(item?.comment));
      }
      if (!commentsHandled) out.push(...commentLines(node.comment));
      return out;
    }
    if (isScalar(node)) return scalarValue(node);
    throw new SopsError('Error unmarshaling input YAML: unsupported node');
  }

  mapping(map: YAMLMap, commentsHandled: boolean): Branch {
    const items: TreeItem[] = [];
    const comments = (text: string | null | undefined): void => {
      for (const c of commentLines(text)) items.push({ key: c, value: null });
    };
    if (!commentsHandled) comments(map.commentBefore);
    for (const pair of map.items) {
      if (!isPair(pair)) continue;
      const keyNode = this.resolve(pair.key) as YamlNode | null;
      const valueNode = this.resolve(pair.value) as YamlNode | null;
      comments(keyNode?.commentBefore);
      comments(keyNode?.comment);
      const scalarValueNode = valueNode === null || isScalar(valueNode);
      if (scalarValueNode) {
        comments(valueNode?.commentBefore);
        comments(valueNode?.comment);
      }
      let key: string;
      if (isScalar(keyNode)) {
        const k = keyNode.value;
        if (k !== null && typeof k === 'object') throw new SopsError('Error unmarshaling input YAML: only scalar mapping keys are supported');
        key = k === null || k === undefined ? '' : String(k);
      } else {
        throw new SopsError('Error unmarshaling input YAML: only scalar mapping keys are supported');
      }
      // A collection value's own comments open and close its nested branch (see `value`).
      items.push({ key, value: this.value(valueNode, scalarValueNode) });
    }
    if (!commentsHandled) comments(map.comment);
    return new Branch(items);
  }

  document(): Branch {
    const items: TreeItem[] = [];
    for (const c of commentLines(this.doc.commentBefore)) items.push({ key: c, value: null });
    const contents = this.resolve(this.doc.contents);
    if (contents === null || contents === undefined) {
      // An empty document (or just `---` / comments).
    } else if (isMap(contents)) {
      items.push(...this.mapping(contents, false).items);
    } else if (isSeq(contents)) {
      throw new SopsError('Error unmarshaling input YAML: YAML documents that are sequences are not supported');
    } else if (isScalar(contents) && contents.value !== null) {
      throw new SopsError('Error unmarshaling input YAML: YAML documents that are values are not supported');
    }
    for (const c of commentLines(this.doc.comment)) items.push({ key: c, value: null });
    return new Branch(items);
  }
}

/** Parses every document of a YAML file into branches. */
export function parseYaml(text: string): Branch[] {
  const docs = parseAllDocuments(text, { intAsBigInt: true, uniqueKeys: false, prettyErrors: false });
  if (!Array.isArray(docs)) return [];
  return docs.map((doc) => {
    const err = doc.errors[0];
    if (err !== undefined) throw new SopsError(`Error unmarshaling input YAML: ${err.message.split('\n')[0] ?? 'invalid YAML'}`);
    return new Reader(doc).document();
  });
}

class Writer {
  readonly doc = new Document(null, { compat: 'yaml-1.1', version: '1.2' });

  scalar(v: string | bigint | number | boolean | null, quoted = false): YamlScalar {
    const s = new YamlScalar(v);
    if (quoted && typeof v === 'string') s.type = 'QUOTE_DOUBLE';
    // Integral floats keep a `.0` so they read back as floats (yaml.v3 writes `1`, which then
    // re-encrypts as an int and is no longer diff-stable).
    if (typeof v === 'number') s.minFractionDigits = 1;
    return s;
  }

  value(v: TreeValue, quoted = false): YamlNode {
    if (v instanceof Branch) return this.mapping(v);
    if (Array.isArray(v)) return this.sequence(v as readonly TreeValue[]);
    if (v instanceof Comment) return this.scalar(null);
    return this.scalar(v as string | bigint | number | boolean | null, quoted);
  }

  sequence(list: readonly TreeValue[]): YAMLSeq {
    const seq = new YAMLSeq(this.doc.schema);
    let pending: string[] = [];
    for (const item of list) {
      if (item instanceof Comment) {
        pending.push(item.value);
        continue;
      }
      const node = this.value(item);
      if (pending.length > 0) node.commentBefore = joinComments(pending, node.commentBefore);
      pending = [];
      seq.items.push(node);
    }
    if (pending.length > 0) {
      if (seq.items.length === 0) seq.commentBefore = pending.join('\n');
      else seq.comment = pending.join('\n');
    }
    return seq;
  }

  mapping(branch: Branch): YAMLMap {
    const map = new YAMLMap(this.doc.schema);
    let pending: string[] = [];
    for (const item of branch.items) {
      if (item.key instanceof Comment) {
        pending.push(item.key.value);
        continue;
      }
      const key = this.scalar(item.key);
      if (pending.length > 0) key.commentBefore = pending.join('\n');
      pending = [];
      map.items.push(this.doc.createPair(key, this.value(item.value, QUOTED_KEYS.has(item.key))));
    }
    if (pending.length > 0) {
      if (map.items.length === 0) map.commentBefore = pending.join('\n');
      else map.comment = pending.join('\n');
    }
    return map;
  }
}

function joinComments(lines: readonly string[], existing: string | null | undefined): string {
  const head = lines.join('\n');
  return existing === null || existing === undefined || existing === '' ? head : `${head}\n${existing}`;
}

/** Emits branches as a YAML stream (documents separated by `---`). */
export function emitYaml(branches: readonly Branch[]): string {
  const docs = (branches.length === 0 ? [new Branch()] : branches).map((b) => {
    const w = new Writer();
    const map = w.mapping(b);
    // Comments with nothing after them in an empty document go before `{}`.
    if (map.items.length === 0 && map.commentBefore !== undefined && map.commentBefore !== null) {
      w.doc.commentBefore = map.commentBefore;
      map.commentBefore = null;
    }
    w.doc.contents = map;
    return w.doc.toString(TO_STRING);
  });
  return docs.join('---\n');
}

/** Emits a single value (sops `EmitValue`), e.g. a list picked with `--extract`. */
export function emitYamlValue(v: TreeValue): string {
  const w = new Writer();
  w.doc.contents = w.value(v);
  return w.doc.toString(TO_STRING);
}
