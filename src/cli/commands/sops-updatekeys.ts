/**
 * `coffer sops updatekeys FILE`: re-wraps the file's data key for the master keys of its
 * `.sops.yaml` creation rule (values, MAC and lastmodified unchanged), after confirmation.
 */
import { createInterface } from 'node:readline';
import { describeKey, emitEncrypted, parseEncrypted, specId, unwrapDataKey, updateDocumentKeys, type KeySpec, type MasterKey } from '../../gitops/sops/index.js';
import { defineCommand, expectArgs, type CommandContext } from '../command.js';
import { ExitCode, UsageError } from '../exit.js';
import { SOPS_CONFIG_FLAG, configRule, ioFormats, keyServices, readInput, sopsFail, writeFileAtomic } from './sops-encrypt.js';

function name(k: KeySpec | MasterKey): string {
  if (k.type === 'age') return k.recipient;
  if (k.type === 'hc_vault') return `${k.vaultAddress}/v1/${k.enginePath}/keys/${k.keyName}`;
  return describeKey(k);
}

function readLine(ctx: CommandContext): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: ctx.io.stdin, terminal: false });
    let done = false;
    const finish = (line: string): void => {
      if (done) return;
      done = true;
      rl.close();
      resolve(line);
    };
    rl.once('line', finish);
    rl.once('close', () => finish(''));
  });
}

export const command = defineCommand({
  path: ['sops', 'updatekeys'],
  synopsis: 'Re-wrap the data key of a SOPS file for the keys in .sops.yaml',
  sets: { http: false },
  flags: [
    SOPS_CONFIG_FLAG,
    { name: 'yes', kind: 'bool', aliases: ['y'], usage: 'Apply the changes without asking.' },
    { name: 'input-type', kind: 'string', example: 'yaml|json', usage: 'The file format (default: from the file extension).' },
  ],
  help: `
Usage: coffer sops updatekeys [options] FILE

  Compares the master keys of FILE with the creation rule that .sops.yaml has
  for it, shows the difference and, once confirmed (or with --yes), wraps the
  existing data key for the new set of keys and writes FILE back. Values, MAC
  and lastmodified do not change; recipients that stay keep their wrapped key.

      $ coffer sops updatekeys -y secrets/prod.enc.yaml`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const file = ctx.args[0] ?? '';
    try {
      if (file === '-') throw new UsageError('updatekeys needs a file, not stdin');
      const { input } = ioFormats(ctx, file);
      const doc = parseEncrypted(await readInput(ctx, file), input);
      const rule = configRule(ctx, file);
      if (rule === undefined) throw new UsageError(`config file not found, or has no creation rules, and no keys provided through command line options (looked for .sops.yaml above ${file})`);
      const before = doc.metadata.keyGroups;
      const target = rule.keyGroups;
      const lines: string[] = [];
      const groups = Math.max(before.length, target.length);
      for (let g = 0; g < groups; g++) {
        const oldKeys = before[g] ?? [];
        const newKeys = target[g] ?? [];
        const oldIds = new Set(oldKeys.map(specId));
        const newIds = new Set(newKeys.map(specId));
        lines.push(`Group ${g + 1}`);
        for (const k of newKeys) lines.push(`${oldIds.has(specId(k)) ? '   ' : '+++'} ${name(k)}`);
        for (const k of oldKeys) if (!newIds.has(specId(k))) lines.push(`--- ${name(k)}`);
      }
      const changed = lines.some((l) => l.startsWith('+++') || l.startsWith('---')) || before.length !== target.length;
      if (!changed) {
        ctx.ui.out(`File ${file} already up to date`);
        return ExitCode.Ok;
      }
      ctx.ui.out("The following changes will be made to the file's groups:");
      for (const l of lines) ctx.ui.out(l);
      if (!ctx.flags.bool('yes')) {
        ctx.ui.raw('Is this okay? (y/n):');
        const answer = (await readLine(ctx)).trim().toLowerCase();
        ctx.ui.out();
        if (answer !== 'y' && answer !== 'yes') {
          ctx.ui.out('Changes have not been applied');
          return ExitCode.Ok;
        }
      }
      const services = keyServices(ctx);
      const dataKey = await unwrapDataKey(before, services, doc.metadata.shamirThreshold);
      const update = await updateDocumentKeys(doc, dataKey, target, services, rule.shamirThreshold);
      writeFileAtomic(file, emitEncrypted(update.document, input), 0o644);
      ctx.ui.out(`File ${file} synced with new keys`);
      return ExitCode.Ok;
    } catch (err) {
      return sopsFail(ctx, 'Error updating keys', err);
    }
  },
});
