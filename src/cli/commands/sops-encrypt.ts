/**
 * `coffer sops encrypt FILE`: encrypts a YAML/JSON file into a SOPS file (stdout by default,
 * like sops). This module also holds the flags and file helpers the other `sops` commands share.
 */
import { chmodSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isApiError } from '../../api/index.js';
import {
  creationRuleFor,
  emitEncrypted,
  encryptBranches,
  findConfigFile,
  formatFor,
  keySpecsFrom,
  parsePlain,
  type CreationRule,
  type EncryptionRules,
  type KeyServices,
  type KeySpec,
  type SopsFormat,
} from '../../gitops/sops/index.js';
import { defineCommand, expectArgs, type CommandContext } from '../command.js';
import { ExitCode, UsageError, messageFor } from '../exit.js';
import type { FlagSpec } from '../flags.js';

export const SOPS_KEY_FLAGS: readonly FlagSpec[] = [
  {
    name: 'age',
    kind: 'list',
    example: 'recipients',
    env: ['SOPS_AGE_RECIPIENTS'],
    usage: 'Comma-separated age recipients (age1...) to encrypt the data key for. Can be repeated. Also SOPS_AGE_RECIPIENTS.',
  },
  {
    name: 'hc-vault-transit',
    kind: 'list',
    example: 'uri',
    env: ['SOPS_VAULT_URIS'],
    usage: 'Comma-separated Vault/Coffer transit key URIs (https://host:8200/v1/transit/keys/name; a path alone uses COFFER_ADDR/VAULT_ADDR). Can be repeated. Also SOPS_VAULT_URIS.',
  },
];

export const SOPS_RULE_FLAGS: readonly FlagSpec[] = [
  { name: 'unencrypted-suffix', kind: 'string', example: 'suffix', usage: 'Leave values whose key (or a parent key) ends with this suffix in plaintext (default "_unencrypted" when no rule is set).' },
  { name: 'encrypted-suffix', kind: 'string', example: 'suffix', usage: 'Encrypt only values whose key (or a parent key) ends with this suffix.' },
  { name: 'unencrypted-regex', kind: 'string', example: 'regex', usage: 'Leave values whose key (or a parent key) matches this regex in plaintext.' },
  { name: 'encrypted-regex', kind: 'string', example: 'regex', usage: 'Encrypt only values whose key (or a parent key) matches this regex, e.g. "^(data|stringData)$" for Kubernetes Secrets.' },
  { name: 'unencrypted-comment-regex', kind: 'string', example: 'regex', usage: 'Leave values after a comment matching this regex in plaintext.' },
  { name: 'encrypted-comment-regex', kind: 'string', example: 'regex', usage: 'Encrypt only values after a comment matching this regex.' },
  { name: 'mac-only-encrypted', kind: 'bool', usage: 'Compute the MAC only over the encrypted values.' },
];

export const SOPS_IO_FLAGS: readonly FlagSpec[] = [
  { name: 'in-place', kind: 'bool', aliases: ['i'], usage: 'Write the result back to FILE instead of stdout.' },
  { name: 'output', kind: 'string', example: 'path', usage: 'Write the result to this file instead of stdout.' },
  { name: 'input-type', kind: 'string', example: 'yaml|json', usage: 'The input format (default: from the file extension).' },
  { name: 'output-type', kind: 'string', example: 'yaml|json', usage: 'The output format (default: the input format).' },
];

export const SOPS_CONFIG_FLAG: FlagSpec = {
  name: 'config',
  kind: 'string',
  example: 'path',
  env: ['SOPS_CONFIG'],
  usage: 'Path to the .sops.yaml config (default: the nearest .sops.yaml at or above the file).',
};

/** Exit code for an error: transit API failures are remote (2), everything else local (1). */
export function sopsFail(ctx: CommandContext, prefix: string, err: unknown): number {
  ctx.ui.err(`${prefix}: ${messageFor(err)}`);
  return isApiError(err) ? ExitCode.RemoteError : ExitCode.LocalError;
}

export function keyServices(ctx: CommandContext): KeyServices {
  return { env: ctx.io.env };
}

/** The file's contents (`-` reads stdin). */
export async function readInput(ctx: CommandContext, file: string): Promise<string> {
  if (file === '-') return ctx.readStdin();
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Error reading file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : messageFor(err)}`);
  }
}

/**
 * Writes a file atomically (temp file + rename) so a failed write leaves the old contents;
 * `mode` is applied to new files, and always when `force` (plaintext must stay 0600).
 */
export function writeFileAtomic(path: string, content: string, mode: number, force = false): void {
  let finalMode = mode;
  if (!force) {
    try {
      finalMode = statSync(path).mode & 0o777;
    } catch {
      // A new file gets `mode`.
    }
  }
  const tmp = join(dirname(resolve(path)), `.${basename(path)}.coffer-${process.pid}-${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, finalMode);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing to clean up.
    }
    throw new UsageError(`Could not write output file ${path}: ${messageFor(err)}`);
  }
}

/** Sends the result to stdout, `--output` or back to FILE (`--in-place`). */
export function emitResult(ctx: CommandContext, file: string, content: string, plaintext: boolean): void {
  const inPlace = ctx.flags.bool('in-place');
  const output = ctx.flags.string('output');
  if (inPlace && output !== '') throw new UsageError('Error: cannot operate on both --output and --in-place');
  const target = inPlace ? file : output;
  if (target === '') {
    ctx.ui.raw(content);
    return;
  }
  if (target === '-') throw new UsageError('Error: --in-place needs a file, not stdin');
  writeFileAtomic(target, content, plaintext ? 0o600 : 0o644, plaintext);
}

export function ioFormats(ctx: CommandContext, file: string): { input: SopsFormat; output: SopsFormat } {
  const override = ctx.flags.has('filename-override') ? ctx.flags.string('filename-override') : '';
  const name = override !== '' ? override : file;
  const input = formatFor(name, ctx.flags.has('input-type') ? ctx.flags.string('input-type') : '');
  const outType = ctx.flags.has('output-type') ? ctx.flags.string('output-type') : '';
  return { input, output: outType === '' ? input : formatFor(name, outType) };
}

/** The `.sops.yaml` creation rule for FILE (`undefined`: no config or no rules). */
export function configRule(ctx: CommandContext, file: string): CreationRule | undefined {
  const explicit = ctx.flags.has('config') ? ctx.flags.string('config') : '';
  const override = ctx.flags.has('filename-override') ? ctx.flags.string('filename-override') : '';
  const path = override !== '' ? override : file === '-' ? join(process.cwd(), 'stdin') : file;
  const configPath = explicit !== '' ? explicit : findConfigFile(dirname(resolve(path)));
  if (configPath === undefined) return undefined;
  return creationRuleFor(configPath, path, ctx.io.env);
}

export function keysFromFlags(ctx: CommandContext, ageFlag = 'age', vaultFlag = 'hc-vault-transit'): KeySpec[] {
  return keySpecsFrom(ctx.flags.list(ageFlag), ctx.flags.list(vaultFlag), ctx.io.env);
}

export function rulesFromFlags(ctx: CommandContext): EncryptionRules {
  const rules: EncryptionRules = {};
  const s = (flag: string, field: keyof EncryptionRules & string): void => {
    const v = ctx.flags.string(flag);
    if (v !== '') (rules as Record<string, string>)[field] = v;
  };
  s('unencrypted-suffix', 'unencryptedSuffix');
  s('encrypted-suffix', 'encryptedSuffix');
  s('unencrypted-regex', 'unencryptedRegex');
  s('encrypted-regex', 'encryptedRegex');
  s('unencrypted-comment-regex', 'unencryptedCommentRegex');
  s('encrypted-comment-regex', 'encryptedCommentRegex');
  if (ctx.flags.bool('mac-only-encrypted')) rules.macOnlyEncrypted = true;
  return rules;
}

/** Keys and rules for a new file: flags first, then the config's creation rule (as sops). */
export function creationSettings(ctx: CommandContext, file: string): { keyGroups: KeySpec[][]; shamirThreshold?: number; rules: EncryptionRules } {
  const flagKeys = keysFromFlags(ctx);
  const flagRules = rulesFromFlags(ctx);
  const hasFlagRules = Object.keys(flagRules).some((k) => k !== 'macOnlyEncrypted');
  let rule: CreationRule | undefined;
  if (flagKeys.length === 0 || !hasFlagRules) {
    try {
      rule = configRule(ctx, file);
    } catch (err) {
      // With keys on the command line a config without a matching rule does not matter.
      if (flagKeys.length === 0) throw err;
    }
  }
  const keyGroups = flagKeys.length > 0 ? [flagKeys] : (rule?.keyGroups ?? []);
  if (keyGroups.length === 0 || keyGroups.every((g) => g.length === 0)) {
    throw new UsageError('Error: no master keys were provided, so sops can\'t encrypt the file: use --age, --hc-vault-transit or a .sops.yaml creation rule');
  }
  const rules = hasFlagRules ? flagRules : { ...(rule?.rules ?? {}), ...(flagRules.macOnlyEncrypted === true ? { macOnlyEncrypted: true } : {}) };
  const out: { keyGroups: KeySpec[][]; shamirThreshold?: number; rules: EncryptionRules } = { keyGroups, rules };
  if (flagKeys.length === 0 && rule?.shamirThreshold !== undefined) out.shamirThreshold = rule.shamirThreshold;
  return out;
}

export const command = defineCommand({
  path: ['sops', 'encrypt'],
  synopsis: 'Encrypt a YAML or JSON file in the SOPS format',
  sets: { http: false },
  flags: [
    ...SOPS_KEY_FLAGS,
    ...SOPS_RULE_FLAGS,
    ...SOPS_IO_FLAGS,
    SOPS_CONFIG_FLAG,
    { name: 'filename-override', kind: 'string', example: 'path', usage: 'Use this path (instead of FILE) to pick the format and the .sops.yaml creation rule; useful with stdin.' },
  ],
  help: `
Usage: coffer sops encrypt [options] FILE

  Encrypts the values of a YAML or JSON file with a new data key, wraps the
  data key for each age recipient and Vault/Coffer transit key, and prints the
  SOPS file (keys stay readable, values become ENC[AES256_GCM,...]). FILE "-"
  reads stdin. The output decrypts with sops and with "coffer sops decrypt".

  Keys and encryption rules come from the flags, else from the first matching
  creation rule of the nearest .sops.yaml. Flags take "--flag value" or
  "--flag=value".

  Encrypt a Kubernetes Secret for an age key, only data/stringData:

      $ coffer sops encrypt --age age1... --encrypted-regex '^(data|stringData)$' secret.yaml > secret.enc.yaml

  Encrypt in place with a transit key:

      $ coffer sops encrypt -i --hc-vault-transit https://coffer:8200/v1/transit/keys/sops app.json`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const file = ctx.args[0] ?? '';
    try {
      const { input, output } = ioFormats(ctx, file);
      const settings = creationSettings(ctx, file);
      const text = await readInput(ctx, file);
      const doc = await encryptBranches(parsePlain(text, input), { ...settings, services: keyServices(ctx) });
      emitResult(ctx, file, emitEncrypted(doc, output), false);
      return ExitCode.Ok;
    } catch (err) {
      return sopsFail(ctx, 'Error encrypting file', err);
    }
  },
});
