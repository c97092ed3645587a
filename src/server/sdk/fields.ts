/**
 * Field builders with Vault's lenient typing (sdk/framework/field_type.go): the same
 * declaration coerces input, validates it, documents it in `help` and OpenAPI, and gives
 * the handler a typed value.
 */
import { parseDurationSeconds } from '../../shared/duration.js';

export type FieldType =
  | 'string'
  | 'lowercase_string'
  | 'name_string'
  | 'int'
  | 'float'
  | 'bool'
  | 'duration_second'
  | 'comma_string_slice'
  | 'string_slice'
  | 'comma_int_slice'
  | 'map'
  | 'kv_pairs'
  | 'header'
  | 'any';

export interface FieldSchema<T = unknown, Always extends boolean = boolean> {
  readonly type: FieldType;
  readonly description: string;
  readonly default?: T;
  readonly required: boolean;
  readonly allowedValues?: readonly T[];
  /** Only read from the query string / URL even on writes (documentation only). */
  readonly query?: boolean;
  /** Phantom: true when the value is always present (required or defaulted). */
  readonly __always?: Always;
  /** Converts raw JSON input; throws an Error with a short reason when it cannot. */
  coerce(raw: unknown): T;
}

export type FieldShape = Record<string, FieldSchema<any, boolean>>;

/** The typed values a handler receives: absent optional fields without a default are `undefined`. */
export type FieldValues<S extends FieldShape> = {
  readonly [K in keyof S]: S[K] extends FieldSchema<infer T, infer A> ? (A extends true ? T : T | undefined) : never;
};

interface FieldOptions<T> {
  description?: string;
  default?: T;
  required?: boolean;
  allowedValues?: readonly T[];
  query?: boolean;
}

type AlwaysOf<O> = O extends { default: unknown } ? true : O extends { required: true } ? true : false;

function builder<T>(type: FieldType, coerce: (raw: unknown) => T) {
  return <const O extends FieldOptions<T> = Record<never, never>>(options?: O): FieldSchema<T, AlwaysOf<O>> => {
    const schema: FieldSchema<T, AlwaysOf<O>> = {
      type,
      description: options?.description ?? '',
      required: options?.required ?? false,
      coerce,
      ...(options?.default !== undefined ? { default: options.default } : {}),
      ...(options?.allowedValues !== undefined ? { allowedValues: options.allowedValues } : {}),
      ...(options?.query !== undefined ? { query: options.query } : {}),
    };
    return schema;
  };
}

function toStringValue(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw new Error(`expected a string, got ${describe(raw)}`);
}

function toInt(raw: unknown): number {
  if (typeof raw === 'number') {
    if (Number.isInteger(raw)) return raw;
    throw new Error(`expected an integer, got ${raw}`);
  }
  if (typeof raw === 'string' && /^\s*[-+]?\d+\s*$/.test(raw)) return Number.parseInt(raw, 10);
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  throw new Error(`cannot parse ${describe(raw)} as an integer`);
}

function toFloat(raw: unknown): number {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  throw new Error(`cannot parse ${describe(raw)} as a number`);
}

const TRUE_STRINGS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_STRINGS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool, plus JSON booleans and numbers (mapstructure's weak decoding). */
export function parseBool(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return raw !== 0;
  if (typeof raw === 'string') {
    if (TRUE_STRINGS.has(raw)) return true;
    if (FALSE_STRINGS.has(raw) || raw === '') return false;
  }
  throw new Error(`cannot parse ${describe(raw)} as a boolean`);
}

function toCommaStringSlice(raw: unknown): string[] {
  if (raw === null || raw === undefined) return [];
  if (typeof raw === 'string') {
    if (raw.trim() === '') return [];
    return raw.split(',').map((s) => s.trim());
  }
  if (Array.isArray(raw)) return raw.map((v) => toStringValue(v).trim());
  if (typeof raw === 'number' || typeof raw === 'boolean') return [String(raw)];
  throw new Error(`expected a comma-separated string or a list, got ${describe(raw)}`);
}

function toStringSlice(raw: unknown): string[] {
  if (raw === null || raw === undefined) return [];
  if (Array.isArray(raw)) return raw.map(toStringValue);
  return [toStringValue(raw)];
}

function toCommaIntSlice(raw: unknown): number[] {
  if (typeof raw === 'string') return raw.trim() === '' ? [] : raw.split(',').map((s) => toInt(s.trim()));
  if (Array.isArray(raw)) return raw.map(toInt);
  return [toInt(raw)];
}

function isPlainObject(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

function toMap(raw: unknown): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  if (isPlainObject(raw)) return raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isPlainObject(parsed)) return parsed;
    } catch {
      // fall through to the error below
    }
  }
  throw new Error(`expected a map, got ${describe(raw)}`);
}

function toKvPairs(raw: unknown): Record<string, string> {
  if (Array.isArray(raw)) {
    const out: Record<string, string> = {};
    for (const item of raw) {
      const s = toStringValue(item);
      const eq = s.indexOf('=');
      if (eq <= 0) throw new Error(`expected key=value pairs, got an item without '='`);
      out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
  }
  const map = toMap(raw);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) out[k] = toStringValue(v);
  return out;
}

function toDuration(raw: unknown): number {
  try {
    return parseDurationSeconds(raw);
  } catch (err) {
    throw new Error(err instanceof Error ? err.message : 'invalid duration');
  }
}

function toNameString(raw: unknown): string {
  const s = toStringValue(raw);
  if (!/^\w(([\w-.]+)?\w)?$/.test(s)) throw new Error(`invalid name "${s}"`);
  return s;
}

function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'a list';
  return typeof raw === 'object' ? 'an object' : typeof raw;
}

export const f = {
  string: builder<string>('string', toStringValue),
  lowercaseString: builder<string>('lowercase_string', (raw) => toStringValue(raw).toLowerCase()),
  nameString: builder<string>('name_string', toNameString),
  int: builder<number>('int', toInt),
  float: builder<number>('float', toFloat),
  bool: builder<boolean>('bool', parseBool),
  /** Seconds; accepts `3600`, `"3600"`, `"1h"`, `"7d"`. */
  durationSecond: builder<number>('duration_second', toDuration),
  /** `"a,b"` or `["a","b"]`. */
  commaStringSlice: builder<string[]>('comma_string_slice', toCommaStringSlice),
  stringSlice: builder<string[]>('string_slice', toStringSlice),
  commaIntSlice: builder<number[]>('comma_int_slice', toCommaIntSlice),
  map: builder<Record<string, unknown>>('map', toMap),
  kvPairs: builder<Record<string, string>>('kv_pairs', toKvPairs),
  header: builder<Record<string, string[]>>('header', (raw) => {
    const map = toMap(raw);
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(map)) out[k] = toStringSlice(v);
    return out;
  }),
  any: builder<unknown>('any', (raw) => raw),
};

/** OpenAPI schema fragment for one field. */
export function openApiSchema(field: FieldSchema): Record<string, unknown> {
  const base: Record<string, unknown> = { description: field.description };
  switch (field.type) {
    case 'int':
      base['type'] = 'integer';
      break;
    case 'float':
      base['type'] = 'number';
      break;
    case 'bool':
      base['type'] = 'boolean';
      break;
    case 'duration_second':
      base['type'] = 'string';
      base['format'] = 'duration';
      break;
    case 'comma_string_slice':
    case 'string_slice':
      base['type'] = 'array';
      base['items'] = { type: 'string' };
      break;
    case 'comma_int_slice':
      base['type'] = 'array';
      base['items'] = { type: 'integer' };
      break;
    case 'map':
    case 'kv_pairs':
    case 'header':
      base['type'] = 'object';
      break;
    case 'any':
      break;
    default:
      base['type'] = 'string';
  }
  if (field.default !== undefined) base['default'] = field.default;
  if (field.allowedValues) base['enum'] = field.allowedValues;
  return base;
}
