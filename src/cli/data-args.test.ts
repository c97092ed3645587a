import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataArgs, toStringLists } from './data-args.js';

const noStdin = { readStdin: () => Promise.reject(new Error('stdin not expected')) };

describe('parseDataArgs (kvbuilder semantics)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-data-'));
  const valueFile = join(dir, 'value.txt');
  writeFileSync(valueFile, 'line1\nline2\n');
  const jsonFile = join(dir, 'data.json');
  writeFileSync(jsonFile, JSON.stringify({ user: 'admin', port: 5432, nested: { a: true } }));

  it('k=v pairs; the value may contain "="', async () => {
    expect(await parseDataArgs(['a=b', 'c=d=e', 'empty='], noStdin)).toEqual({ a: 'b', c: 'd=e', empty: '' });
  });

  it('k=@file reads the file; k=\\@x is the literal @x', async () => {
    expect(await parseDataArgs([`cert=@${valueFile}`, 'email=\\@example'], noStdin)).toEqual({ cert: 'line1\nline2\n', email: '@example' });
  });

  it('@file.json merges a JSON object', async () => {
    expect(await parseDataArgs([`@${jsonFile}`, 'extra=1'], noStdin)).toEqual({ user: 'admin', port: 5432, nested: { a: true }, extra: '1' });
  });

  it('- merges JSON from stdin; k=- reads stdin raw; stdin is used once', async () => {
    expect(await parseDataArgs(['-'], { readStdin: () => Promise.resolve('{"a":"b"}') })).toEqual({ a: 'b' });
    expect(await parseDataArgs(['pw=-'], { readStdin: () => Promise.resolve('s3cr3t\n') })).toEqual({ pw: 's3cr3t\n' });
    await expect(parseDataArgs(['a=-', 'b=-'], { readStdin: () => Promise.resolve('x') })).rejects.toThrow(/stdin already consumed/);
  });

  it('a repeated key becomes a list', async () => {
    expect(await parseDataArgs(['p=a', 'p=b', 'p=c'], noStdin)).toEqual({ p: ['a', 'b', 'c'] });
  });

  it('rejects malformed input with the offending argument', async () => {
    await expect(parseDataArgs(['novalue'], noStdin)).rejects.toThrow('invalid key/value pair "novalue": format must be key=value');
    await expect(parseDataArgs(['k=@/nonexistent/file'], noStdin)).rejects.toThrow(/error reading file/);
    await expect(parseDataArgs(['-'], { readStdin: () => Promise.resolve('[1,2]') })).rejects.toThrow(/JSON object/);
    await expect(parseDataArgs(['-'], { readStdin: () => Promise.resolve('{bad') })).rejects.toThrow(/not valid JSON/);
    // The parser's message would quote the input; ours must not.
    const err = await parseDataArgs(['-'], { readStdin: () => Promise.resolve('{"password": hunter2}') }).catch((e: unknown) => e);
    expect(String(err)).not.toContain('hunter2');
  });

  it('toStringLists turns values into query lists', () => {
    expect(toStringLists({ a: 'b', c: ['1', '2'], n: 5 })).toEqual({ a: ['b'], c: ['1', '2'], n: ['5'] });
  });
});
