/**
 * Vault reads configs and policies written in HCL or in JSON; this picks the right parser.
 */
import { type HclObject, isHclObject } from './model.js';
import { HclSyntaxError, type ParseHclOptions, parseHcl } from './parser.js';

/** True when the first non-blank character is `{` (an HCL body can never start with one). */
export function looksLikeJson(text: string): boolean {
  return /^[\s\ufeff]*\{/.test(text);
}

/**
 * Parses `text` as JSON when it looks like JSON (first non-blank character `{`), as HCL
 * otherwise. JSON is returned as written (blocks as `{"listener": {"tcp": {...}}}` or
 * `[{"tcp": {...}}]`, both of which `blocks()` reads); see model.ts. JSON has no positions,
 * and a repeated key keeps its last value (JSON.parse). `duplicateAttributes` applies to HCL.
 */
export function parseHclOrJson(text: string, options: ParseHclOptions = {}): HclObject {
  if (!looksLikeJson(text)) return parseHcl(text, options);
  const source = text.replace(/^\ufeff/, '');
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    // V8's message may quote a snippet of the input, which could be a secret: find the place ourselves.
    const found = locateJsonError(source);
    throw new HclSyntaxError(`invalid JSON: ${found.reason}`, positionAt(source, found.offset), options.sourceName ?? 'JSON');
  }
  if (!isHclObject(value)) throw new HclSyntaxError('invalid JSON: the document must be an object', undefined, options.sourceName ?? 'JSON');
  return value as HclObject;
}

function positionAt(text: string, offset: number): { line: number; column: number; offset: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1, offset };
}

/**
 * Where and why `text` is not JSON (only called after JSON.parse failed). A strict RFC 8259
 * scanner; the reason never quotes the input.
 */
export function locateJsonError(text: string): { offset: number; reason: string } {
  let i = 0;
  class Stop {
    constructor(
      readonly offset: number,
      readonly reason: string,
    ) {}
  }
  const stop = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const found = (): string => (i >= text.length ? 'the end of the input' : /[\x21-\x7e]/.test(text[i] as string) ? `"${text[i]}"` : 'a control or non-ASCII character');
  const str = (): void => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) stop('string not terminated', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) stop('control character in string (escape it)');
      if (c === 0x5c) {
        const e = text[i + 1] ?? '';
        if ('"\\/bfnrt'.includes(e) && e !== '') i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else stop('invalid escape sequence in string');
      } else {
        i++;
      }
    }
  };
  const value = (depth: number): void => {
    if (depth > 1000) stop('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') stop(`expected a property name in double quotes, found ${found()}`);
        str();
        ws();
        if (text[i] !== ':') stop(`expected ":" after a property name, found ${found()}`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        stop(`expected "," or "}" after a property value, found ${found()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        stop(`expected "," or "]" after an array element, found ${found()}`);
      }
    }
    if (c === '"') return str();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (literal === null) stop(`expected a value, found ${found()}`);
    else i += literal[0].length;
  };
  try {
    value(0);
    ws();
    if (i < text.length) stop(`unexpected ${found()} after the end of the document`);
  } catch (err) {
    if (err instanceof Stop) return { offset: err.offset, reason: err.reason };
    throw err;
  }
  return { offset: i, reason: 'not valid JSON' };
}
