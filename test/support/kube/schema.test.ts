/**
 * The CRD schema machinery against the API server's behaviour: kube-openapi messages and
 * field paths, structural defaulting and pruning, structural-schema rules; property tests
 * for "values generated from a schema validate" and "a value of the wrong type is reported
 * at its path".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyDefaults,
  fieldErrorString,
  processCustomResource,
  pruneNulls,
  pruneUnknownFields,
  structuralErrors,
  validateValue,
  type JSONSchemaProps,
} from './schema.js';
import { statusErrors } from './status.js';

const messages = (schema: JSONSchemaProps, value: unknown, path = 'spec'): string[] => validateValue(schema, value, path).map(fieldErrorString);

describe('validateValue: the API server messages', () => {
  it('enum → Unsupported value with the supported values in schema order', () => {
    const schema: JSONSchemaProps = { type: 'string', enum: ['CreatedOnce', 'Periodic', 'OnChange'] };
    expect(messages(schema, 'Sometimes', 'spec.refreshPolicy')).toEqual([
      'spec.refreshPolicy: Unsupported value: "Sometimes": supported values: "CreatedOnce", "Periodic", "OnChange"',
    ]);
    expect(messages(schema, 'Periodic', 'spec.refreshPolicy')).toEqual([]);
    // A wrong type reports the type and the enum, as kube-openapi runs both validators.
    expect(messages(schema, 5, 'spec.refreshPolicy')).toEqual([
      'spec.refreshPolicy: Invalid value: "integer": spec.refreshPolicy in body must be of type string: "integer"',
      'spec.refreshPolicy: Unsupported value: 5: supported values: "CreatedOnce", "Periodic", "OnChange"',
    ]);
  });

  it('required, nested and in arrays, with [i] paths', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, items: { type: 'array', items: { type: 'object', required: ['key'], properties: { key: { type: 'string' } } } } },
    };
    expect(messages(schema, { items: [{ key: 'a' }, {}] })).toEqual(['spec.items[1].key: Required value', 'spec.name: Required value']);
  });

  it('types: integer, number, boolean, object, array', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: { i: { type: 'integer' }, n: { type: 'number' }, b: { type: 'boolean' }, o: { type: 'object' }, a: { type: 'array', items: { type: 'string' } } },
    };
    expect(messages(schema, { i: 1.5, n: 'x', b: 'true', o: [], a: {} })).toEqual([
      'spec.i: Invalid value: "number": spec.i in body must be of type integer: "number"',
      'spec.n: Invalid value: "string": spec.n in body must be of type number: "string"',
      'spec.b: Invalid value: "string": spec.b in body must be of type boolean: "string"',
      'spec.o: Invalid value: "array": spec.o in body must be of type object: "array"',
      'spec.a: Invalid value: "object": spec.a in body must be of type array: "object"',
    ]);
    expect(messages(schema, { i: 3, n: 3, b: false, o: {}, a: ['x'] })).toEqual([]);
  });

  it('string constraints: pattern, minLength, maxLength (Too long)', () => {
    expect(messages({ type: 'string', pattern: '^[a-z]+$' }, 'A1')).toEqual(["spec: Invalid value: \"A1\": spec in body should match '^[a-z]+$'"]);
    expect(messages({ type: 'string', minLength: 1 }, '')).toEqual(['spec: Invalid value: "": spec in body should be at least 1 chars long']);
    expect(messages({ type: 'string', maxLength: 3 }, 'abcd')).toEqual(['spec: Too long: may not be longer than 3']);
    // Lengths count code points, like Go's utf8.RuneCount.
    expect(messages({ type: 'string', maxLength: 2 }, '😀😀')).toEqual([]);
  });

  it('numbers: minimum/maximum (inclusive and exclusive)', () => {
    expect(messages({ type: 'integer', minimum: 1 }, 0)).toEqual(['spec: Invalid value: 0: spec in body should be greater than or equal to 1']);
    expect(messages({ type: 'integer', maximum: 10, exclusiveMaximum: true }, 10)).toEqual(['spec: Invalid value: 10: spec in body should be less than 10']);
    expect(messages({ type: 'number', minimum: 0.5, exclusiveMinimum: true }, 0.5)).toEqual(['spec: Invalid value: 0.5: spec in body should be greater than 0.5']);
  });

  it('arrays and maps: minItems, maxItems (Too many), minProperties, maxProperties', () => {
    expect(messages({ type: 'array', items: { type: 'string' }, minItems: 1 }, [])).toEqual(['spec: Invalid value: 0: spec in body should have at least 1 items']);
    expect(messages({ type: 'array', items: { type: 'string' }, maxItems: 2 }, ['a', 'b', 'c'])).toEqual(['spec: Too many: 3: must have at most 2 items']);
    expect(messages({ type: 'object', minProperties: 1, additionalProperties: { type: 'string' } }, {})).toEqual(['spec: Invalid value: 0: spec in body should have at least 1 properties']);
    // maxProperties stops the object's other checks, as kube-openapi returns early.
    expect(messages({ type: 'object', maxProperties: 1, properties: { a: { type: 'string' }, b: { type: 'string' } } }, { a: 1, b: 2 })).toEqual(['spec: Too many: 2: must have at most 1 items']);
  });

  it('formats: byte, date-time, date; int32/int64 are stripped like the API server does', () => {
    expect(messages({ type: 'string', format: 'byte' }, 'not base64!')).toEqual(['spec: Invalid value: "not base64!": spec in body must be of type byte: "not base64!"']);
    expect(messages({ type: 'string', format: 'byte' }, Buffer.from('hi').toString('base64'))).toEqual([]);
    expect(messages({ type: 'string', format: 'date-time' }, '2024-02-30T00:00:00Z')).toEqual(['spec: Invalid value: "2024-02-30T00:00:00Z": spec in body must be of type date-time: "2024-02-30T00:00:00Z"']);
    expect(messages({ type: 'string', format: 'date-time' }, '2024-02-29T23:59:59.5+02:00')).toEqual([]);
    expect(messages({ type: 'string', format: 'date' }, '2024-13-01')).toHaveLength(1);
    expect(messages({ type: 'integer', format: 'int32' }, 2 ** 40)).toEqual([]);
    expect(messages({ type: 'integer', format: 'int64' }, 'x')).toEqual(['spec: Invalid value: "string": spec in body must be of type integer: "string"']);
  });

  it('nullable, x-kubernetes-int-or-string and additionalProperties paths', () => {
    expect(messages({ type: 'string', nullable: true }, null)).toEqual([]);
    expect(messages({ type: 'array', items: { type: 'string' } }, [null])).toEqual(['spec[0]: Invalid value: "null": spec[0] in body must be of type string: "null"']);
    const ios: JSONSchemaProps = { 'x-kubernetes-int-or-string': true, pattern: '^\\d+%?$' };
    expect(messages(ios, 3)).toEqual([]);
    expect(messages(ios, '50%')).toEqual([]);
    expect(messages(ios, true)).toEqual(['spec: Invalid value: "boolean": spec in body must be of type integer,string: "boolean"']);
    expect(messages({ type: 'object', additionalProperties: { type: 'string' } }, { 'a.b': 1 })).toEqual([
      'spec.a.b: Invalid value: "integer": spec.a.b in body must be of type string: "integer"',
    ]);
  });

  it('the 422 message aggregates several causes as [a, b] and one cause bare', () => {
    const one = statusErrors.invalid('Widget', 'example.com', 'w', [{ reason: 'FieldValueRequired', field: 'spec.a', message: 'Required value' }]);
    expect(one.status.message).toBe('Widget.example.com "w" is invalid: spec.a: Required value');
    const two = statusErrors.invalid('Widget', 'example.com', 'w', [
      { field: 'spec.a', message: 'Required value' },
      { field: 'spec.b', message: 'Required value' },
      { field: 'spec.a', message: 'Required value' },
    ]);
    expect(two.status.message).toBe('Widget.example.com "w" is invalid: [spec.a: Required value, spec.b: Required value]');
  });
});

describe('defaulting and pruning', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          target: { type: 'object', default: { creationPolicy: 'Owner' }, properties: { creationPolicy: { type: 'string', default: 'Owner' }, name: { type: 'string' } } },
          interval: { type: 'string', default: '1h' },
          note: { type: 'string' },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          list: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  };

  it('applies defaults only where the schema declares them, including inside new defaults and over non-nullable nulls', () => {
    const obj: Record<string, unknown> = { spec: { target: { name: 'x' }, interval: null, note: null } };
    pruneNulls(obj, schema);
    applyDefaults(obj, schema);
    expect(obj).toEqual({ spec: { target: { name: 'x', creationPolicy: 'Owner' }, interval: '1h' } });
  });

  it('prunes unknown fields except under preserve-unknown-fields and reports their paths', () => {
    const obj = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', bogus: 1 },
      spec: { note: 'n', extra: 1, free: { anything: { goes: true } }, list: [{ k: 'a', z: 1 }], labels: { a: 'b' } },
      other: true,
    };
    expect(pruneUnknownFields(obj, schema)).toEqual(['metadata.bogus', 'spec.extra', 'spec.list[0].z', 'other']);
    expect(obj).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { note: 'n', free: { anything: { goes: true } }, list: [{ k: 'a' }], labels: { a: 'b' } } });
  });

  it('processCustomResource defaults, prunes and validates in that order', () => {
    const obj: Record<string, unknown> = { metadata: { name: 'w' }, spec: { target: { creationPolicy: 3 }, gone: 1 } };
    const result = processCustomResource(schema, obj);
    expect(result.unknownFields).toEqual(['spec.gone']);
    expect(result.errors.map(fieldErrorString)).toEqual(['spec.target.creationPolicy: Invalid value: "integer": spec.target.creationPolicy in body must be of type string: "integer"']);
    expect((obj['spec'] as Record<string, unknown>)['interval']).toBe('1h');
  });
});

describe('structuralErrors', () => {
  it('reports the rules a v1 CRD schema must follow, with the API server paths', () => {
    const bad: JSONSchemaProps = {
      type: 'object',
      properties: {
        a: { description: 'no type' },
        b: { type: 'object', properties: {}, additionalProperties: { type: 'string' } },
        c: { type: 'array' },
        d: { type: 'array', items: { properties: {} } },
        e: { type: 'string', $ref: '#/definitions/x' },
        metadata: { type: 'object', properties: { labels: { type: 'object' } } },
      },
    };
    expect(structuralErrors(bad, 'spec.versions[0].schema.openAPIV3Schema').map(fieldErrorString)).toEqual([
      'spec.versions[0].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      'spec.versions[0].schema.openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields',
      'spec.versions[0].schema.openAPIV3Schema.properties[b].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
      'spec.versions[0].schema.openAPIV3Schema.properties[c].items: Required value: must be specified',
      'spec.versions[0].schema.openAPIV3Schema.properties[d].items.type: Required value: must not be empty for specified array items',
      'spec.versions[0].schema.openAPIV3Schema.properties[e].$ref: Forbidden: $ref is not supported',
    ]);
    expect(structuralErrors({ type: 'string' }).map(fieldErrorString)).toEqual(['openAPIV3Schema.type: Invalid value: "string": must be object at the root']);
  });
});

// ---- property tests -------------------------------------------------------------------------

type Leaf = 'string' | 'integer' | 'boolean' | 'number';

const leafSchema = fc.constantFrom<Leaf>('string', 'integer', 'boolean', 'number').map((type): JSONSchemaProps => ({ type }));
const schemaArb: fc.Arbitrary<JSONSchemaProps> = fc.letrec<{ node: JSONSchemaProps }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafSchema,
    fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/), tie('node'), { minKeys: 1, maxKeys: 4 }).map((properties): JSONSchemaProps => ({ type: 'object', properties })),
    tie('node').map((items): JSONSchemaProps => ({ type: 'array', items })),
    tie('node').map((additionalProperties): JSONSchemaProps => ({ type: 'object', additionalProperties })),
  ),
})).node;

function valueFor(schema: JSONSchemaProps): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case 'string':
      return fc.string();
    case 'integer':
      return fc.integer();
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueFor(schema.items ?? {}), { maxLength: 3 });
    default:
      if (schema.properties) {
        return fc.record(Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, valueFor(s)])), { requiredKeys: [] });
      }
      return fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), valueFor(typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {}), { maxKeys: 3 });
  }
}

/** Paths of scalar leaves present in `value`, with their schema type. */
function leaves(schema: JSONSchemaProps, value: unknown, path: string, out: { path: string[]; type: string }[], segs: string[] = []): void {
  if (Array.isArray(value)) value.forEach((v, i) => leaves(schema.items ?? {}, v, `${path}[${i}]`, out, [...segs, String(i)]));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {});
      leaves(sub, v, `${path}.${k}`, out, [...segs, k]);
    }
  } else out.push({ path: segs, type: schema.type ?? '' });
}

function setAt(value: unknown, segs: string[], next: unknown): unknown {
  const copy = structuredClone(value);
  let cur = copy as Record<string, unknown>;
  segs.slice(0, -1).forEach((s) => (cur = cur[s] as Record<string, unknown>));
  cur[segs[segs.length - 1] ?? ''] = next;
  return copy;
}

const pathString = (segs: string[]): string => segs.reduce((p, s) => (/^\d+$/.test(s) ? `${p}[${s}]` : `${p}.${s}`), 'spec');

describe('property: schema and values', () => {
  it('values generated from a schema validate', () => {
    fc.assert(fc.property(schemaArb.chain((s) => fc.tuple(fc.constant(s), valueFor(s))), ([schema, value]) => {
      expect(validateValue(schema, value, 'spec')).toEqual([]);
    }));
  });

  it('a scalar replaced by a value of another type is reported at its path as a type error', () => {
    const withLeaf = schemaArb
      .chain((s) => fc.tuple(fc.constant(s), valueFor(s)))
      .map(([schema, value]) => {
        const found: { path: string[]; type: string }[] = [];
        leaves(schema, value, 'spec', found);
        return { schema, value, found };
      })
      .filter(({ found }) => found.length > 0 && found.every((f) => f.path.length > 0))
      .chain(({ schema, value, found }) => fc.tuple(fc.constant(schema), fc.constant(value), fc.constantFrom(...found)));
    fc.assert(fc.property(withLeaf, ([schema, value, leaf]) => {
      const wrong = leaf.type === 'string' ? true : 'not-a-number';
      const errors = validateValue(schema, setAt(value, leaf.path, wrong), 'spec');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ type: 'FieldValueTypeInvalid', field: pathString(leaf.path) });
      expect(fieldErrorString(errors[0]!)).toContain(`in body must be of type ${leaf.type}`);
    }));
  });

  it('pruning never leaves a field the schema does not know, and is idempotent', () => {
    fc.assert(fc.property(schemaArb.filter((s) => s.type === 'object' && s.properties !== undefined).chain((s) => fc.tuple(fc.constant(s), valueFor(s), fc.string({ minLength: 1, maxLength: 5 }))), ([schema, value, extra]) => {
      const key = `x${extra}`;
      if (schema.properties?.[key]) return;
      const obj = { ...(value as Record<string, unknown>), [key]: 1 };
      expect(pruneUnknownFields(obj, schema, { resourceRoot: false })).toContain(key);
      expect(pruneUnknownFields(obj, schema, { resourceRoot: false })).toEqual([]);
      expect(validateValue(schema, obj, 'spec')).toEqual([]);
    }));
  });
});
