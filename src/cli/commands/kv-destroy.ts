import { defineCommand } from '../command.js';
import { MOUNT_FLAG, runVersionsCommand, versionsFlag } from '../kv-shared.js';

export const command = defineCommand({
  path: ['kv', 'destroy'],
  synopsis: 'Permanently removes one or more versions in the KV store',
  sets: { format: true },
  flags: [versionsFlag('destroy'), MOUNT_FLAG],
  help: `
Usage: coffer kv destroy [options] KEY

  Permanently removes the specified versions' data from the key-value store. If
  no key exists at the path, no action is taken.

  To destroy version 3 of key foo:

      $ coffer kv destroy -mount=secret -versions=3 foo`,

  run: (ctx) => runVersionsCommand(ctx, 'destroy'),
});
