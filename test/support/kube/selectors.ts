/**
 * Label and field selectors with the Kubernetes grammar and matching rules
 * (k8s.io/apimachinery/pkg/labels and pkg/fields):
 *
 * - labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a` (exists), `!a`
 *   (does not exist), `a>1`, `a<1`; requirements are ANDed, separated by commas.
 * - fields: `f=v`, `f==v`, `f!=v`, comma-separated, `\,` `\=` `\\` escapes.
 */

export type LabelOperator = 'equals' | 'notEquals' | 'in' | 'notin' | 'exists' | 'doesNotExist' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export interface FieldRequirement {
  field: string;
  operator: 'equals' | 'notEquals';
  value: string;
}

/** `metav1.LabelSelector`: `matchLabels` and `matchExpressions` (In, NotIn, Exists, DoesNotExist). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
  }
}

const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A qualified label key: `[prefix/]name`, name ≤ 63 characters, prefix a DNS subdomain. */
export function validateLabelKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? '' : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1 && (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN_RE.test(prefix))) {
    throw new SelectorParseError(`invalid label key "${key}": prefix part must be a lowercase RFC 1123 subdomain`);
  }
  if (name === '' || name.length > 63 || !NAME_RE.test(name)) {
    throw new SelectorParseError(
      `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

export function validateLabelValue(value: string): void {
  if (value === '') return;
  if (value.length > 63 || !NAME_RE.test(value)) {
    throw new SelectorParseError(
      `invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

// ---- label selector parsing ---------------------------------------------------------

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '<' | '>' }
  | { kind: 'open' }
  | { kind: 'close' }
  | { kind: 'comma' };

const SPECIAL = new Set(['=', '!', '<', '>', '(', ')', ',', ' ', '\t', '\n', '\r']);

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] ?? '';
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(') {
      out.push({ kind: 'open' });
      i++;
    } else if (c === ')') {
      out.push({ kind: 'close' });
      i++;
    } else if (c === ',') {
      out.push({ kind: 'comma' });
      i++;
    } else if (c === '=') {
      const double = input[i + 1] === '=';
      out.push({ kind: 'op', text: double ? '==' : '=' });
      i += double ? 2 : 1;
    } else if (c === '!') {
      const ne = input[i + 1] === '=';
      out.push({ kind: 'op', text: ne ? '!=' : '!' });
      i += ne ? 2 : 1;
    } else if (c === '<' || c === '>') {
      out.push({ kind: 'op', text: c });
      i++;
    } else {
      let j = i;
      while (j < input.length && !SPECIAL.has(input[j] ?? '')) j++;
      out.push({ kind: 'ident', text: input.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/** Parses a label selector string; an empty string selects everything. */
export function parseLabelSelector(input: string): LabelRequirement[] {
  const tokens = tokenize(input);
  const reqs: LabelRequirement[] = [];
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const fail = (msg: string): never => {
    throw new SelectorParseError(`unable to parse requirement: ${msg}`);
  };

  const readSet = (): string[] => {
    if (peek()?.kind !== 'open') fail(`found '${describeToken(peek())}', expected: '('`);
    pos++;
    const values: string[] = [];
    for (;;) {
      const t = peek();
      if (t === undefined) fail("found end of string, expected: ')'");
      if (t?.kind === 'close') {
        pos++;
        break;
      }
      if (t?.kind === 'comma') {
        // an empty value between commas: `(a,,b)` or `(,a)`
        values.push('');
        pos++;
        continue;
      }
      if (t?.kind !== 'ident') fail(`found '${describeToken(t)}', expected: identifier`);
      values.push((t as { text: string }).text);
      pos++;
      const next = peek();
      if (next?.kind === 'comma') pos++;
      else if (next?.kind !== 'close') fail(`found '${describeToken(next)}', expected: ',' or ')'`);
    }
    return values;
  };

  while (pos < tokens.length) {
    let t = peek();
    let negatedExists = false;
    if (t?.kind === 'op' && t.text === '!') {
      negatedExists = true;
      pos++;
      t = peek();
    }
    if (t?.kind !== 'ident') fail(`found '${describeToken(t)}', expected: identifier`);
    const key = (t as { text: string }).text;
    validateLabelKey(key);
    pos++;
    const next = peek();
    if (negatedExists) {
      reqs.push({ key, operator: 'doesNotExist', values: [] });
    } else if (next === undefined || next.kind === 'comma') {
      reqs.push({ key, operator: 'exists', values: [] });
    } else if (next.kind === 'op' && (next.text === '=' || next.text === '==' || next.text === '!=')) {
      pos++;
      const v = peek();
      let value = '';
      if (v?.kind === 'ident') {
        value = v.text;
        pos++;
      } else if (v !== undefined && v.kind !== 'comma') {
        fail(`found '${describeToken(v)}', expected: identifier`);
      }
      validateLabelValue(value);
      reqs.push({ key, operator: next.text === '!=' ? 'notEquals' : 'equals', values: [value] });
    } else if (next.kind === 'op' && (next.text === '<' || next.text === '>')) {
      pos++;
      const v = peek();
      if (v?.kind !== 'ident' || !/^-?\d+$/.test(v.text)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
      reqs.push({ key, operator: next.text === '>' ? 'gt' : 'lt', values: [(v as { text: string }).text] });
      pos++;
    } else if (next.kind === 'ident' && (next.text === 'in' || next.text === 'notin')) {
      pos++;
      const values = readSet();
      if (values.length === 0) fail(`for 'in', 'notin' operators, values set can't be empty`);
      values.forEach(validateLabelValue);
      reqs.push({ key, operator: next.text === 'in' ? 'in' : 'notin', values });
    } else {
      fail(`found '${describeToken(next)}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    const sep = peek();
    if (sep === undefined) break;
    if (sep.kind !== 'comma') fail(`found '${describeToken(sep)}', expected: ','`);
    pos++;
    if (pos >= tokens.length) fail("found end of string, expected: identifier");
  }
  return reqs;
}

function describeToken(t: Token | undefined): string {
  if (t === undefined) return '';
  switch (t.kind) {
    case 'ident':
    case 'op':
      return t.text;
    case 'open':
      return '(';
    case 'close':
      return ')';
    case 'comma':
      return ',';
  }
}

/** `labels.Requirement.Matches`: NotIn/!= also match objects without the label. */
export function matchLabelRequirement(req: LabelRequirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = has ? (labels?.[req.key] ?? '') : undefined;
  switch (req.operator) {
    case 'equals':
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notEquals':
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return has;
    case 'doesNotExist':
      return !has;
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const left = Number(value);
      const right = Number(req.values[0]);
      return req.operator === 'gt' ? left > right : left < right;
    }
  }
}

export function matchLabels(reqs: readonly LabelRequirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  return reqs.every((r) => matchLabelRequirement(r, labels));
}

/** `metav1.LabelSelectorAsSelector`: an empty selector selects everything. */
export function labelSelectorFromObject(sel: LabelSelectorObject): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    validateLabelKey(key);
    validateLabelValue(value);
    reqs.push({ key, operator: 'equals', values: [value] });
  }
  for (const expr of sel.matchExpressions ?? []) {
    validateLabelKey(expr.key);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) throw new SelectorParseError(`for 'in', 'notin' operators, values set can't be empty`);
        values.forEach(validateLabelValue);
        reqs.push({ key: expr.key, operator: expr.operator === 'In' ? 'in' : 'notin', values: [...values] });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) throw new SelectorParseError(`values set must be empty for exists and does not exist`);
        reqs.push({ key: expr.key, operator: expr.operator === 'Exists' ? 'exists' : 'doesNotExist', values: [] });
        break;
      default:
        throw new SelectorParseError(`"${expr.operator}" is not a valid label selector operator`);
    }
  }
  return reqs;
}

/** The string form of a label selector object (what clients put in `?labelSelector=`). */
export function formatLabelSelector(sel: LabelSelectorObject): string {
  return labelSelectorFromObject(sel).map(formatRequirement).join(',');
}

export function formatRequirement(req: LabelRequirement): string {
  switch (req.operator) {
    case 'equals':
      return `${req.key}=${req.values[0] ?? ''}`;
    case 'notEquals':
      return `${req.key}!=${req.values[0] ?? ''}`;
    case 'in':
      return `${req.key} in (${req.values.join(',')})`;
    case 'notin':
      return `${req.key} notin (${req.values.join(',')})`;
    case 'exists':
      return req.key;
    case 'doesNotExist':
      return `!${req.key}`;
    case 'gt':
      return `${req.key}>${req.values[0] ?? ''}`;
    case 'lt':
      return `${req.key}<${req.values[0] ?? ''}`;
  }
}

// ---- field selectors ----------------------------------------------------------------

/** Splits on `sep` outside backslash escapes. */
function splitEscaped(input: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i] ?? '';
    if (c === '\\' && i + 1 < input.length) {
      current += c + (input[i + 1] ?? '');
      i++;
    } else if (c === sep) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeFieldValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (c === '\\') {
      const next = value[i + 1];
      if (next === undefined || !['\\', ',', '='].includes(next)) {
        throw new SelectorParseError(`invalid field selector: invalid escape sequence in "${value}"`);
      }
      out += next;
      i++;
    } else if (c === ',' || c === '=') {
      throw new SelectorParseError(`invalid field selector: unescaped "${c}" in "${value}"`);
    } else {
      out += c;
    }
  }
  return out;
}

export function parseFieldSelector(input: string): FieldRequirement[] {
  if (input.trim() === '') return [];
  const reqs: FieldRequirement[] = [];
  for (const part of splitEscaped(input, ',')) {
    const term = part.trim();
    if (term === '') continue;
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/s.exec(term);
    if (!m) throw new SelectorParseError(`invalid selector: '${term}'; can't understand '${term}'`);
    const field = (m[1] ?? '').trim();
    const op = m[2] ?? '=';
    reqs.push({ field, operator: op === '!=' ? 'notEquals' : 'equals', value: unescapeFieldValue(m[3] ?? '') });
  }
  return reqs;
}

export function matchFields(reqs: readonly FieldRequirement[], fields: Readonly<Record<string, string>>): boolean {
  return reqs.every((r) => {
    const value = fields[r.field] ?? '';
    return r.operator === 'equals' ? value === r.value : value !== r.value;
  });
}
