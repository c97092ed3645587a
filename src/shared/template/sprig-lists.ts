/**
 * Sprig's list, dict, default and reflection functions (`list.go`, `dict.go`, `defaults.go`,
 * `reflect.go`). Dicts Sprig creates have no prototype, so any key (even `__proto__`) is data;
 * `set`/`unset` change the dict in place, as Sprig does. `keys` and `values` come in sorted key
 * order (Go's map order is random, so this is one of its possible answers).
 */
import { argBool, argMap, argString, withArity } from './func-args.js';
import type { TemplateFunc } from './types.js';
import { strval } from './sprig-strings.js';
import {
  type GoMap,
  goKindName,
  goTypeName,
  isMap,
  kindOf,
  mapGet,
  mapHas,
  mapKeys,
  mapSet,
  newMap,
  sortedKeys,
} from './values.js';

/** Sprig's `empty`: nil, false, 0, "" and empty collections are empty; a time is not. */
export function isEmpty(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
      return true;
    case 'bool':
      return v === false;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v === 0n : v === 0;
    case 'string':
      return (v as string).length === 0;
    case 'slice':
      return (v as unknown[]).length === 0;
    case 'bytes':
      return (v as Uint8Array).length === 0;
    case 'map':
      return mapKeys(v as GoMap).length === 0;
    case 'time':
    case 'func':
      return false;
  }
}

/** reflect.DeepEqual for template values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return false;
  switch (ka) {
    case 'invalid':
      return true;
    case 'slice': {
      const x = a as unknown[];
      const y = b as unknown[];
      return x.length === y.length && x.every((e, i) => deepEqual(e, y[i]));
    }
    case 'bytes':
      return Buffer.from(a as Uint8Array).equals(b as Uint8Array);
    case 'time':
      return (a as Date).getTime() === (b as Date).getTime();
    case 'map': {
      const x = a as GoMap;
      const y = b as GoMap;
      const keys = mapKeys(x);
      return keys.length === mapKeys(y).length && keys.every((k) => mapHas(y, k) && deepEqual(x[k], y[k]));
    }
    case 'int':
    case 'float':
      return Number(a) === Number(b);
    default:
      return false;
  }
}

/** The elements of a slice argument; anything else fails with Sprig's message. */
function listOf(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return Array.from(v);
  throw new Error(`${what} on type ${goKindName(v)}`);
}

function dict(...args: unknown[]): GoMap {
  const d = newMap();
  for (let i = 0; i < args.length; i += 2) mapSet(d, strval(args[i]), i + 1 < args.length ? args[i + 1] : '');
  return d;
}

function copyMap(m: GoMap): GoMap {
  const out = newMap();
  for (const k of mapKeys(m)) mapSet(out, k, m[k]);
  return out;
}

/** mergo.Merge (fill what dst lacks or has empty) or MergeWithOverwrite (src wins), deep for nested dicts. */
function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean, depth = 0): void {
  if (depth > 100) throw new Error('dictionary merge failed');
  for (const key of mapKeys(src)) {
    const s = src[key];
    const d = mapGet(dst, key);
    if (isMap(s) && isMap(d)) {
      mergeInto(d, s, overwrite, depth + 1);
      continue;
    }
    if (overwrite || d === undefined || isEmpty(d)) {
      if (!overwrite && isMap(s)) mapSet(dst, key, copyMap(s));
      else mapSet(dst, key, s);
    }
  }
}

function merge(overwrite: boolean): TemplateFunc {
  return withArity(1, Infinity, (dst: unknown, ...srcs: unknown[]) => {
    const d = argMap(dst);
    for (const src of srcs) mergeInto(d, argMap(src), overwrite);
    return d;
  });
}

function dig(...ps: unknown[]): unknown {
  if (ps.length < 3) throw new Error('dig needs at least three arguments');
  let dict = argMap(ps[ps.length - 1]);
  const def = ps[ps.length - 2];
  const keys = ps.slice(0, -2).map((k) => {
    if (typeof k !== 'string') throw new Error('dig keys must be strings');
    return k;
  });
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (!mapHas(dict, key)) return def;
    const step = dict[key];
    if (i === keys.length - 1) return step;
    if (!isMap(step)) throw new Error('dig: value is not a dict');
    dict = step;
  }
  return def;
}

/** A list function in its `must` form (returns an error) and its plain form (same here: errors fail the template). */
function both(name: string, fn: TemplateFunc): Record<string, TemplateFunc> {
  const must = `must${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
  return { [name]: fn, [must]: fn };
}

const push = withArity(2, 2, (list: unknown, v: unknown) => [...listOf(list, 'Cannot push'), v]);

export const sprigListFuncs: Readonly<Record<string, TemplateFunc>> = {
  list: withArity(0, Infinity, (...args: unknown[]) => args),
  tuple: withArity(0, Infinity, (...args: unknown[]) => args),
  dict: withArity(0, Infinity, dict),
  get: withArity(2, 2, (d: unknown, key: unknown) => {
    const m = argMap(d);
    const k = argString(key);
    return mapHas(m, k) ? m[k] : '';
  }),
  set: withArity(3, 3, (d: unknown, key: unknown, value: unknown) => {
    const m = argMap(d);
    mapSet(m, argString(key), value);
    return m;
  }),
  unset: withArity(2, 2, (d: unknown, key: unknown) => {
    const m = argMap(d);
    delete m[argString(key)];
    return m;
  }),
  hasKey: withArity(2, 2, (d: unknown, key: unknown) => mapHas(argMap(d), argString(key))),
  pluck: withArity(1, Infinity, (key: unknown, ...dicts: unknown[]) => {
    const k = argString(key);
    return dicts.map(argMap).filter((d) => mapHas(d, k)).map((d) => d[k]);
  }),
  keys: withArity(0, Infinity, (...dicts: unknown[]) => dicts.flatMap((d) => sortedKeys(argMap(d)))),
  values: withArity(1, 1, (d: unknown) => {
    const m = argMap(d);
    return sortedKeys(m).map((k) => m[k]);
  }),
  pick: withArity(1, Infinity, (d: unknown, ...keys: unknown[]) => {
    const m = argMap(d);
    const out = newMap();
    for (const k of keys.map(argString)) if (mapHas(m, k)) mapSet(out, k, m[k]);
    return out;
  }),
  omit: withArity(1, Infinity, (d: unknown, ...keys: unknown[]) => {
    const m = argMap(d);
    const drop = new Set(keys.map(argString));
    const out = newMap();
    for (const k of mapKeys(m)) if (!drop.has(k)) mapSet(out, k, m[k]);
    return out;
  }),
  dig: withArity(3, Infinity, dig),
  merge: merge(false),
  mustMerge: merge(false),
  mergeOverwrite: merge(true),
  mustMergeOverwrite: merge(true),
  append: push,
  push,
  mustAppend: push,
  mustPush: push,
  ...both(
    'prepend',
    withArity(2, 2, (list: unknown, v: unknown) => [v, ...listOf(list, 'Cannot prepend')]),
  ),
  ...both(
    'first',
    withArity(1, 1, (list: unknown) => {
      const l = listOf(list, 'Cannot find first');
      return l.length === 0 ? null : l[0];
    }),
  ),
  ...both(
    'last',
    withArity(1, 1, (list: unknown) => {
      const l = listOf(list, 'Cannot find last');
      return l.length === 0 ? null : l[l.length - 1];
    }),
  ),
  ...both(
    'rest',
    withArity(1, 1, (list: unknown) => listOf(list, 'Cannot find rest').slice(1)),
  ),
  ...both(
    'initial',
    withArity(1, 1, (list: unknown) => listOf(list, 'Cannot find initial').slice(0, -1)),
  ),
  ...both(
    'reverse',
    withArity(1, 1, (list: unknown) => [...listOf(list, 'Cannot find reverse')].reverse()),
  ),
  ...both(
    'uniq',
    withArity(1, 1, (list: unknown) => {
      const out: unknown[] = [];
      for (const item of listOf(list, 'Cannot find uniq')) if (!out.some((x) => deepEqual(x, item))) out.push(item);
      return out;
    }),
  ),
  ...both(
    'without',
    withArity(1, Infinity, (list: unknown, ...omit: unknown[]) =>
      listOf(list, 'Cannot find without').filter((item) => !omit.some((x) => deepEqual(x, item))),
    ),
  ),
  ...both(
    'has',
    withArity(2, 2, (needle: unknown, haystack: unknown) => {
      if (haystack === undefined || haystack === null) return false;
      return listOf(haystack, 'Cannot find has').some((item) => deepEqual(needle, item));
    }),
  ),
  ...both(
    'compact',
    withArity(1, 1, (list: unknown) => listOf(list, 'Cannot compact').filter((item) => !isEmpty(item))),
  ),
  concat: withArity(0, Infinity, (...lists: unknown[]) =>
    lists.flatMap((l) => {
      if (Array.isArray(l)) return l;
      if (l instanceof Uint8Array) return Array.from(l);
      throw new Error(`Cannot concat type ${goKindName(l)} as list`);
    }),
  ),
  default: withArity(1, Infinity, (d: unknown, ...given: unknown[]) => (given.length === 0 || isEmpty(given[0]) ? d : given[0])),
  empty: withArity(1, 1, isEmpty),
  coalesce: withArity(0, Infinity, (...args: unknown[]) => args.find((a) => !isEmpty(a)) ?? null),
  all: withArity(0, Infinity, (...args: unknown[]) => args.every((a) => !isEmpty(a))),
  any: withArity(0, Infinity, (...args: unknown[]) => args.some((a) => !isEmpty(a))),
  ternary: withArity(3, 3, (vt: unknown, vf: unknown, v: unknown) => (argBool(v) ? vt : vf)),
  typeOf: withArity(1, 1, goTypeName),
  typeIs: withArity(2, 2, (target: unknown, v: unknown) => argString(target) === goTypeName(v)),
  kindOf: withArity(1, 1, goKindName),
  kindIs: withArity(2, 2, (target: unknown, v: unknown) => argString(target) === goKindName(v)),
  deepEqual: withArity(2, 2, deepEqual),
};
