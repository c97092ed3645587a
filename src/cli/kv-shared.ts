/** What the `kv` commands share: the `-mount` flag, the pre-flight, version-list parsing. */
import { kvApiPath, type KvApiPrefix, type KvLocation } from '../api/index.js';
import { fail, type CommandContext } from './command.js';
import { ExitCode, UsageError } from './exit.js';
import type { FlagSpec } from './flags.js';
import { outputSecret } from './output/index.js';

export const MOUNT_FLAG: FlagSpec = {
  name: 'mount',
  kind: 'string',
  example: 'string',
  usage:
    'Specifies the path where the KV backend is mounted. If specified, the next argument will be interpreted as the secret path. If this flag is not specified, the next argument will be interpreted as the combined mount path and secret path, with /data/ automatically appended between KV v2 secrets.',
};

export function versionsFlag(verb: string): FlagSpec {
  return { name: 'versions', kind: 'list', example: 'string', usage: `Specifies the version numbers to ${verb}.` };
}

/** The key argument resolved against its mount (the `sys/internal/ui/mounts` pre-flight). */
export async function resolveKv(ctx: CommandContext, arg: string): Promise<KvLocation> {
  const mount = ctx.flags.string('mount');
  return ctx.client().kv.resolve(arg, mount === '' ? {} : { mount });
}

/**
 * Resolves the key for a command that only exists on KV v2; on failure returns the exit
 * code after reporting (`<feature> not supported on KV Version 1` for a v1 mount).
 */
export async function resolveKvV2(ctx: CommandContext, feature: string): Promise<KvLocation | number> {
  let loc: KvLocation;
  try {
    loc = await resolveKv(ctx, ctx.args[0] ?? '');
  } catch (err) {
    return fail(ctx, '', err);
  }
  if (loc.version !== 2) {
    ctx.ui.err(`${feature} not supported on KV Version 1`);
    return ExitCode.LocalError;
  }
  return loc;
}

export function kvPath(loc: KvLocation, prefix: KvApiPrefix): string {
  return kvApiPath(loc, prefix);
}

/** Vault's `kvParseVersionsFlags`: every `-versions` value split on commas. */
export function parseVersions(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `kv undelete` / `kv destroy`: POST `<mount>/<verb>/<key> {versions}` on a v2 mount. */
export async function runVersionsCommand(ctx: CommandContext, verb: 'undelete' | 'destroy'): Promise<number> {
  if (ctx.args.length < 1) throw new UsageError(`Not enough arguments (expected 1, got ${ctx.args.length})`);
  if (ctx.args.length > 1) throw new UsageError(`Too many arguments (expected 1, got ${ctx.args.length})`);
  const versions = parseVersions(ctx.flags.list('versions'));
  if (versions.length === 0) throw new UsageError(`No versions provided, use the "-versions" flag to specify the version to ${verb}.`);
  const loc = await resolveKvV2(ctx, verb === 'undelete' ? 'Undelete' : 'Destroy');
  if (typeof loc === 'number') return loc;
  const path = kvPath(loc, verb);
  let secret;
  try {
    const kv = ctx.client().kv;
    secret = (verb === 'undelete' ? await kv.undelete(loc, versions) : await kv.destroy(loc, versions)).secret;
  } catch (err) {
    return fail(ctx, `Error writing data to ${path}`, err);
  }
  if (secret === null) {
    if (ctx.format === 'table') ctx.ui.out(`Success! Data written to: ${path}`);
    return ExitCode.Ok;
  }
  return outputSecret(ctx.ui, ctx.format, secret);
}
