import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode, UsageError } from '../exit.js';
import { outputSecret } from '../output/index.js';
import { TRANSIT_FLAGS, transitPath } from './transit-decrypt.js';

export const command = defineCommand({
  path: ['transit', 'encrypt'],
  synopsis: 'Encrypt data with a transit key',
  sets: { format: true },
  flags: TRANSIT_FLAGS,
  help: `
Usage: coffer transit encrypt [options] KEY [PLAINTEXT | -]

  Encrypts PLAINTEXT (or stdin, with "-" or no argument) with the transit key
  KEY and prints the ciphertext. The plaintext is base64-encoded for you; the
  same as:

      $ coffer write transit/encrypt/KEY plaintext=$(base64 <<< "...")

  Encrypt a card number with the key "orders":

      $ coffer transit encrypt orders "4111 1111 1111 1111"

  With a derived key, give the context (plain text; it is base64-encoded too):

      $ coffer transit encrypt -context=tenant-a orders < secret.txt`,

  async run(ctx) {
    expectArgs(ctx, 1, 2);
    const key = ctx.args[0] ?? '';
    if (key === '') throw new UsageError('a key name is required');
    const arg = ctx.args[1];
    const plaintext = arg === undefined || arg === '-' ? await ctx.readStdin() : arg;
    const context = ctx.flags.string('context');
    let secret;
    try {
      secret = await ctx.client().write(transitPath(ctx, 'encrypt', key), {
        plaintext: Buffer.from(plaintext, 'utf8').toString('base64'),
        ...(context !== '' ? { context: Buffer.from(context, 'utf8').toString('base64') } : {}),
      });
    } catch (err) {
      return fail(ctx, `Error encrypting with ${key}`, err);
    }
    const ciphertext = secret?.data?.['ciphertext'];
    if (typeof ciphertext !== 'string') return fail(ctx, `Error encrypting with ${key}`, new Error('the server answered without a ciphertext'));
    if (ctx.format !== 'table') return outputSecret(ctx.ui, ctx.format, secret!);
    ctx.ui.out(ciphertext);
    return ExitCode.Ok;
  },
});
