import type { KvMetadataInput } from '../../api/index.js';
import { formatDuration } from '../../shared/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import { MOUNT_FLAG, kvPath, resolveKvV2 } from '../kv-shared.js';
import { outputSecret } from '../output/index.js';

export const command = defineCommand({
  path: ['kv', 'metadata', 'put'],
  synopsis: 'Sets or updates key settings in the KV store',
  sets: { format: true },
  flags: [
    {
      name: 'max-versions',
      kind: 'int',
      example: 'int',
      default: -1,
      usage: "The number of versions to keep. If not set, the backend's configured max version is used.",
    },
    {
      name: 'cas-required',
      kind: 'bool',
      usage: "If true the key will require the cas parameter to be set on all write requests. If false, the backend's configuration will be used.",
    },
    {
      name: 'delete-version-after',
      kind: 'duration',
      example: 'duration',
      default: -1,
      usage:
        'Specifies the length of time before a version is deleted. If not set, the backend\'s configured delete-version-after is used. Cannot be greater than the backend\'s delete-version-after. The delete-version-after is specified as a numeric string with a suffix like "30s" or "3h25m19s".',
    },
    {
      name: 'custom-metadata',
      kind: 'map',
      example: 'key=value',
      usage: 'Specifies arbitrary version-agnostic key=value metadata meant to describe a secret. This can be specified multiple times to add multiple pieces of metadata.',
    },
    MOUNT_FLAG,
  ],
  help: `
Usage: coffer kv metadata put [options] KEY

  This command can be used to create a blank key in the key-value store or to
  update key configuration for a specified key.

  Create a key in the key-value store with no data:

      $ coffer kv metadata put -mount=secret foo

  Set a max versions setting on the key:

      $ coffer kv metadata put -mount=secret -max-versions=5 foo

  Set delete-version-after on the key:

      $ coffer kv metadata put -mount=secret -delete-version-after=3h25m19s foo

  Require Check-and-Set for this key:

      $ coffer kv metadata put -mount=secret -cas-required foo

  Set custom metadata on the key:

      $ coffer kv metadata put -mount=secret -custom-metadata=foo=abc -custom-metadata=bar=123 foo`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { ui, format, flags } = ctx;
    const loc = await resolveKvV2(ctx, 'Metadata');
    if (typeof loc === 'number') return loc;
    const path = kvPath(loc, 'metadata');
    const input: KvMetadataInput = {};
    const maxVersions = flags.int('max-versions');
    if (maxVersions >= 0) input.max_versions = maxVersions;
    const deleteAfter = flags.duration('delete-version-after');
    if (deleteAfter >= 0) input.delete_version_after = formatDuration(deleteAfter);
    if (flags.isSet('cas-required')) input.cas_required = flags.bool('cas-required');
    const custom = flags.map('custom-metadata');
    if (Object.keys(custom).length > 0) input.custom_metadata = custom;

    let secret;
    try {
      secret = (await ctx.client().kv.metadataPut(loc, input)).secret;
    } catch (err) {
      return fail(ctx, `Error writing data to ${path}`, err);
    }
    if (secret === null) {
      if (format === 'table') ui.out(`Success! Data written to: ${path}`);
      return ExitCode.Ok;
    }
    return outputSecret(ui, format, secret);
  },
});
