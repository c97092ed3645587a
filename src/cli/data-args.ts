/**
 * `key=value` data arguments, as Vault's `kvbuilder` reads them:
 *
 *   key=value    a string
 *   key=@file    the file's contents (`key=\@x` is the literal `@x`)
 *   key=-        stdin, read whole (once)
 *   @file.json   a JSON object merged in
 *   -            a JSON object from stdin merged in
 *
 * A key given twice becomes a list.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from './exit.js';

export type DataMap = Record<string, unknown>;

export interface DataArgSources {
  /** Reads all of stdin (called at most once). */
  readStdin: () => Promise<string>;
  readFile?: (path: string) => Promise<string>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function parseDataArgs(args: readonly string[], sources: DataArgSources): Promise<DataMap> {
  const result: DataMap = {};
  const read = sources.readFile ?? ((p: string) => readFile(p, 'utf8'));
  let stdinUsed = false;

  const takeStdin = async (raw: string): Promise<string> => {
    if (stdinUsed) throw new UsageError(`invalid key/value pair ${JSON.stringify(raw)}: stdin already consumed`);
    stdinUsed = true;
    return sources.readStdin();
  };

  const mergeJson = (raw: string, text: string, from: string): void => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not the parser's message: it quotes part of the input, which may be a secret.
      throw new UsageError(`invalid key/value pair ${JSON.stringify(raw)}: ${from} is not valid JSON`);
    }
    if (!isPlainObject(parsed)) throw new UsageError(`invalid key/value pair ${JSON.stringify(raw)}: ${from} must hold a JSON object`);
    Object.assign(result, parsed);
  };

  const readNamed = async (raw: string, file: string): Promise<string> => {
    try {
      return await read(file);
    } catch (err) {
      throw new UsageError(`invalid key/value pair ${JSON.stringify(raw)}: error reading file: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  for (const raw of args) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    if (eq < 0) {
      if (raw === '-') {
        mergeJson(raw, await takeStdin(raw), 'stdin');
        continue;
      }
      if (raw.startsWith('@')) {
        mergeJson(raw, await readNamed(raw, raw.slice(1)), raw.slice(1));
        continue;
      }
      throw new UsageError(`invalid key/value pair ${JSON.stringify(raw)}: format must be key=value`);
    }
    const key = raw.slice(0, eq);
    let value = raw.slice(eq + 1);
    if (value.startsWith('@')) value = await readNamed(raw, value.slice(1));
    else if (value.startsWith('\\@')) value = value.slice(1);
    else if (value === '-') value = await takeStdin(raw);

    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else result[key] = Array.isArray(existing) ? [...(existing as unknown[]), value] : [existing, value];
  }
  return result;
}

/** Data arguments as query parameters (`vault read path k=v`): every value a list of strings. */
export function toStringLists(data: DataMap): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(data)) {
    const list = Array.isArray(v) ? v : [v];
    out[k] = list.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  }
  return out;
}

/** Reads a whole stream as UTF-8. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
