import { defineCommand } from '../command.js';
import { MOUNT_FLAG, runVersionsCommand, versionsFlag } from '../kv-shared.js';

export const command = defineCommand({
  path: ['kv', 'undelete'],
  synopsis: 'Undeletes versions in the KV store',
  sets: { format: true },
  flags: [versionsFlag('undelete'), MOUNT_FLAG],
  help: `
Usage: coffer kv undelete [options] KEY

  Undeletes the data for the provided version and path in the key-value store.
  This restores the data, allowing it to be returned on get requests.

  To undelete version 3 of key "foo":

      $ coffer kv undelete -mount=secret -versions=3 foo`,

  run: (ctx) => runVersionsCommand(ctx, 'undelete'),
});
