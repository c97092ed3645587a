import { defineCommand, fail } from '../command.js';
import { parseDataArgs } from '../data-args.js';
import { ExitCode, messageFor } from '../exit.js';

export const command = defineCommand({
  path: ['audit', 'enable'],
  synopsis: 'Enables an audit device',
  flags: [
    { name: 'description', kind: 'string', example: 'string', usage: 'Human-friendly description for the purpose of this audit device.' },
    {
      name: 'path',
      kind: 'string',
      example: 'string',
      usage: 'Place where the audit device will be accessible. This must be unique across all audit devices. This defaults to the "type" of the audit device.',
    },
    { name: 'local', kind: 'bool', usage: 'Mark the audit device as a local-only device. Local devices are not replicated or removed by replication.' },
  ],
  help: `
Usage: coffer audit enable [options] TYPE [CONFIG K=V...]

  Enables an audit device at a given path.

  This command enables an audit device of TYPE ("file" or "socket"). Additional
  options for configuring the audit device can be specified after the type in
  the same format as the "coffer write" command in key/value pairs.

  For example, to configure the file audit device to write audit logs at the
  path "/var/log/audit.log":

      $ coffer audit enable file file_path=/var/log/audit.log`,

  async run(ctx) {
    const { ui, flags, args } = ctx;
    if (args.length < 1) {
      ui.err("Error enabling audit device: audit type missing. Valid types include 'file' and 'socket'.");
      return ExitCode.LocalError;
    }
    const auditType = (args[0] ?? '').trim();
    let auditPath = flags.string('path');
    if (auditPath === '') auditPath = auditType;
    if (!auditPath.endsWith('/')) auditPath += '/';

    let options: Record<string, string>;
    try {
      const stdin = flags.bool('non-interactive') ? () => Promise.resolve('') : () => ctx.readStdin();
      const data = await parseDataArgs(args.slice(1), { readStdin: stdin });
      options = {};
      for (const [k, v] of Object.entries(data)) {
        if (typeof v !== 'string') throw new Error(`option ${JSON.stringify(k)} must be given once, as a string`);
        options[k] = v;
      }
    } catch (err) {
      ui.err(`Failed to parse K=V data: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }

    try {
      await ctx.client().sys.audit.enable(auditPath, { type: auditType, description: flags.string('description'), options, local: flags.bool('local') });
    } catch (err) {
      return fail(ctx, 'Error enabling audit device', err);
    }
    ui.out(`Success! Enabled the ${auditType} audit device at: ${auditPath}`);
    return ExitCode.Ok;
  },
});
