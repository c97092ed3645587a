import { describe, expect, it } from 'vitest';
import { ArgTypeError, argBool, argInt, argList, argMap, argString, argTime, arityOf, withArity } from './func-args.js';

describe('function helpers', () => {
  it('declares arity without touching the wrapped function', () => {
    const f = (a: unknown): unknown => a;
    const g = withArity(1, 2, f);
    expect(arityOf(g)).toEqual({ min: 1, max: 2 });
    expect(arityOf(f)).toBeUndefined();
    expect(g('x')).toBe('x');
    expect(arityOf(withArity(0, 0, f))).toEqual({ min: 0, max: 0 });
  });

  it('checks argument types with Go’s messages', () => {
    expect(argString('x')).toBe('x');
    expect(argInt(3)).toBe(3);
    expect(argInt(3n)).toBe(3);
    expect(argBool(false)).toBe(false);
    expect(argMap(null)).toEqual({});
    expect(argList(undefined)).toEqual([]);
    expect(argTime(new Date(5)).getTime()).toBe(5);
    expect(() => argString(1)).toThrow(new ArgTypeError('wrong type for value; expected string; got int'));
    expect(() => argInt(1.5)).toThrow('wrong type for value; expected int; got float64');
    expect(() => argInt('1')).toThrow('wrong type for value; expected int; got string');
    expect(() => argBool(null)).toThrow('invalid value; expected bool');
    expect(() => argMap([])).toThrow('wrong type for value; expected map[string]interface {}; got []interface {}');
    expect(() => argList({})).toThrow('wrong type for value; expected []interface {}; got map[string]interface {}');
    expect(() => argTime('2020')).toThrow('wrong type for value; expected time.Time; got string');
  });
});
