/** `coffer sops rotate FILE`: a new data key, re-wrapped for the master keys, every value re-encrypted. */
import { decryptDocument, emitEncrypted, keySpecsFrom, parseEncrypted, rotateDocument } from '../../gitops/sops/index.js';
import { defineCommand, expectArgs } from '../command.js';
import { ExitCode } from '../exit.js';
import { SOPS_IO_FLAGS, emitResult, ioFormats, keyServices, readInput, sopsFail } from './sops-encrypt.js';

export const command = defineCommand({
  path: ['sops', 'rotate'],
  synopsis: 'Rotate the data key of a SOPS file',
  sets: { http: false },
  flags: [
    ...SOPS_IO_FLAGS,
    { name: 'add-age', kind: 'list', example: 'recipients', usage: 'Also wrap the new data key for these age recipients (comma-separated).' },
    { name: 'rm-age', kind: 'list', example: 'recipients', usage: 'Stop wrapping the data key for these age recipients.' },
    { name: 'add-hc-vault-transit', kind: 'list', example: 'uri', usage: 'Also wrap the new data key with these transit keys.' },
    { name: 'rm-hc-vault-transit', kind: 'list', example: 'uri', usage: 'Stop wrapping the data key with these transit keys.' },
    { name: 'ignore-mac', kind: 'bool', usage: 'Do not verify the MAC before rotating.' },
  ],
  help: `
Usage: coffer sops rotate [options] FILE

  Decrypts FILE, generates a new data key, wraps it for the file's master keys
  (plus --add-*, minus --rm-*) and re-encrypts every value. Prints the result,
  or writes it back with --in-place.

      $ coffer sops rotate -i secret.enc.yaml

      $ coffer sops rotate -i --rm-age age1old... --add-age age1new... secret.enc.yaml`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const file = ctx.args[0] ?? '';
    try {
      const { input, output } = ioFormats(ctx, file);
      const services = keyServices(ctx);
      const env = ctx.io.env;
      const add = keySpecsFrom(ctx.flags.list('add-age'), ctx.flags.list('add-hc-vault-transit'), env);
      const remove = keySpecsFrom(ctx.flags.list('rm-age'), ctx.flags.list('rm-hc-vault-transit'), env);
      const decrypted = await decryptDocument(parseEncrypted(await readInput(ctx, file), input), { services, ignoreMac: ctx.flags.bool('ignore-mac') });
      const rotated = await rotateDocument(decrypted, services, { add, remove });
      emitResult(ctx, file, emitEncrypted(rotated, output), false);
      return ExitCode.Ok;
    } catch (err) {
      return sopsFail(ctx, 'Error rotating data key', err);
    }
  },
});
