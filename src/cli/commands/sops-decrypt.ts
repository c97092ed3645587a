/** `coffer sops decrypt FILE`: verifies the MAC and prints the plaintext (or one value). */
import { decryptDocument, emitPlain, emitValue, extractValue, parseEncrypted, parseTreePath } from '../../gitops/sops/index.js';
import { defineCommand, expectArgs } from '../command.js';
import { ExitCode } from '../exit.js';
import { SOPS_IO_FLAGS, emitResult, ioFormats, keyServices, readInput, sopsFail } from './sops-encrypt.js';

export const command = defineCommand({
  path: ['sops', 'decrypt'],
  synopsis: 'Decrypt a SOPS file',
  sets: { http: false },
  flags: [
    ...SOPS_IO_FLAGS,
    { name: 'extract', kind: 'string', example: '["key"]["sub"]', usage: 'Print only the value at this tree path, e.g. \'["data"]["password"]\' (a string prints without a newline).' },
    { name: 'ignore-mac', kind: 'bool', usage: 'Do not verify the MAC (use only to recover a damaged file).' },
    { name: 'filename-override', kind: 'string', example: 'path', usage: 'Use this path (instead of FILE) to pick the format; useful with stdin.' },
  ],
  help: `
Usage: coffer sops decrypt [options] FILE

  Unwraps the data key with the first master key that works (age identities
  from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD or
  ~/.config/sops/age/keys.txt; transit keys with COFFER_TOKEN/VAULT_TOKEN),
  decrypts every value, checks the MAC and prints the plaintext. A file whose
  MAC does not match is refused ("MAC mismatch") and nothing is printed.
  Files written with --output or --in-place are created with mode 0600.

      $ coffer sops decrypt secret.enc.yaml | kubectl apply -f -

      $ coffer sops decrypt --extract '["data"]["password"]' secret.enc.yaml`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const file = ctx.args[0] ?? '';
    try {
      const { input, output } = ioFormats(ctx, file);
      const doc = parseEncrypted(await readInput(ctx, file), input);
      const plain = await decryptDocument(doc, { services: keyServices(ctx), ignoreMac: ctx.flags.bool('ignore-mac') });
      const extract = ctx.flags.string('extract');
      let text: string;
      if (extract === '') {
        text = emitPlain(plain.branches, output);
      } else {
        const v = extractValue(plain.branches, parseTreePath(extract));
        // A string prints as-is (no newline), like sops; anything else as a YAML/JSON value.
        text = typeof v === 'string' ? v : emitValue(v, output);
      }
      emitResult(ctx, file, text, true);
      return ExitCode.Ok;
    } catch (err) {
      return sopsFail(ctx, 'Error decrypting file', err);
    }
  },
});
