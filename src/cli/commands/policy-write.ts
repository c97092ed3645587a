import { readFile } from 'node:fs/promises';
import { normalizePolicyName } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode, messageFor } from '../exit.js';

export const command = defineCommand({
  path: ['policy', 'write'],
  synopsis: 'Uploads a named policy from a file',
  help: `
Usage: coffer policy write [options] NAME PATH

  Uploads a policy with name NAME from the contents of a local file PATH or
  stdin. If PATH is "-", the policy is read from stdin. Otherwise, it is
  loaded from the file at the given path on the local disk.

  Upload a policy named "my-policy" from "/tmp/policy.hcl" on the local disk:

      $ coffer policy write my-policy /tmp/policy.hcl

  Upload a policy from stdin:

      $ cat my-policy.hcl | coffer policy write my-policy -`,

  async run(ctx) {
    expectArgs(ctx, 2);
    const name = normalizePolicyName(ctx.args[0] ?? '');
    const path = (ctx.args[1] ?? '').trim();

    let rules: string;
    if (path === '-') {
      try {
        rules = await ctx.readStdin();
      } catch (err) {
        ctx.ui.err(`Error reading policy: ${messageFor(err)}`);
        return ExitCode.RemoteError;
      }
    } else {
      try {
        rules = await readFile(path, 'utf8');
      } catch (err) {
        ctx.ui.err(`Error opening policy file: ${messageFor(err)}`);
        return ExitCode.RemoteError;
      }
    }

    try {
      await ctx.client().sys.policies.write(name, rules);
    } catch (err) {
      return fail(ctx, 'Error uploading policy', err);
    }
    ctx.ui.out(`Success! Uploaded policy: ${name}`);
    return ExitCode.Ok;
  },
});
