import type { FlagSpec } from '../flags.js';
import { defineCommand, expectArgs, fail, type CommandContext } from '../command.js';
import { ExitCode, UsageError } from '../exit.js';
import { outputSecret } from '../output/index.js';

/** Flags shared by `transit encrypt` and `transit decrypt`. */
export const TRANSIT_FLAGS: readonly FlagSpec[] = [
  { name: 'mount', kind: 'string', default: 'transit', usage: 'Path where the transit secrets engine is mounted.' },
  { name: 'context', kind: 'string', usage: 'Key derivation context for derived keys (plain text; base64-encoded for you).' },
];

/** `<mount>/<operation>/<key>`, with the mount from `-mount`. */
export function transitPath(ctx: CommandContext, operation: string, key: string): string {
  const mount = ctx.flags.string('mount').replace(/^\/+|\/+$/g, '');
  if (mount === '') throw new UsageError('-mount must not be empty');
  return `${mount}/${operation}/${key}`;
}

export const command = defineCommand({
  path: ['transit', 'decrypt'],
  synopsis: 'Decrypt data with a transit key',
  sets: { format: true },
  flags: TRANSIT_FLAGS,
  help: `
Usage: coffer transit decrypt [options] KEY [CIPHERTEXT | -]

  Decrypts CIPHERTEXT (vault:v<N>:…; or stdin, with "-" or no argument) with the
  transit key KEY and prints the plaintext, base64-decoded for you. The same as:

      $ coffer write -field=plaintext transit/decrypt/KEY ciphertext=... | base64 -d

      $ coffer transit decrypt orders vault:v1:8SDd3WHDOjf7mq69CyCqYjBXAiQQAVZRkFM13ok481zoCmHnSeDX9vyf7w==`,

  async run(ctx) {
    expectArgs(ctx, 1, 2);
    const key = ctx.args[0] ?? '';
    if (key === '') throw new UsageError('a key name is required');
    const arg = ctx.args[1];
    const ciphertext = (arg === undefined || arg === '-' ? await ctx.readStdin() : arg).trim();
    const context = ctx.flags.string('context');
    let secret;
    try {
      secret = await ctx.client().write(transitPath(ctx, 'decrypt', key), {
        ciphertext,
        ...(context !== '' ? { context: Buffer.from(context, 'utf8').toString('base64') } : {}),
      });
    } catch (err) {
      return fail(ctx, `Error decrypting with ${key}`, err);
    }
    const plaintext = secret?.data?.['plaintext'];
    if (typeof plaintext !== 'string') return fail(ctx, `Error decrypting with ${key}`, new Error('the server answered without a plaintext'));
    if (ctx.format !== 'table') return outputSecret(ctx.ui, ctx.format, secret!);
    ctx.ui.out(Buffer.from(plaintext, 'base64').toString('utf8'));
    return ExitCode.Ok;
  },
});
