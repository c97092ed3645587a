/**
 * `config` — mount-wide settings of a versioned KV mount: `max_versions`, `cas_required`,
 * `delete_version_after`.
 */
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { CONFIG_LOCK, upgradeGuard, type KvV2Context } from './context.js';
import { CONFIG_KEY, DELETE_VERSION_AFTER_DISABLED, putOp, readConfig } from './version-store.js';

export const configFields = {
  max_versions: f.int({ description: 'The number of versions to keep for each key. Defaults to 10' }),
  cas_required: f.bool({ description: 'If true, the backend will require the cas parameter to be set for each write' }),
  delete_version_after: f.durationSecond({
    description: `If set, the length of time before a version is deleted. A negative duration
disables the use of delete_version_after on all keys. A zero duration
clears the current setting. Accepts a Go duration format string.`,
  }),
};

type ConfigFields = FieldValues<typeof configFields>;

async function readConfigHandler(_ctx: KvV2Context, req: LogicalRequest): Promise<LogicalResponse | null> {
  const config = await readConfig(req.storage);
  return {
    data: {
      cas_required: config.cas_required,
      delete_version_after: formatDuration(config.delete_version_after),
      max_versions: config.max_versions,
    },
  };
}

async function writeConfigHandler(ctx: KvV2Context, req: LogicalRequest, fields: ConfigFields): Promise<LogicalResponse | null> {
  const { max_versions: maxVersions, cas_required: casRequired, delete_version_after: dva } = fields;
  if (maxVersions === undefined && casRequired === undefined && dva === undefined) return null;
  if (maxVersions !== undefined && maxVersions < 0) throw new UserError('max_versions cannot be negative');
  return ctx.locks.run(CONFIG_LOCK, async () => {
    const config = await readConfig(req.storage);
    if (maxVersions !== undefined) config.max_versions = maxVersions;
    if (casRequired !== undefined) config.cas_required = casRequired;
    if (dva !== undefined) config.delete_version_after = dva < 0 ? DELETE_VERSION_AFTER_DISABLED : dva;
    await req.storage.transaction([putOp(CONFIG_KEY, config)]);
    ctx.emit('config-write', { path: 'config', dataPath: 'config' });
    return null;
  });
}

export function pathConfig(ctx: KvV2Context): PathSpec<typeof configFields> {
  const write = upgradeGuard<typeof configFields>(ctx, (req, fields) => writeConfigHandler(ctx, req, fields));
  return definePath({
    pattern: 'config',
    fields: configFields,
    operations: {
      read: {
        handler: upgradeGuard<typeof configFields>(ctx, (req) => readConfigHandler(ctx, req)),
        summary: 'Read the backend level settings.',
      },
      update: {
        handler: write,
        summary: 'Configure backend level settings that are applied to every key in the key-value store.',
      },
    },
    synopsis: 'Configures settings for the KV store',
    description: `This path configures backend level settings that are applied to every key in the
key-value store. This parameter accepts:

	* max_versions (int) - The number of versions to keep for each key. Defaults
	  to 10

	* cas_required (bool) - If true, the backend will require the cas parameter
	  to be set for each write

	* delete_version_after (duration) - If set, the length of time before a
	  version is deleted. A negative duration disables the use of
	  delete_version_after on all keys. A zero duration clears the current
	  setting. Accepts a Go duration format string.`,
  });
}
