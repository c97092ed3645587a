/**
 * `delete/:path`, `undelete/:path` and `destroy/:path` — soft-delete, restore and
 * permanently remove given versions of a key.
 */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { upgradeGuard, type KvV2Context } from './context.js';
import { versionInfo } from './events.js';
import {
  deleteOp,
  isDeleted,
  metadataKey,
  putOp,
  readConfig,
  readMetadata,
  scheduledDeletion,
  versionKey,
  writeMetadata,
} from './version-store.js';

const fieldsFor = (versionsDescription: string) => ({
  path: f.string({ description: 'Location of the secret.', required: true }),
  versions: f.commaIntSlice({ description: versionsDescription }),
});

const deleteFields = fieldsFor(
  'The versions to be archived. The versioned data will not be deleted, but it will no longer be returned in normal get requests.',
);
const undeleteFields = fieldsFor(
  'The versions to unarchive. The versions will be restored and their data will be returned on normal get requests.',
);
const destroyFields = fieldsFor('The versions to destroy. Their data will be permanently deleted.');

type VersionsFields = FieldValues<typeof deleteFields>;

async function deleteVersions(ctx: KvV2Context, req: LogicalRequest, fields: VersionsFields): Promise<LogicalResponse | null> {
  const versions = fields.versions ?? [];
  if (versions.length === 0) throw new UserError('No version number provided');
  const path = fields.path;
  return ctx.locks.run(path, async () => {
    const meta = await readMetadata(req.storage, path);
    if (meta === null) return null;
    const now = ctx.now();
    let changed = false;
    for (const n of versions) {
      const vm = meta.versions[String(n)];
      if (vm === undefined || vm.destroyed || isDeleted(vm, now)) continue;
      vm.deletion_time = now;
      changed = true;
    }
    if (changed) {
      await writeMetadata(req.storage, meta);
      ctx.emit('delete', { path: `delete/${path}`, extra: versionInfo(meta) });
    }
    return null;
  });
}

async function undeleteVersions(ctx: KvV2Context, req: LogicalRequest, fields: VersionsFields): Promise<LogicalResponse | null> {
  const versions = fields.versions ?? [];
  if (versions.length === 0) throw new UserError('No version number provided');
  const path = fields.path;
  const config = await readConfig(req.storage);
  return ctx.locks.run(path, async () => {
    const meta = await readMetadata(req.storage, path);
    if (meta === null) return null;
    const now = ctx.now();
    let changed = false;
    for (const n of versions) {
      const vm = meta.versions[String(n)];
      if (vm === undefined || vm.destroyed) continue;
      // Restored versions get a fresh delete_version_after window, counted from now.
      vm.deletion_time = scheduledDeletion(now, config, meta);
      changed = true;
    }
    if (changed) {
      await writeMetadata(req.storage, meta);
      ctx.emit('undelete', { path: `undelete/${path}`, dataPath: `data/${path}`, extra: versionInfo(meta) });
    }
    return null;
  });
}

async function destroyVersions(ctx: KvV2Context, req: LogicalRequest, fields: VersionsFields): Promise<LogicalResponse | null> {
  const versions = fields.versions ?? [];
  if (versions.length === 0) throw new UserError('no version number provided');
  const path = fields.path;
  return ctx.locks.run(path, async () => {
    const meta = await readMetadata(req.storage, path);
    if (meta === null) return null;
    for (const n of versions) {
      const vm = meta.versions[String(n)];
      if (vm === undefined || vm.destroyed) continue;
      vm.destroyed = true;
    }
    // Metadata and data go together: a destroyed version never keeps its data.
    const dataKeys = [...new Set(versions.filter((n) => n > 0))].map((n) => deleteOp(versionKey(path, n)));
    await req.storage.transaction([putOp(metadataKey(path), meta), ...dataKeys]);
    ctx.emit('destroy', { path: `destroy/${path}`, extra: versionInfo(meta) });
    return null;
  });
}

function versionsPath<S extends typeof deleteFields>(
  ctx: KvV2Context,
  prefix: string,
  fields: S,
  handler: (ctx: KvV2Context, req: LogicalRequest, fields: VersionsFields) => Promise<LogicalResponse | null>,
  summary: string,
  synopsis: string,
  description: string,
): PathSpec<S> {
  const h = upgradeGuard<S>(ctx, (req, values) => handler(ctx, req, values));
  return definePath({
    pattern: `${prefix}/(?<path>.*)`,
    fields,
    operations: { create: { handler: h, summary }, update: { handler: h, summary } },
    synopsis,
    description,
  });
}

export function pathsDelete(ctx: KvV2Context): PathSpec<typeof deleteFields>[] {
  return [
    versionsPath(
      ctx,
      'delete',
      deleteFields,
      deleteVersions,
      'Soft-delete versions of a secret.',
      'Marks one or more versions as deleted in the KV store.',
      `Deletes the data for the provided version and path in the key-value store. The
versioned data will not be fully removed, but marked as deleted and will no
longer be returned in normal get requests. This operation can be undone.`,
    ),
    versionsPath(
      ctx,
      'undelete',
      undeleteFields,
      undeleteVersions,
      'Restore soft-deleted versions of a secret.',
      'Undeletes one or more versions from the KV store.',
      `Undeletes the data for the provided version and path in the key-value store.
This restores the data, allowing it to be returned on get requests.`,
    ),
    versionsPath(
      ctx,
      'destroy',
      destroyFields,
      destroyVersions,
      'Permanently remove versions of a secret.',
      'Permanently removes one or more versions in the KV store',
      `Permanently removes the specified version data for the provided key and version
numbers from the key-value store.`,
    ),
  ];
}
