/**
 * `coffer sops edit FILE`: decrypts to a private temp file (0600, in a 0700 directory), runs
 * `$SOPS_EDITOR`/`$EDITOR`, then re-encrypts with the same data key so values that did not
 * change keep their ciphertext (diff-stable). Invalid YAML/JSON is never saved.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  decryptDocument,
  emitEncrypted,
  emitPlain,
  encryptBranches,
  parseEncrypted,
  parsePlain,
  reencrypt,
  splitCommand,
  type Branch,
  type EncryptedDocument,
} from '../../gitops/sops/index.js';
import { defineCommand, expectArgs } from '../command.js';
import { ExitCode, UsageError, messageFor } from '../exit.js';
import {
  SOPS_CONFIG_FLAG,
  SOPS_KEY_FLAGS,
  SOPS_RULE_FLAGS,
  creationSettings,
  ioFormats,
  keyServices,
  readInput,
  sopsFail,
  writeFileAtomic,
} from './sops-encrypt.js';

const NEW_YAML = '# New SOPS file: replace this comment with your values, e.g.\n# password: s3cr3t\n';
const NEW_JSON = '{}\n';

export const command = defineCommand({
  path: ['sops', 'edit'],
  synopsis: 'Edit a SOPS file in $EDITOR',
  sets: { http: false },
  flags: [
    ...SOPS_KEY_FLAGS,
    ...SOPS_RULE_FLAGS,
    SOPS_CONFIG_FLAG,
    { name: 'input-type', kind: 'string', example: 'yaml|json', usage: 'The file format (default: from the file extension).' },
    { name: 'ignore-mac', kind: 'bool', usage: 'Do not verify the MAC before editing.' },
  ],
  help: `
Usage: coffer sops edit [options] FILE

  Decrypts FILE into a private temporary file, opens it with $SOPS_EDITOR or
  $EDITOR (default vi) and, when the editor exits successfully and the content
  changed, encrypts it back into FILE. Values you did not touch keep their
  exact ciphertext, so the Git diff shows only what changed. If the edited text
  is not valid YAML/JSON, nothing is saved.

  A FILE that does not exist yet is created with the keys and rules from the
  flags or the nearest .sops.yaml.

      $ EDITOR=nano coffer sops edit secret.enc.yaml`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const file = ctx.args[0] ?? '';
    if (file === '-') return sopsFail(ctx, 'Error editing file', new UsageError('edit needs a file, not stdin'));
    let dir: string | undefined;
    try {
      const { input } = ioFormats(ctx, file);
      const services = keyServices(ctx);
      const exists = existsSync(file);
      let original: string;
      let decrypted: Awaited<ReturnType<typeof decryptDocument>> | undefined;
      if (exists) {
        decrypted = await decryptDocument(parseEncrypted(await readInput(ctx, file), input), { services, ignoreMac: ctx.flags.bool('ignore-mac') });
        original = emitPlain(decrypted.branches, input);
      } else {
        original = input === 'json' ? NEW_JSON : NEW_YAML;
      }
      // Settings for a new file are checked before the editor opens.
      const settings = exists ? undefined : creationSettings(ctx, file);

      dir = mkdtempSync(join(tmpdir(), 'coffer-sops-'));
      const tmp = join(dir, basename(file));
      writeFileSync(tmp, original, { mode: 0o600 });
      const env = { ...process.env, ...ctx.io.env };
      const editor = env['SOPS_EDITOR'] ?? env['EDITOR'] ?? 'vi';
      const [bin, ...args] = splitCommand(editor);
      if (bin === undefined) throw new UsageError('the editor command ($SOPS_EDITOR/$EDITOR) is empty');
      const res = spawnSync(bin, [...args, tmp], { stdio: 'inherit', env });
      if (res.error !== undefined) throw new UsageError(`Could not run editor ${JSON.stringify(bin)}: ${messageFor(res.error)}`);
      if (res.status !== 0) throw new UsageError(`The editor exited with status ${res.status ?? `signal ${res.signal ?? '?'}`}; ${file} was not changed`);
      const edited = readFileSync(tmp, 'utf8');
      if (edited === original) {
        ctx.ui.err('File has not changed, exiting.');
        return ExitCode.Ok;
      }
      let tree: Branch[];
      try {
        tree = parsePlain(edited, input);
      } catch (err) {
        throw new UsageError(`Could not load tree, probably due to invalid syntax; ${file} was not changed: ${messageFor(err)}`);
      }
      let out: EncryptedDocument;
      if (decrypted !== undefined) out = reencrypt(tree, decrypted);
      else out = await encryptBranches(tree, { ...(settings ?? { keyGroups: [] }), services });
      writeFileAtomic(file, emitEncrypted(out, input), 0o644);
      return ExitCode.Ok;
    } catch (err) {
      return sopsFail(ctx, 'Error editing file', err);
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  },
});
