/**
 * `metadata/:path` — read a key's metadata and version history, write or patch its settings
 * (creating a key without versions if needed, which ESO's PushSecret relies on), delete the
 * key with every version, and list the key tree.
 */
import { formatDuration } from '../../../shared/duration.js';
import { NotFoundError, UserError } from '../../../shared/errors.js';
import {
  definePath,
  f,
  type FieldSchema,
  type FieldValues,
  type LogicalRequest,
  type LogicalResponse,
  type PathSpec,
} from '../../sdk/index.js';
import { sentNull, upgradeGuard, type KvV2Context } from './context.js';
import { parseCustomMetadata, validateCustomMetadata } from './custom-metadata.js';
import { versionInfo } from './events.js';
import { mergePatch } from './merge-patch.js';
import {
  METADATA_PREFIX,
  deleteOp,
  formatTime,
  isPlainObject,
  metadataKey,
  newMetadata,
  readConfig,
  readMetadata,
  versionKey,
  versionsFolder,
  writeMetadata,
  type KeyMetadata,
} from './version-store.js';

export const CAS_MANDATED_WARNING = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

/** Vault's `TypeDurationSecond`: like the sdk's duration, but negative values are refused. */
function nonNegativeDuration(description: string): FieldSchema<number, false> {
  const base = f.durationSecond({ description });
  return {
    ...base,
    coerce(raw: unknown): number {
      const value = base.coerce(raw);
      if (value < 0) throw new Error(`cannot provide negative value '${value}'`);
      return value;
    },
  };
}

export const metadataFields = {
  path: f.string({ description: 'Location of the secret.', required: true }),
  cas_required: f.bool({
    description: `If true the key will require the cas parameter to be set on all write requests.
If false, the backend's configuration will be used.`,
  }),
  max_versions: f.int({
    description: `The number of versions to keep. If not set, the backend's configured max
version is used.`,
  }),
  delete_version_after: nonNegativeDuration(`The length of time before a version is deleted. If not set, the backend's
configured delete_version_after is used. Cannot be greater than the
backend's delete_version_after. A zero duration clears the current setting.
A negative duration will cause an error.`),
  custom_metadata: f.map({
    description: `User-provided key-value pairs that are used to describe arbitrary and
version-agnostic information about a secret.`,
  }),
};

type MetadataFields = FieldValues<typeof metadataFields>;

function checkMaxVersions(value: number): number {
  if (value < 0) throw new UserError('max_versions cannot be negative');
  return value;
}

/** The settings a write or patch carries; explicit JSON `null` counts as the zero value (Go's weak decoding). */
function settingsFrom(req: LogicalRequest, fields: MetadataFields) {
  const pick = <T>(name: string, value: T | undefined, zero: T): T | undefined =>
    value !== undefined ? value : sentNull(req.data, name) ? zero : undefined;
  const maxVersions = pick('max_versions', fields.max_versions, 0);
  return {
    maxVersions: maxVersions === undefined ? undefined : checkMaxVersions(maxVersions),
    casRequired: pick('cas_required', fields.cas_required, false),
    deleteVersionAfter: pick('delete_version_after', fields.delete_version_after, 0),
    customMetadataNull: sentNull(req.data, 'custom_metadata'),
  };
}

async function readMeta(_ctx: KvV2Context, req: LogicalRequest, fields: MetadataFields): Promise<LogicalResponse | null> {
  const meta = await readMetadata(req.storage, fields.path);
  if (meta === null) return null;
  const versions: Record<string, unknown> = {};
  for (const [n, vm] of Object.entries(meta.versions)) {
    versions[n] = {
      created_time: formatTime(vm.created_time),
      deletion_time: formatTime(vm.deletion_time),
      destroyed: vm.destroyed,
    };
  }
  return {
    data: {
      cas_required: meta.cas_required,
      created_time: formatTime(meta.created_time),
      current_version: meta.current_version,
      custom_metadata: meta.custom_metadata,
      delete_version_after: formatDuration(meta.delete_version_after),
      max_versions: meta.max_versions,
      oldest_version: meta.oldest_version,
      updated_time: formatTime(meta.updated_time),
      versions,
    },
  };
}

async function writeMeta(ctx: KvV2Context, req: LogicalRequest, fields: MetadataFields): Promise<LogicalResponse | null> {
  const path = fields.path;
  if (path === '') throw new UserError('missing path');
  if (path.endsWith('/')) throw new UserError("cannot write to a path ending in '/'");
  const s = settingsFrom(req, fields);
  const customRaw = fields.custom_metadata ?? (s.customMetadataNull ? {} : undefined);
  // Nothing to change: Vault answers 204 without creating the key.
  if (s.maxVersions === undefined && s.casRequired === undefined && s.deleteVersionAfter === undefined && customRaw === undefined) {
    return null;
  }
  const config = await readConfig(req.storage);
  let custom: Record<string, string> | undefined;
  if (customRaw !== undefined) {
    const parsed = parseCustomMetadata(customRaw, false);
    validateCustomMetadata(parsed);
    custom = parsed as Record<string, string>;
  }
  const warnings = s.casRequired === false && config.cas_required ? [CAS_MANDATED_WARNING] : [];
  return ctx.locks.run(path, async () => {
    const meta = (await readMetadata(req.storage, path)) ?? newMetadata(path, ctx.now());
    if (s.maxVersions !== undefined) meta.max_versions = s.maxVersions;
    if (s.casRequired !== undefined) meta.cas_required = s.casRequired;
    if (s.deleteVersionAfter !== undefined) meta.delete_version_after = s.deleteVersionAfter;
    if (custom !== undefined) meta.custom_metadata = custom;
    await writeMetadata(req.storage, meta);
    ctx.emit('metadata-write', { path: `metadata/${path}`, dataPath: `metadata/${path}`, extra: versionInfo(meta) });
    return warnings.length > 0 ? { warnings } : null;
  });
}

async function patchMeta(ctx: KvV2Context, req: LogicalRequest, fields: MetadataFields): Promise<LogicalResponse | null> {
  const path = fields.path;
  if (path === '') throw new UserError('missing path');
  if (path.endsWith('/')) throw new UserError("cannot write to a path ending in '/'");
  const s = settingsFrom(req, fields);
  let customPatch: Record<string, string | null> | undefined;
  if (fields.custom_metadata !== undefined) {
    customPatch = parseCustomMetadata(fields.custom_metadata, true);
    validateCustomMetadata(customPatch);
  }
  const config = await readConfig(req.storage);
  return ctx.locks.run(path, async () => {
    const meta = await readMetadata(req.storage, path);
    if (meta === null) throw new NotFoundError();
    const warnings = s.casRequired === false && config.cas_required ? [CAS_MANDATED_WARNING] : [];
    if (s.maxVersions !== undefined) meta.max_versions = s.maxVersions;
    if (s.casRequired !== undefined) meta.cas_required = s.casRequired;
    if (s.deleteVersionAfter !== undefined) meta.delete_version_after = s.deleteVersionAfter;
    if (s.customMetadataNull) {
      meta.custom_metadata = null;
    } else if (customPatch !== undefined) {
      const merged = mergePatch(meta.custom_metadata ?? {}, customPatch);
      const next = isPlainObject(merged) ? (merged as Record<string, string>) : {};
      // The patch was checked above; the merged result must stay within the limits too.
      validateCustomMetadata(next);
      meta.custom_metadata = next;
    }
    await writeMetadata(req.storage, meta);
    ctx.emit('metadata-patch', { path: `metadata/${path}`, dataPath: `metadata/${path}`, extra: versionInfo(meta) });
    return warnings.length > 0 ? { warnings } : null;
  });
}

async function deleteMeta(ctx: KvV2Context, req: LogicalRequest, fields: MetadataFields): Promise<LogicalResponse | null> {
  const path = fields.path;
  return ctx.locks.run(path, async () => {
    const meta: KeyMetadata | null = await readMetadata(req.storage, path);
    if (meta === null) return null;
    const keys = new Set<string>(Object.keys(meta.versions).map((n) => versionKey(path, Number(n))));
    const folder = versionsFolder(path);
    for (const entry of await req.storage.list(folder)) keys.add(folder + entry);
    await req.storage.transaction([...[...keys].map(deleteOp), deleteOp(metadataKey(path))]);
    ctx.emit('metadata-delete', { path: `metadata/${path}` });
    return null;
  });
}

async function listMeta(_ctx: KvV2Context, req: LogicalRequest, fields: MetadataFields): Promise<LogicalResponse | null> {
  let prefix = fields.path;
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  const keys = await req.storage.list(METADATA_PREFIX + prefix);
  return { data: keys.length > 0 ? { keys } : {} };
}

export function pathMetadata(ctx: KvV2Context): PathSpec<typeof metadataFields> {
  const guard = (
    h: (ctx: KvV2Context, req: LogicalRequest, fields: MetadataFields) => Promise<LogicalResponse | null>,
  ) => upgradeGuard<typeof metadataFields>(ctx, (req, fields) => h(ctx, req, fields));
  return definePath({
    pattern: 'metadata/(?<path>.*)',
    fields: metadataFields,
    operations: {
      read: { handler: guard(readMeta), summary: "Read a key's metadata and version history." },
      create: { handler: guard(writeMeta), summary: "Create or update a key's metadata." },
      update: { handler: guard(writeMeta), summary: "Create or update a key's metadata." },
      patch: { handler: guard(patchMeta), summary: "Patch a key's metadata (JSON merge patch)." },
      delete: { handler: guard(deleteMeta), summary: 'Delete a key with all its versions and metadata.' },
      list: { handler: guard(listMeta), summary: 'List the keys below a folder.' },
    },
    existenceCheck: async (req, fields) => (await readMetadata(req.storage, fields.path)) !== null,
    synopsis: 'Allows interaction with key metadata and settings in the KV store.',
    description: `This endpoint allows for reading, information about a key in the key-value
store, writing key settings, and permanently deleting a key and all versions.`,
  });
}
