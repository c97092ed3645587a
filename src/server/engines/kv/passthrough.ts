/**
 * KV version 1: a pass-through store. Each path holds one JSON map, stored as written at
 * the mount root; reads report the map's `ttl` (or `lease`) as `lease_duration`, else the
 * mount's default TTL, without creating a lease.
 */
import { parseDurationSeconds } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import {
  decodeJson,
  defineBackend,
  definePath,
  encodeJson,
  f,
  type BackendSpec,
  type FieldValues,
  type LogicalRequest,
  type LogicalResponse,
} from '../../sdk/index.js';
import { noKvEvents, type KvEmit } from './events.js';
import { V2_PREFIX, isPlainObject } from './version-store.js';

export const PASSTHROUGH_HELP = `The kv backend reads and writes arbitrary secrets to the backend.
The secrets are encrypted/decrypted by Vault: they are never stored
unencrypted in the backend and the backend never has an opportunity to
see the unencrypted value.

TTLs can be set on a per-secret basis. These TTLs will be sent down
when that secret is read, and it is assumed that some outside process will
revoke and/or replace the secret at that path.`;

const fields = {
  path: f.string({ description: 'Location of the secret.', required: true }),
};

type PassthroughFields = FieldValues<typeof fields>;

/** Paths under the reserved v2 folder do not exist for v1 (they would break an upgrade). */
function isReserved(path: string): boolean {
  return path.startsWith(V2_PREFIX);
}

async function read(req: LogicalRequest, values: PassthroughFields): Promise<LogicalResponse | null> {
  const key = values.path;
  if (isReserved(key)) return null;
  const raw = await req.storage.get(key);
  if (raw === null) return null;
  const parsed = decodeJson<unknown>(raw);
  const data = isPlainObject(parsed) ? parsed : {};
  let leaseDuration = req.mount.defaultLeaseTtl();
  const ttlRaw = Object.prototype.hasOwnProperty.call(data, 'ttl')
    ? data['ttl']
    : Object.prototype.hasOwnProperty.call(data, 'lease')
      ? data['lease']
      : undefined;
  if (ttlRaw !== undefined) {
    try {
      leaseDuration = parseDurationSeconds(ttlRaw);
    } catch {
      // Vault ignores an unparsable ttl and keeps the mount default.
    }
  }
  return { data, leaseDuration };
}

async function write(req: LogicalRequest, values: PassthroughFields, emit: KvEmit): Promise<LogicalResponse | null> {
  const key = values.path;
  if (key === '') throw new UserError('missing path');
  if (key.endsWith('/')) throw new UserError("cannot write to a path ending in '/'");
  if (isReserved(key)) throw new UserError(`paths below "${V2_PREFIX}" are reserved for versioned K/V data`);
  if (Object.keys(req.data).length === 0) throw new UserError('missing data fields');
  await req.storage.put(key, encodeJson(req.data));
  emit('write', { path: key, dataPath: key });
  return null;
}

async function remove(req: LogicalRequest, values: PassthroughFields, emit: KvEmit): Promise<LogicalResponse | null> {
  const key = values.path;
  if (key === '' || isReserved(key)) return null;
  await req.storage.delete(key);
  emit('delete', { path: key });
  return null;
}

async function list(req: LogicalRequest, values: PassthroughFields): Promise<LogicalResponse | null> {
  let prefix = values.path;
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (isReserved(prefix)) return { data: {} };
  const keys = (await req.storage.list(prefix)).filter((k) => prefix !== '' || k !== V2_PREFIX);
  return { data: keys.length > 0 ? { keys } : {} };
}

export function passthroughBackend(emit: KvEmit = noKvEvents): BackendSpec {
  return defineBackend({
    kind: 'logical',
    help: PASSTHROUGH_HELP,
    paths: [
      definePath({
        pattern: '(?<path>.*)',
        fields,
        takesArbitraryInput: true,
        operations: {
          read: { handler: read, summary: 'Read a secret.' },
          create: { handler: (req, values) => write(req, values, emit), summary: 'Write a secret.' },
          update: { handler: (req, values) => write(req, values, emit), summary: 'Write a secret.' },
          delete: { handler: (req, values) => remove(req, values, emit), summary: 'Delete a secret.' },
          list: { handler: list, summary: 'List the secrets below a folder.' },
        },
        existenceCheck: async (req, values) =>
          values.path !== '' && !isReserved(values.path) && (await req.storage.get(values.path)) !== null,
        synopsis: 'Pass-through secret storage to the storage backend, allowing you to read/write arbitrary data into secret storage.',
        description: `The pass-through backend reads and writes arbitrary data into secret storage,
encrypting it along the way.

A TTL can be specified when writing with the "ttl" field. If given, the
duration of leases returned by this backend will be set to this value. This
can be used as a hint from the writer of a secret to the consumer of a secret
that the consumer should re-read the value before the TTL has expired.
However, any revocation must be handled by the user of this backend; the lease
duration does not affect the provided data in any way.`,
      }),
    ],
  });
}
