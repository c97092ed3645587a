/**
 * JSON store (sops `stores/json`): an order-preserving parser (duplicate keys kept, every
 * number a float64 as Go's decoder gives it) and sops's emitter: `json.Marshal` escaping
 * (`<`, `>`, `&`, U+2028/9 as `\u…`), tab indentation (sops's default `indent: -1`), a final
 * newline, comments dropped.
 */
import { Branch, Comment, type TreeItem, type TreeValue } from './tree.js';
import { SopsError } from './errors.js';

class JsonParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw new SopsError(`Error unmarshalling input json: ${what} at offset ${this.pos}`);
  }

  private ws(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos] ?? '')) this.pos++;
  }

  parseDocument(): Branch {
    this.ws();
    if (this.text[this.pos] !== '{') {
      throw new SopsError("SOPS only supports JSON files with a top-level object (starting with '{'), not arrays or other types");
    }
    const v = this.value(0);
    this.ws();
    if (this.pos < this.text.length) this.fail('invalid character after top-level value');
    return v as Branch;
  }

  private value(depth: number): TreeValue {
    if (depth > 1000) this.fail('nesting too deep');
    this.ws();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === 't' && this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (c === 'f' && this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (c === 'n' && this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.number();
  }

  private literal<T>(len: number, v: T): T {
    this.pos += len;
    return v;
  }

  private number(): number {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (m === null || m[0] === '') this.fail('invalid character looking for beginning of value');
    this.pos += m[0].length;
    const n = Number(m[0]);
    if (!Number.isFinite(n)) this.fail('number out of range');
    return n;
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    let simple = true;
    while (this.pos < this.text.length) {
      const ch = this.text.charCodeAt(this.pos);
      if (ch === 0x22) break;
      if (ch === 0x5c) {
        simple = false;
        this.pos += 2;
        continue;
      }
      if (ch < 0x20) this.fail('invalid character in string literal');
      this.pos++;
    }
    if (this.pos >= this.text.length) this.fail('unexpected end of JSON input');
    this.pos++;
    const raw = this.text.slice(start, this.pos);
    if (simple) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return this.fail('invalid escape in string literal');
    }
  }

  private array(depth: number): TreeValue[] {
    this.pos++;
    const out: TreeValue[] = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail("invalid character after array element (expected ',' or ']')");
    }
  }

  private object(depth: number): Branch {
    this.pos++;
    const items: TreeItem[] = [];
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return new Branch(items);
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail('invalid character looking for beginning of object key string');
      const key = this.string();
      this.ws();
      if (this.text[this.pos++] !== ':') this.fail("invalid character after object key (expected ':')");
      items.push({ key, value: this.value(depth + 1) });
      this.ws();
      const c = this.text[this.pos++];
      if (c === '}') return new Branch(items);
      if (c !== ',') this.fail("invalid character after object key:value pair (expected ',' or '}')");
    }
  }
}

export function parseJson(text: string): Branch[] {
  return [new JsonParser(text).parseDocument()];
}

/** Go's `json.Marshal` of a string (HTML-safe escaping). */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function encode(v: TreeValue, indent: string, depth: number): string {
  const pad = indent.repeat(depth + 1);
  const end = indent.repeat(depth);
  if (v instanceof Branch) {
    const parts = v.items.filter((i): i is TreeItem & { key: string } => typeof i.key === 'string').map((i) => `${pad}${goJsonString(i.key)}: ${encode(i.value, indent, depth + 1)}`);
    return parts.length === 0 ? '{}' : `{\n${parts.join(',\n')}\n${end}}`;
  }
  if (Array.isArray(v)) {
    const parts = (v as readonly TreeValue[]).filter((x) => !(x instanceof Comment)).map((x) => `${pad}${encode(x, indent, depth + 1)}`);
    return parts.length === 0 ? '[]' : `[\n${parts.join(',\n')}\n${end}]`;
  }
  if (v === null || v instanceof Comment) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SopsError(`Error marshaling to json: json: unsupported value: ${String(v)}`);
    return JSON.stringify(v);
  }
  return v ? 'true' : 'false';
}

/** Emits the (single) branch as JSON. */
export function emitJson(branches: readonly Branch[], indent = '\t'): string {
  if (branches.length !== 1) throw new SopsError('JSON files hold exactly one document');
  return `${encode(branches[0] ?? new Branch(), indent, 0)}\n`;
}

/** Emits a single value as indented JSON (sops `EmitValue`). */
export function emitJsonValue(v: TreeValue, indent = '\t'): string {
  return `${encode(v, indent, 0)}\n`;
}
