import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { homeDirectory } from '../../api/index.js';
import { defineCommand, expectArgs } from '../command.js';
import { ExitCode, messageFor } from '../exit.js';
import { formatHcl } from '../hcl-format.js';
import { checkPolicy } from '../policy-check.js';

/** `~` and `~/x` as go-homedir expands them. */
function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  if (path === '~') return homeDirectory(env);
  if (path.startsWith('~/')) return join(homeDirectory(env), path.slice(2));
  return path;
}

export const command = defineCommand({
  path: ['policy', 'fmt'],
  synopsis: 'Formats a policy on disk',
  sets: { http: false },
  help: `
Usage: coffer policy fmt [options] PATH

  Formats a local policy file to the policy specification. This command will
  overwrite the file at the given PATH with the properly-formatted policy
  file contents. The policy is validated first (syntax, keys, capability
  names...); an invalid policy is reported and the file is left alone.

  Comments are kept. JSON policies are validated but cannot be formatted.

  Format the local file "my-policy.hcl" as a policy file:

      $ coffer policy fmt my-policy.hcl`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { ui } = ctx;
    const path = expandHome((ctx.args[0] ?? '').trim(), ctx.io.env);

    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch (err) {
      ui.err(`Error reading source file: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }

    try {
      checkPolicy(source);
    } catch (err) {
      ui.err(messageFor(err));
      return ExitCode.LocalError;
    }

    let result: string;
    try {
      result = formatHcl(source);
    } catch (err) {
      ui.err(`Error printing result: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }

    if (result !== source) {
      try {
        // As Vault: 0644 for a new file; an existing file keeps its mode.
        await writeFile(path, result, { mode: 0o644 });
      } catch (err) {
        ui.err(`Error writing result: ${messageFor(err)}`);
        return ExitCode.LocalError;
      }
    }
    ui.out(`Success! Formatted policy: ${path}`);
    return ExitCode.Ok;
  },
});
