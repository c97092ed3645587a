/**
 * Flag parsing with Go's `flag` package semantics, which the Vault CLI inherits (and which
 * commander cannot express: it reads `-format` as the short options `-f -o -r ...`):
 *
 *   - one or two dashes: `-format=json`, `--format json`, `-dev`;
 *   - a value is `-name=value` or the next argument, except for booleans (`-dev`, `-dev=false`);
 *   - flags come before positional arguments and `--` ends them.
 *
 * As a convenience Vault does not offer, a known flag written after the positional arguments
 * is parsed too (Vault would warn and pass it on as an argument); anything else there is an
 * argument, and nothing after `--` is ever a flag.
 */
import { parseDurationSeconds } from '../shared/index.js';
import { parseGoBool } from '../api/index.js';
import { UsageError } from './exit.js';

export type FlagKind = 'bool' | 'string' | 'int' | 'duration' | 'list' | 'map';

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly usage: string;
  readonly aliases?: readonly string[];
  /** Default for string/int/duration/bool flags (duration in seconds). */
  readonly default?: string | number | boolean;
  /** Environment variables that supply the default, first set one wins. */
  readonly env?: readonly string[];
  /** Help group ("HTTP Options", "Output Options", "Command Options"...). */
  readonly group?: string;
  /** Shown as `-name=<example>` in help. */
  readonly example?: string;
  readonly hidden?: boolean;
}

type FlagValue = string | number | boolean | string[] | Record<string, string>;

export class FlagValues {
  private readonly values = new Map<string, FlagValue>();
  private readonly set = new Set<string>();

  constructor(private readonly specs: ReadonlyMap<string, FlagSpec>) {}

  /** Whether the flag was given on the command line (not just defaulted). */
  isSet(name: string): boolean {
    return this.set.has(name);
  }

  /** @internal */
  assign(name: string, value: FlagValue, explicit: boolean): void {
    this.values.set(name, value);
    if (explicit) this.set.add(name);
  }

  /** @internal */
  current(name: string): FlagValue | undefined {
    return this.values.get(name);
  }

  private spec(name: string, kind: FlagKind): FlagSpec {
    const spec = this.specs.get(name);
    if (spec === undefined) throw new Error(`flag -${name} is not defined for this command`);
    if (spec.kind !== kind) throw new Error(`flag -${name} is a ${spec.kind} flag, not ${kind}`);
    return spec;
  }

  has(name: string): boolean {
    return this.specs.has(name);
  }

  string(name: string): string {
    this.spec(name, 'string');
    const v = this.values.get(name);
    return typeof v === 'string' ? v : '';
  }

  bool(name: string): boolean {
    this.spec(name, 'bool');
    return this.values.get(name) === true;
  }

  int(name: string): number {
    this.spec(name, 'int');
    const v = this.values.get(name);
    return typeof v === 'number' ? v : 0;
  }

  /** Seconds (`"system"` is -1, as in Vault). */
  duration(name: string): number {
    this.spec(name, 'duration');
    const v = this.values.get(name);
    return typeof v === 'number' ? v : 0;
  }

  list(name: string): string[] {
    this.spec(name, 'list');
    const v = this.values.get(name);
    return Array.isArray(v) ? [...v] : [];
  }

  map(name: string): Record<string, string> {
    this.spec(name, 'map');
    const v = this.values.get(name);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v } : {};
  }
}

export interface ParsedArgs {
  flags: FlagValues;
  args: string[];
  /** `-h`, `-help` or `--help` was given. */
  help: boolean;
}

const HELP_FLAGS = new Set(['-h', '-help', '--help', '--h']);

function parseInt64(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(t)) return undefined;
  const n = Number(t.startsWith('-') ? -Number(t.slice(1)) : Number(t.replace(/^\+/, '')));
  return Number.isSafeInteger(n) ? n : undefined;
}

function parseDurationFlag(text: string): number {
  const t = text.trim() === 'system' ? '-1' : text;
  return parseDurationSeconds(t);
}

function convert(spec: FlagSpec, raw: string, previous: FlagValue | undefined, explicit: boolean): FlagValue {
  const bad = (detail: string): UsageError => new UsageError(`invalid value ${JSON.stringify(raw)} for flag -${spec.name}: ${detail}`);
  switch (spec.kind) {
    case 'bool': {
      const b = parseGoBool(raw);
      if (b === undefined) throw new UsageError(`invalid boolean value ${JSON.stringify(raw)} for -${spec.name}: parse error`);
      return b;
    }
    case 'string':
      return raw;
    case 'int': {
      const n = parseInt64(raw);
      if (n === undefined) throw bad('parse error');
      return n;
    }
    case 'duration':
      try {
        return parseDurationFlag(raw);
      } catch (err) {
        throw bad(err instanceof Error ? err.message : String(err));
      }
    case 'list': {
      const base = explicit && Array.isArray(previous) ? previous : [];
      return [...base, raw.trim()];
    }
    case 'map': {
      const idx = raw.indexOf('=');
      if (idx < 0) throw bad(`missing = in KV pair: ${JSON.stringify(raw)}`);
      const base = explicit && typeof previous === 'object' && previous !== null && !Array.isArray(previous) ? previous : {};
      return { ...base, [raw.slice(0, idx)]: raw.slice(idx + 1) };
    }
  }
}

function defaultFor(spec: FlagSpec, env: NodeJS.ProcessEnv): FlagValue | undefined {
  for (const name of spec.env ?? []) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    try {
      if (spec.kind === 'list') return v.split(',').map((s) => s.trim());
      if (spec.kind === 'map') continue;
      return convert(spec, v, undefined, false);
    } catch {
      // Like Vault, an unparsable environment default is ignored.
    }
  }
  switch (spec.kind) {
    case 'bool':
      return spec.default === true;
    case 'list':
      return [];
    case 'map':
      return {};
    default:
      return spec.default;
  }
}

/** Parses `argv` against `specs`. Throws `UsageError` with Go's messages on bad input. */
export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[], env: NodeJS.ProcessEnv = {}): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  const lookup = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    lookup.set(spec.name, spec);
    for (const alias of spec.aliases ?? []) lookup.set(alias, spec);
  }
  const flags = new FlagValues(byName);
  for (const spec of specs) {
    const d = defaultFor(spec, env);
    if (d !== undefined) flags.assign(spec.name, d, false);
  }

  const args: string[] = [];
  let help = false;
  let positionalSeen = false;

  for (let i = 0; i < argv.length; i++) {
    const s = argv[i] ?? '';
    if (s === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (HELP_FLAGS.has(s)) {
      help = true;
      continue;
    }
    if (s.length < 2 || !s.startsWith('-')) {
      args.push(s);
      positionalSeen = true;
      continue;
    }
    const dashes = s.startsWith('--') ? 2 : 1;
    const body = s.slice(dashes);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = lookup.get(name);

    if (positionalSeen && spec === undefined) {
      // After the arguments, only known flags are flags (e.g. a `-` value or `-x=1` data stays data).
      args.push(s);
      continue;
    }
    if (name === '' || name.startsWith('-') || name.startsWith('=')) throw new UsageError(`bad flag syntax: ${s}`);
    if (spec === undefined) throw new UsageError(`flag provided but not defined: -${name}`);

    let raw: string;
    if (eq >= 0) {
      raw = body.slice(eq + 1);
    } else if (spec.kind === 'bool') {
      raw = 'true';
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`flag needs an argument: -${name}`);
      raw = next;
      i++;
    }
    flags.assign(spec.name, convert(spec, raw, flags.current(spec.name), flags.isSet(spec.name)), true);
  }

  return { flags, args, help };
}
