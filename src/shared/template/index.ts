/**
 * Go text/template for Coffer: Vault's username templates (with `vaultTemplateFuncs`), and
 * ExternalSecret / SealedSecret templates (with `sprigFuncs`, usually `missingKey: 'error'`).
 *
 * Why not a library: no maintained npm package implements Go's template language faithfully
 * (the one candidate, `go-text-template`, is a single unmaintained release without Sprig), so
 * the engine is a port of Go's lexer, parser and executor. See exec.ts and values.ts for how
 * JavaScript values stand in for Go's.
 *
 * ```ts
 * const t = parseTemplate('{{ .name | upper }}', { funcs: sprigFuncs, missingKey: 'error' });
 * t.execute({ name: 'x' }); // "X"
 * ```
 */
import { BUILTINS } from './builtins.js';
import { type ExecEnv, type FuncEntry, execute } from './exec.js';
import { parse } from './parser.js';
import { goQuote } from './strconv.js';
import { TemplateError } from './template-error.js';
import type { Template, TemplateOptions } from './types.js';

export type { FuncMap, Template, TemplateFunc, TemplateOptions } from './types.js';
export { TemplateError } from './template-error.js';
export { sprigFuncs } from './sprig.js';
export { vaultTemplateFuncs } from './vault-funcs.js';
// For callers writing their own functions: Go-style arity and argument-type errors.
export { ArgTypeError, argBool, argInt, argList, argMap, argString, argTime, withArity } from './func-args.js';

const FUNC_NAME = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;

function buildFuncs(name: string, options: TemplateOptions): Map<string, FuncEntry> {
  const funcs = new Map<string, FuncEntry>();
  for (const [key, fn] of BUILTINS) funcs.set(key, { fn, builtin: true });
  for (const [key, fn] of Object.entries(options.funcs ?? {})) {
    if (!FUNC_NAME.test(key)) throw new TemplateError(`template: ${name}: function name ${goQuote(key)} is not a valid identifier`);
    if (typeof fn !== 'function') throw new TemplateError(`template: ${name}: value for ${key} not a function`);
    funcs.set(key, { fn, builtin: false });
  }
  return funcs;
}

/** Parses a Go template; throws `TemplateError` with Go's message when it is malformed. */
export function parseTemplate(source: string, options: TemplateOptions = {}): Template {
  const name = options.name ?? 'template';
  const missingKey = options.missingKey ?? 'default';
  if (missingKey !== 'default' && missingKey !== 'zero' && missingKey !== 'error') {
    throw new TemplateError(`template: ${name}: unrecognized option: missingkey=${String(missingKey)}`);
  }
  const funcs = buildFuncs(name, options);
  let trees;
  try {
    trees = parse(source, {
      name,
      leftDelim: options.leftDelim ?? '{{',
      rightDelim: options.rightDelim ?? '}}',
      hasFunction: (fn) => funcs.has(fn),
    });
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    if (err instanceof RangeError) throw new TemplateError(`template: ${name}: max expression depth exceeded`, { cause: err });
    throw err;
  }
  const env: ExecEnv = { source, trees, funcs, missingKey };
  return { execute: (data: unknown) => execute(env, name, data) };
}

/** Go RE2 regular expressions (translated to JS) and `ReplaceAll` with `$1` expansion, for ESO's rewrites. */
export { compileGoRegexp, replaceAll as regexpReplaceAll } from './regexp.js';

/** ESO's own template functions (PKCS#12, cert chains, JWK, rsaDecrypt) and byte-preserving string helpers. */
export { bytesToTemplateString, esoTemplateFuncs, templateStringToBytes } from './eso-funcs.js';
