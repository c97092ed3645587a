/**
 * CustomResourceDefinition `openAPIV3Schema` handling as the API server does it, so a
 * manifest the test server accepts or refuses is accepted or refused by a real cluster
 * with the same message:
 *
 * - `validateValue`: kube-openapi's schema validator (k8s.io/kube-openapi/pkg/validation/
 *   validate) with its go-openapi messages (`spec.x in body must be of type string:
 *   "integer"`), converted to field errors the way apiextensions-apiserver does
 *   (validation.go `kubeOpenAPIResultToFieldErrors`): enum → `Unsupported value`, required →
 *   `Required value`, maxLength → `Too long`, maxItems/maxProperties → `Too many`, the rest
 *   `Invalid value: <value>: <go-openapi message>`;
 * - `pruneNulls` + `applyDefaults`: structural defaulting (non-nullable nulls without a
 *   default are dropped, then schema `default`s fill missing fields);
 * - `pruneUnknownFields`: structural pruning, returning the dropped paths that
 *   `fieldValidation=Strict|Warn` report (`unknown field "spec.foo"`);
 * - `structuralErrors`: the "structural schema" rules a v1 CRD must satisfy.
 *
 * Deliberately not done (as documented in the report): `x-kubernetes-validations` (CEL) rules
 * are skipped, list-type set/map uniqueness is not checked, validation ratcheting on update
 * is not modelled. Ajv is installed but speaks a different dialect (messages, paths,
 * `nullable`, int-or-string), hence this small dedicated validator.
 */
import type { StatusCause } from './status.js';

export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  nullable?: boolean;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-validations'?: unknown[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  [key: string]: unknown;
}

/** `field.ErrorType` (k8s.io/apimachinery/pkg/util/validation/field). */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

/** Marks a bad value that the message leaves out (`omitValue`). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

/** A Go `int` (printed with `%#v`, same digits) as opposed to JSON numbers. */
export interface GoInt {
  goInt: number;
}

export interface FieldError {
  type: FieldErrorType;
  field: string;
  badValue: unknown;
  detail: string;
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isGoInt(value: unknown): value is GoInt {
  return isObject(value) && typeof value['goInt'] === 'number' && Object.keys(value).length === 1;
}

/** Go's `%#v` of a decoded JSON value, roughly (only maps and slices reach it). */
function goSyntax(value: unknown): string {
  if (value === null) return '<nil>';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  if (isObject(value)) return `map[string]interface {}{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${goSyntax(v)}`).join(', ')}}`;
  return String(value);
}

/** `field.Error.ErrorBody()`: the message without the field path. */
export function fieldErrorBody(e: FieldError): string {
  let s: string;
  if (e.type === 'FieldValueRequired' || e.type === 'FieldValueForbidden' || e.type === 'FieldValueTooLong' || e.type === 'InternalError' || e.badValue === OMIT_VALUE) {
    s = TYPE_TEXT[e.type];
  } else {
    const v = e.badValue;
    if (v === null || v === undefined) s = `${TYPE_TEXT[e.type]}: "null"`;
    else if (typeof v === 'string') s = `${TYPE_TEXT[e.type]}: ${JSON.stringify(v)}`;
    else if (typeof v === 'number' || typeof v === 'boolean') s = `${TYPE_TEXT[e.type]}: ${String(v)}`;
    else if (isGoInt(v)) s = `${TYPE_TEXT[e.type]}: ${v.goInt}`;
    else if (isObject(v) && typeof v['goSyntax'] === 'string' && Object.keys(v).length === 1) s = `${TYPE_TEXT[e.type]}: ${v['goSyntax']}`;
    else s = `${TYPE_TEXT[e.type]}: ${goSyntax(v)}`;
  }
  return e.detail === '' ? s : `${s}: ${e.detail}`;
}

/** `field.Error.Error()`: `<field>: <body>`. */
export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/** The `details.causes` of a 422 built from field errors (`errors.NewInvalid`). */
export function toStatusCauses(errors: readonly FieldError[]): StatusCause[] {
  return errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
}

export const fieldErrors = {
  required: (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, badValue: '', detail }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, badValue: value, detail }),
  typeInvalid: (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueTypeInvalid', field, badValue: value, detail }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, badValue: '', detail }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, badValue: value, detail: '' }),
  notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
    const detail = supported.length > 0 ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '';
    return { type: 'FieldValueNotSupported', field, badValue: value, detail };
  },
  tooLong: (field: string, value: unknown, max: number): FieldError => ({ type: 'FieldValueTooLong', field, badValue: value, detail: max >= 0 ? `may not be longer than ${max}` : 'value is too long' }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field,
    badValue: actual >= 0 ? { goInt: actual } : OMIT_VALUE,
    detail: max >= 0 ? `must have at most ${max} items` : 'has too many items',
  }),
};

// ---- formats ----------------------------------------------------------------------------

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:z|[+-][0-9]{2}:[0-9]{2})$/;

function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** strfmt.IsDateTime. */
function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0] ?? '')) return false;
  const m = TIME_RE.exec(parts[1] ?? '');
  return m !== null && (m[1] ?? '') <= '23' && (m[2] ?? '') <= '59' && (m[3] ?? '') <= '59';
}

function isBase64(s: string): boolean {
  // Go's base64.StdEncoding: padded, standard alphabet.
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && !/=[^=]/.test(s);
}

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  return s.includes(':') && /^[0-9A-Fa-f:.]+$/.test(s) && (s.match(/::/g) ?? []).length <= 1;
}

const FORMAT_CHECKS: Readonly<Record<string, (s: string) => boolean>> = {
  byte: isBase64,
  datetime: isDateTime,
  date: isDate,
  password: () => true,
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: (s) => {
    const [ip = '', bits, ...rest] = s.split('/');
    if (bits === undefined || rest.length > 0 || !/^\d+$/.test(bits)) return false;
    return (isIPv4(ip) && Number(bits) <= 32) || (isIPv6(ip) && Number(bits) <= 128);
  },
  hostname: (s) => s.length <= 255 && /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*\.?$/.test(s),
  email: (s) => /^[^\s@]+@[^\s@]+$/.test(s),
  uri: (s) => {
    try {
      return new URL(s).protocol !== '';
    } catch {
      return s.startsWith('/');
    }
  },
  duration: (s) => /^(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h|d|w))+$/.test(s.replace(/\s+/g, '')) || /^\d+\s*(?:ns|us|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?)$/i.test(s),
};

/**
 * Formats the API server validates (apiextensions `supportedFormats`); any other format,
 * notably `int32`/`int64`, is stripped from the schema before validation and checks nothing.
 */
export function supportedFormat(format: string | undefined): ((s: string) => boolean) | undefined {
  if (format === undefined || format === '') return undefined;
  return FORMAT_CHECKS[format.replace(/-/g, '')];
}

// ---- validation ---------------------------------------------------------------------------

function jsonType(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

function schemaTypes(schema: JSONSchemaProps): string[] {
  if (schema['x-kubernetes-int-or-string'] === true) return ['integer', 'string'];
  return schema.type !== undefined && schema.type !== '' ? [schema.type] : [];
}

/** Go regexp (RE2) syntax is close to ECMAScript's for CRD patterns; `u` keeps code points whole. */
const regexCache = new Map<string, RegExp | null>();
function compilePattern(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      try {
        re = new RegExp(pattern);
      } catch {
        re = null;
      }
    }
    regexCache.set(pattern, re);
  }
  return re;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function fmtNumber(n: number): string {
  return String(n);
}

/** Appends field errors for `value` at `path` (kube-openapi's `SchemaValidator.Validate`). */
function validateInto(schema: JSONSchemaProps, value: unknown, path: string, out: FieldError[]): void {
  const types = schemaTypes(schema);
  const name = path;
  const inBody = `${name} in body`;
  if (value === null || value === undefined) {
    if (types.length > 0 && schema.nullable !== true) out.push(fieldErrors.typeInvalid(path, 'null', `${inBody} must be of type ${types.join(',')}: "null"`));
    checkEnum(schema, null, path, out);
    return;
  }
  const actual = jsonType(value);
  // type
  if (types.length > 0) {
    const ok = types.includes(actual) || (actual === 'integer' && types.includes('number'));
    if (!ok) {
      out.push(fieldErrors.typeInvalid(path, actual, `${inBody} must be of type ${types.join(',')}: ${JSON.stringify(actual)}`));
    }
  }
  // allOf / anyOf / oneOf / not (value validations only in structural schemas)
  if (schema.allOf) for (const sub of schema.allOf) validateInto(sub, value, path, out);
  if (schema.anyOf && schema.anyOf.length > 0 && !schema.anyOf.some((sub) => validateValue(sub, value, path).length === 0)) {
    out.push(fieldErrors.invalid(path, '', `${name} must validate at least one schema (anyOf)`));
  }
  if (schema.oneOf && schema.oneOf.length > 0 && schema.oneOf.filter((sub) => validateValue(sub, value, path).length === 0).length !== 1) {
    out.push(fieldErrors.invalid(path, '', `${name} must validate one and only one schema (oneOf)`));
  }
  if (schema.not && validateValue(schema.not, value, path).length === 0) out.push(fieldErrors.invalid(path, '', `${name} must not validate the schema (not)`));
  // string: the first failing check only
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) out.push(fieldErrors.tooLong(path, value, schema.maxLength));
    else if (schema.minLength !== undefined && length < schema.minLength) out.push(fieldErrors.invalid(path, value, `${inBody} should be at least ${schema.minLength} chars long`));
    else if (schema.pattern !== undefined && schema.pattern !== '') {
      const re = compilePattern(schema.pattern);
      if (re === null) out.push(fieldErrors.invalid(path, value, `${inBody} should match '${schema.pattern}, but pattern is invalid'`));
      else if (!re.test(value)) out.push(fieldErrors.invalid(path, value, `${inBody} should match '${schema.pattern}'`));
    }
    const check = supportedFormat(schema.format);
    if (check && !check(value)) out.push(fieldErrors.typeInvalid(path, value, `${inBody} must be of type ${schema.format ?? ''}: ${JSON.stringify(value)}`));
  }
  // number
  if (typeof value === 'number') {
    if (schema.multipleOf !== undefined && schema.multipleOf !== 0) {
      const q = schema.multipleOf < 1 ? (1 / schema.multipleOf) * value : value / schema.multipleOf;
      if (!Number.isInteger(q)) out.push(fieldErrors.invalid(path, value, `${inBody} should be a multiple of ${fmtNumber(schema.multipleOf)}`));
    }
    if (schema.minimum !== undefined) {
      const bad = schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum;
      if (bad) out.push(fieldErrors.invalid(path, value, `${inBody} should be greater than ${schema.exclusiveMinimum === true ? '' : 'or equal to '}${fmtNumber(schema.minimum)}`));
    }
    if (schema.maximum !== undefined) {
      const bad = schema.exclusiveMaximum === true ? value >= schema.maximum : value > schema.maximum;
      if (bad) out.push(fieldErrors.invalid(path, value, `${inBody} should be less than ${schema.exclusiveMaximum === true ? '' : 'or equal to '}${fmtNumber(schema.maximum)}`));
    }
  }
  // array
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => validateInto(schema.items as JSONSchemaProps, item, `${path}[${i}]`, out));
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(fieldErrors.invalid(path, value.length, `${inBody} should have at least ${schema.minItems} items`));
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(fieldErrors.tooMany(path, value.length, schema.maxItems));
    if (schema.uniqueItems === true && value.some((v, i) => value.findIndex((w) => deepEqual(v, w)) !== i)) {
      out.push(fieldErrors.invalid(path, '', `${inBody} shouldn't contain duplicates`));
    }
  }
  checkEnum(schema, value, path, out);
  // object
  if (isObject(value)) {
    const count = Object.keys(value).length;
    if (schema.minProperties !== undefined && count < schema.minProperties) {
      out.push(fieldErrors.invalid(path, count, `${inBody} should have at least ${schema.minProperties} properties`));
      return;
    }
    if (schema.maxProperties !== undefined && count > schema.maxProperties) {
      out.push(fieldErrors.tooMany(path, count, schema.maxProperties));
      return;
    }
    const props = schema.properties ?? {};
    const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const [key, child] of Object.entries(value)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      const prop = props[key];
      if (prop) validateInto(prop, child, childPath, out);
      else if (additional) validateInto(additional, child, `${path}.${key}`, out);
    }
    for (const req of schema.required ?? []) {
      if (!(req in value)) out.push(fieldErrors.required(path === '' ? req : `${path}.${req}`));
    }
  }
}

function checkEnum(schema: JSONSchemaProps, value: unknown, path: string, out: FieldError[]): void {
  if (!schema.enum || schema.enum.length === 0) return;
  if (schema.enum.some((e) => deepEqual(e, value))) return;
  const supported = schema.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
  out.push(fieldErrors.notSupported(path, value, supported));
}

/**
 * Validates a decoded JSON value against a structural schema; `path` is the field path of
 * `value` (`''` for a whole object). Metadata at the root of a resource is validated by the
 * object-meta rules, not here: pass the object without it or use `validateCustomResource`.
 */
export function validateValue(schema: JSONSchemaProps, value: unknown, path = ''): FieldError[] {
  const out: FieldError[] = [];
  validateInto(schema, value, path, out);
  return out;
}

/** Schema validation of a whole custom resource: `metadata` is left to object-meta validation. */
export function validateCustomResource(schema: JSONSchemaProps, obj: Record<string, unknown>): FieldError[] {
  const { metadata: _m, ...rest } = obj;
  const props = { ...(schema.properties ?? {}) };
  delete props['metadata'];
  return validateValue({ ...schema, properties: props, required: (schema.required ?? []).filter((r) => r !== 'metadata') }, rest);
}

// ---- defaulting and pruning ---------------------------------------------------------------

function childSchema(schema: JSONSchemaProps | undefined, key: string): JSONSchemaProps | undefined {
  if (!schema) return undefined;
  const prop = schema.properties?.[key];
  if (prop) return prop;
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

/** defaulting.PruneNonNullableNullsWithoutDefaults: drops `null` fields the schema neither allows nor defaults. */
export function pruneNulls(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const sub = childSchema(schema, k);
      if (v === null && sub !== undefined && sub.nullable !== true && sub.default === undefined) delete value[k];
      else pruneNulls(v, sub);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) pruneNulls(item, schema?.items);
  }
}

function isNonNullableNull(value: unknown, schema: JSONSchemaProps | undefined): boolean {
  return value === null && schema !== undefined && schema.nullable !== true;
}

/** structuraldefaulting.Default: fills missing (or non-nullable null) fields with the schema's `default`. */
export function applyDefaults(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (isObject(value)) {
    for (const [k, prop] of Object.entries(schema.properties ?? {})) {
      if (prop.default === undefined) continue;
      if (!(k in value) || isNonNullableNull(value[k], prop)) value[k] = structuredClone(prop.default);
    }
    const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const [k, v] of Object.entries(value)) {
      const prop = schema.properties?.[k];
      if (prop) applyDefaults(v, prop);
      else if (additional) {
        if (isNonNullableNull(v, additional) && additional.default !== undefined) value[k] = structuredClone(additional.default);
        applyDefaults(value[k], additional);
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (isNonNullableNull(item, schema.items) && schema.items?.default !== undefined) value[i] = structuredClone(schema.items.default);
      applyDefaults(value[i], schema.items);
    });
  }
}

/** Fields of `metav1.ObjectMeta`; anything else under `metadata` is dropped on decode. */
export const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

function pruneMetadata(meta: unknown, path: string, pruned: string[]): void {
  if (!isObject(meta)) return;
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      delete meta[k];
      pruned.push(`${path}.${k}`);
    }
  }
}

function pruneInto(value: unknown, schema: JSONSchemaProps | undefined, path: string, isResourceRoot: boolean, pruned: string[]): void {
  if (!schema) return;
  if (isObject(value)) {
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
    const embedded = schema['x-kubernetes-embedded-resource'] === true;
    const additional = schema.additionalProperties;
    for (const k of Object.keys(value)) {
      const childPath = path === '' ? k : `${path}.${k}`;
      if ((isResourceRoot || embedded) && (k === 'apiVersion' || k === 'kind')) continue;
      if ((isResourceRoot || embedded) && k === 'metadata') {
        pruneMetadata(value[k], childPath, pruned);
        continue;
      }
      const prop = schema.properties?.[k];
      if (prop) pruneInto(value[k], prop, childPath, false, pruned);
      else if (typeof additional === 'object') pruneInto(value[k], additional, childPath, false, pruned);
      else if (!preserve && additional !== true) {
        delete value[k];
        pruned.push(childPath);
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => pruneInto(item, schema.items, `${path}[${i}]`, false, pruned));
  }
}

/**
 * Structural pruning: removes fields the schema does not specify (unless
 * `x-kubernetes-preserve-unknown-fields`) and returns their paths, e.g. `spec.foo`,
 * `spec.data[0].bar`, in the order found.
 */
export function pruneUnknownFields(value: unknown, schema: JSONSchemaProps, options: { resourceRoot?: boolean } = {}): string[] {
  const pruned: string[] = [];
  pruneInto(value, schema, '', options.resourceRoot ?? true, pruned);
  return pruned;
}

// ---- structural schema rules --------------------------------------------------------------

const UNSUPPORTED_KEYWORDS = ['$ref', 'definitions', 'dependencies', 'patternProperties', 'additionalItems', 'id', '$schema'] as const;

type Level = 'root' | 'field' | 'item';

function structuralInto(s: JSONSchemaProps, path: string, level: Level, out: FieldError[], inJunctor = false): void {
  const type = s.type ?? '';
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  for (const kw of UNSUPPORTED_KEYWORDS) {
    if (s[kw] !== undefined) out.push(fieldErrors.forbidden(`${path}.${kw}`, `${kw} is not supported`));
  }
  if (inJunctor) {
    // Inside allOf/anyOf/oneOf/not only value validations are allowed.
    for (const kw of ['type', 'default', 'nullable', 'description', 'additionalProperties', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string'] as const) {
      if (s[kw] !== undefined) out.push(fieldErrors.forbidden(`${path}.${kw}`, 'must be empty to be structural'));
    }
  } else if (type === '' && !intOrString && !preserve) {
    const detail = level === 'root' ? 'must not be empty at the root' : level === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    out.push(fieldErrors.required(`${path}.type`, detail));
  }
  if (level === 'root' && type !== '' && type !== 'object') out.push(fieldErrors.invalid(`${path}.type`, type, 'must be object at the root'));
  if (intOrString && type !== '' && !inJunctor) out.push(fieldErrors.invalid(`${path}.type`, type, 'must be empty if x-kubernetes-int-or-string is true'));
  if (s.properties !== undefined && s.additionalProperties !== undefined && s.additionalProperties !== true) {
    out.push(fieldErrors.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (type === 'array' && (s.items === undefined || Array.isArray(s.items))) {
    out.push(fieldErrors.required(`${path}.items`, 'must be specified'));
  }
  if (s.uniqueItems === true) out.push(fieldErrors.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (level === 'root') {
    const meta = s.properties?.['metadata'];
    if (meta) {
      const extra = Object.keys(meta).filter((k) => !['type', 'description', 'properties'].includes(k));
      const props = Object.keys(meta.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
      if (extra.length > 0 || props.length > 0) {
        out.push(fieldErrors.forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
      }
      if (meta.type !== undefined && meta.type !== 'object') out.push(fieldErrors.invalid(`${path}.properties[metadata].type`, meta.type, 'must be object'));
    }
    if (s.default !== undefined) out.push(fieldErrors.forbidden(`${path}.default`, 'must not be set at the root'));
  }
  for (const [k, child] of Object.entries(s.properties ?? {})) {
    if (isObject(child)) structuralInto(child, `${path}.properties[${k}]`, 'field', out, inJunctor);
  }
  if (isObject(s.additionalProperties)) structuralInto(s.additionalProperties, `${path}.additionalProperties`, 'field', out, inJunctor);
  if (isObject(s.items)) structuralInto(s.items, `${path}.items`, 'item', out, inJunctor);
  for (const kw of ['allOf', 'anyOf', 'oneOf'] as const) {
    s[kw]?.forEach((sub, i) => structuralInto(sub, `${path}.${kw}[${i}]`, level, out, true));
  }
  if (isObject(s.not)) structuralInto(s.not, `${path}.not`, level, out, true);
}

/**
 * Violations of the structural-schema rules (apiextensions `schema.ValidateStructural` and
 * the CRD schema validation) under `path`, e.g.
 * `spec.versions[0].schema.openAPIV3Schema.properties[a].type: Required value: must not be
 * empty for specified object fields`.
 */
export function structuralErrors(schema: JSONSchemaProps, path = 'openAPIV3Schema'): FieldError[] {
  const out: FieldError[] = [];
  structuralInto(schema, path, 'root', out);
  return out;
}

// ---- one custom resource write ------------------------------------------------------------

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface ProcessResult {
  /** Paths pruned as unknown (what Strict refuses and Warn reports). */
  unknownFields: string[];
  errors: FieldError[];
}

/**
 * What the API server does to a custom resource body before storing it: drop non-nullable
 * nulls, apply defaults, prune unknown fields, validate. Mutates `obj`.
 */
export function processCustomResource(schema: JSONSchemaProps, obj: Record<string, unknown>): ProcessResult {
  pruneNulls(obj, schema);
  applyDefaults(obj, schema);
  const unknownFields = pruneUnknownFields(obj, schema, { resourceRoot: true });
  return { unknownFields, errors: validateCustomResource(schema, obj) };
}

/** `unknown field "spec.foo"` as the strict decoder names it. */
export function unknownFieldMessage(path: string): string {
  return `unknown field ${JSON.stringify(path)}`;
}
