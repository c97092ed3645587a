/**
 * `data/:path` — read (optionally `?version=N`), write (a new version, with check-and-set),
 * patch (RFC 7396 merge into a new version) and delete (soft-delete the latest version).
 */
import { InternalError, NotFoundError, UserError } from '../../../shared/errors.js';
import {
  definePath,
  f,
  type FieldValues,
  type LogicalRequest,
  type LogicalResponse,
  type PathSpec,
  type Storage,
} from '../../sdk/index.js';
import { upgradeGuard, type KvV2Context } from './context.js';
import { versionInfo } from './events.js';
import { mergePatch } from './merge-patch.js';
import {
  addVersion,
  deleteOp,
  formatTime,
  isDeleted,
  isPlainObject,
  metadataKey,
  newMetadata,
  putOp,
  readConfig,
  readMetadata,
  readVersion,
  scheduledDeletion,
  versionKey,
  versionView,
  writeMetadata,
  type KeyMetadata,
  type KvConfig,
  type StoredVersion,
} from './version-store.js';

export const dataFields = {
  path: f.string({ description: 'Location of the secret.', required: true }),
  version: f.int({
    description: 'If provided during a read, the value at the version number will be returned',
    query: true,
  }),
  options: f.map({
    description: `Options for writing a KV entry.

Set the "cas" value to use a Check-And-Set operation. If not set the write will
be allowed. If set to 0 a write will only be allowed if the key doesn't exist.
If the index is non-zero the write will only be allowed if the key's current
version matches the version specified in the cas parameter.`,
  }),
  data: f.map({ description: 'The contents of the data map will be stored and returned on read.' }),
};

type DataFields = FieldValues<typeof dataFields>;

/**
 * Enforces check-and-set: `options.cas` must equal `current_version` (0 for a key without
 * versions); without it the write is refused when the mount or the key requires CAS.
 */
export function checkCas(options: Record<string, unknown> | undefined, config: KvConfig, meta: KeyMetadata): void {
  if (options !== undefined && Object.prototype.hasOwnProperty.call(options, 'cas')) {
    const cas = weakInt(options['cas']);
    if (cas === null) throw new UserError('error parsing check-and-set parameter');
    if (cas !== meta.current_version) throw new UserError('check-and-set parameter did not match the current version');
  } else if (config.cas_required || meta.cas_required) {
    throw new UserError('check-and-set parameter required for this call');
  }
}

/** mapstructure's weak decoding into an int (null → 0, floats truncate, bools are 0/1). */
function weakInt(raw: unknown): number | null {
  if (raw === null || raw === undefined) return 0;
  if (typeof raw === 'number') return Number.isFinite(raw) ? Math.trunc(raw) : null;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    if (raw === '') return 0;
    return /^[-+]?\d+$/.test(raw) ? Number.parseInt(raw, 10) : null;
  }
  return null;
}

/**
 * Adds `data` as the next version of `meta.key` in one transaction (version, metadata and
 * purged versions together) and returns the write response.
 */
export async function commitVersion(
  storage: Storage,
  meta: KeyMetadata,
  config: KvConfig,
  data: Record<string, unknown>,
  now: number,
): Promise<LogicalResponse> {
  const deletion = scheduledDeletion(now, config, meta);
  const { version, metadata, purged } = addVersion(meta, now, deletion, config.max_versions);
  const stored: StoredVersion = { data, created_time: now };
  await storage.transaction([
    putOp(versionKey(meta.key, version), stored),
    putOp(metadataKey(meta.key), meta),
    ...purged.map((v) => deleteOp(versionKey(meta.key, v))),
  ]);
  return {
    data: {
      created_time: formatTime(metadata.created_time),
      custom_metadata: meta.custom_metadata,
      deletion_time: formatTime(metadata.deletion_time),
      destroyed: metadata.destroyed,
      version,
    },
  };
}

/**
 * Reads one version with its metadata. Reads take no lock: if the version's data vanished
 * between the two storage reads (purged or destroyed by a concurrent write), the metadata
 * is read again and tells which.
 */
export async function loadVersion(
  ctx: KvV2Context,
  storage: Storage,
  path: string,
  requested: number | undefined,
): Promise<
  | { kind: 'missing' }
  | { kind: 'gone'; view: Record<string, unknown> }
  | { kind: 'ok'; view: Record<string, unknown>; stored: StoredVersion; meta: KeyMetadata }
> {
  for (let attempt = 0; ; attempt++) {
    const meta = await readMetadata(storage, path);
    if (meta === null) return { kind: 'missing' };
    const n = requested !== undefined && requested > 0 ? requested : meta.current_version;
    const vm = meta.versions[String(n)];
    if (vm === undefined) return { kind: 'missing' };
    const view = versionView(n, vm, meta.custom_metadata);
    if (isDeleted(vm, ctx.now()) || vm.destroyed) return { kind: 'gone', view };
    const stored = await readVersion(storage, path, n);
    if (stored !== null) return { kind: 'ok', view, stored, meta };
    if (attempt >= 2) throw new InternalError('could not find version data');
  }
}

async function readData(ctx: KvV2Context, req: LogicalRequest, fields: DataFields): Promise<LogicalResponse | null> {
  const loaded = await loadVersion(ctx, req.storage, fields.path, fields.version);
  switch (loaded.kind) {
    case 'missing':
      return null;
    case 'gone':
      // Deleted or destroyed: 404, but with the full envelope (hvac and the UI read it).
      return { data: { data: null, metadata: loaded.view }, httpStatus: 404 };
    case 'ok':
      return { data: { data: loaded.stored.data, metadata: loaded.view } };
  }
}

async function writeData(ctx: KvV2Context, req: LogicalRequest, fields: DataFields): Promise<LogicalResponse | null> {
  const path = fields.path;
  if (path === '') throw new UserError('missing path');
  const config = await readConfig(req.storage);
  const data = fields.data;
  if (data === undefined) throw new UserError('no data provided');
  return ctx.locks.run(path, async () => {
    const now = ctx.now();
    const meta = (await readMetadata(req.storage, path)) ?? newMetadata(path, now);
    checkCas(fields.options, config, meta);
    const resp = await commitVersion(req.storage, meta, config, data, now);
    ctx.emit('data-write', { path: `data/${path}`, dataPath: `data/${path}`, extra: versionInfo(meta) });
    return resp;
  });
}

async function patchData(ctx: KvV2Context, req: LogicalRequest, fields: DataFields): Promise<LogicalResponse | null> {
  const path = fields.path;
  const patch = fields.data;
  if (patch === undefined) throw new UserError('no data provided');
  return ctx.locks.run(path, async () => {
    const meta = await readMetadata(req.storage, path);
    if (meta === null) throw new NotFoundError();
    const config = await readConfig(req.storage);
    checkCas(fields.options, config, meta);
    const current = meta.current_version;
    const vm = meta.versions[String(current)];
    if (vm === undefined) throw new NotFoundError();
    if (isDeleted(vm, ctx.now()) || vm.destroyed) {
      return {
        data: {
          created_time: formatTime(vm.created_time),
          custom_metadata: meta.custom_metadata,
          deletion_time: formatTime(vm.deletion_time),
          destroyed: vm.destroyed,
          version: current,
        },
        httpStatus: 404,
      };
    }
    const stored = await readVersion(req.storage, path, current);
    if (stored === null) throw new InternalError('could not find version data');
    const merged = mergePatch(stored.data, patch);
    const resp = await commitVersion(req.storage, meta, config, isPlainObject(merged) ? merged : {}, ctx.now());
    ctx.emit('data-patch', { path: `data/${path}`, dataPath: `data/${path}`, extra: versionInfo(meta) });
    return resp;
  });
}

async function deleteLatest(ctx: KvV2Context, req: LogicalRequest, fields: DataFields): Promise<LogicalResponse | null> {
  const path = fields.path;
  return ctx.locks.run(path, async () => {
    const meta = await readMetadata(req.storage, path);
    if (meta === null) return null;
    const vm = meta.versions[String(meta.current_version)];
    const now = ctx.now();
    if (vm === undefined || vm.destroyed || isDeleted(vm, now)) return null;
    vm.deletion_time = now;
    await writeMetadata(req.storage, meta);
    ctx.emit('data-delete', { path: `data/${path}`, extra: versionInfo(meta) });
    return null;
  });
}

export function pathData(ctx: KvV2Context): PathSpec<typeof dataFields> {
  return definePath({
    pattern: 'data/(?<path>.*[^/])',
    fields: dataFields,
    operations: {
      read: { handler: upgradeGuard(ctx, (req, fields) => readData(ctx, req, fields)), summary: 'Read a version of a secret.' },
      create: {
        handler: upgradeGuard(ctx, (req, fields) => writeData(ctx, req, fields)),
        summary: 'Write a new version of a secret.',
      },
      update: {
        handler: upgradeGuard(ctx, (req, fields) => writeData(ctx, req, fields)),
        summary: 'Write a new version of a secret.',
      },
      patch: {
        handler: upgradeGuard(ctx, (req, fields) => patchData(ctx, req, fields)),
        summary: 'Apply a JSON merge patch to the latest version, as a new version.',
      },
      delete: {
        handler: upgradeGuard(ctx, (req, fields) => deleteLatest(ctx, req, fields)),
        summary: 'Soft-delete the latest version of a secret.',
      },
    },
    existenceCheck: async (req, fields) => (await readMetadata(req.storage, fields.path)) !== null,
    synopsis: 'Write, Patch, Read, and Delete data in the Key-Value Store.',
    description: `This path takes a key name and based on the operation stores, retrieves or
deletes versions of data.

If a write operation is used the endpoint takes an options object and a data
object. The options object is used to pass some options to the write command and
the data object is encrypted and stored in the storage backend. Each write
operation for a key creates a new version and does not overwrite the previous
data.

A patch operation must be performed on an existing secret. The secret must neither
be deleted nor destroyed. Like a write operation, patch operations accept an
options object and data object. The data object is applied to the current version
as a JSON merge patch (RFC 7396) and the result is stored as a new version.

A read operation will return the latest version for a key unless the "version"
parameter is set, then it returns the version at that number.

Delete operations are a soft delete. They will mark the latest version as
deleted, but the underlying data will not be fully removed. Delete operations
can be undone.`,
  });
}
