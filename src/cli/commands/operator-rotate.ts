import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { keyStatusForJson, keyStatusTable } from '../key-status.js';
import { outputData } from '../output/index.js';

export const command = defineCommand({
  path: ['operator', 'rotate'],
  synopsis: 'Rotates the underlying encryption key',
  sets: { format: true },
  help: `
Usage: coffer operator rotate [options]

  Rotates the underlying encryption key which is used to secure data written
  to the storage backend. This installs a new key in the key ring. This new
  key is used to encrypt new data, while older keys in the ring are used to
  decrypt older data.

  This is an online operation and does not cause downtime. This command is run
  per-cluster (not per-server), since servers in HA mode share the same storage
  backend.

      $ coffer operator rotate`,

  async run(ctx) {
    expectArgs(ctx, 0);
    const client = ctx.client();
    try {
      await client.sys.rotate();
    } catch (err) {
      return fail(ctx, 'Error rotating key', err);
    }
    let status;
    try {
      status = await client.sys.keyStatus();
    } catch (err) {
      return fail(ctx, 'Error reading key status', err);
    }
    if (ctx.format !== 'table') return outputData(ctx.ui, ctx.format, keyStatusForJson(status));
    ctx.ui.out('Success! Rotated key');
    ctx.ui.out('');
    ctx.ui.out(keyStatusTable(status));
    return ExitCode.Ok;
  },
});
