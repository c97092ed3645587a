/**
 * Persistence of leases (Vault's `sys/expire/id/...`), through a given storage view (the
 * barrier view in production).
 *
 * Layout (keys relative to the view; `<k>` is the base64url of the lease id, since ids
 * contain `/`):
 * - `id/<k>`            the full record (JSON, lease id inside);
 * - `exp/<k>.<ms>[.i]`  empty marker whose *key* carries the expiry (and `.i` when the lease
 *                       is irrevocable): `load()` rebuilds the in-memory expiry index with a
 *                       single `list`, without reading a single record;
 * - `tok/<t>/<k>`       empty marker per issuing token (`<t>` = base64url of its hash), for
 *                       revoke-on-token-revoke.
 * Every change is one storage transaction, so the three never disagree.
 */
import { decodeJson, encodeJson, type Storage, type StorageOp } from '../sdk/index.js';

export interface IrrevocableInfo {
  /** The last revocation error (truncated). */
  reason: string;
  attempts: number;
}

export interface LeaseRecord {
  lease_id: string;
  /** Request path that issued the secret (with the mount), e.g. `database/creds/readonly`. */
  path: string;
  mount_accessor: string;
  /** `SecretKind.type` of the issuing backend. */
  kind: string;
  issue_time_ms: number;
  expire_time_ms: number;
  /** 0 = never renewed. */
  last_renewal_ms: number;
  max_expire_time_ms: number;
  renewable: boolean;
  /** The TTL (seconds) granted at issue: the default increment of a renewal. */
  ttl_s: number;
  internal_data: Record<string, unknown>;
  /** Hash of the issuing token ('' = none). */
  token_hash: string;
  irrevocable: IrrevocableInfo | null;
}

/** What `load()` needs: no record is read. */
export interface LeaseIndexEntry {
  leaseId: string;
  expireTimeMs: number;
  irrevocable: boolean;
}

const ID = 'id/';
const EXP = 'exp/';
const TOK = 'tok/';

export function encodeKeyPart(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

export function decodeKeyPart(value: string): string {
  return Buffer.from(value, 'base64url').toString('utf8');
}

function recordKey(leaseId: string): string {
  return ID + encodeKeyPart(leaseId);
}

function expiryKey(rec: Pick<LeaseRecord, 'lease_id' | 'expire_time_ms' | 'irrevocable'>): string {
  return `${EXP}${encodeKeyPart(rec.lease_id)}.${Math.trunc(rec.expire_time_ms)}${rec.irrevocable ? '.i' : ''}`;
}

function tokenKey(rec: Pick<LeaseRecord, 'lease_id' | 'token_hash'>): string | null {
  if (rec.token_hash === '') return null;
  return `${TOK}${encodeKeyPart(rec.token_hash)}/${encodeKeyPart(rec.lease_id)}`;
}

/** Parses an `exp/` child name; null when malformed. */
export function parseExpiryName(name: string): LeaseIndexEntry | null {
  const parts = name.split('.');
  if (parts.length < 2 || parts.length > 3) return null;
  const [encoded, ms, flag] = parts;
  if (encoded === undefined || encoded === '' || ms === undefined || !/^-?\d+$/.test(ms)) return null;
  if (flag !== undefined && flag !== 'i') return null;
  return { leaseId: decodeKeyPart(encoded), expireTimeMs: Number(ms), irrevocable: flag === 'i' };
}

const EMPTY = new Uint8Array(0);

export interface LeaseStore {
  get(leaseId: string): Promise<LeaseRecord | null>;
  create(rec: LeaseRecord): Promise<void>;
  /** Replaces `prev` by `next` (same lease id), moving the expiry marker when it changed. */
  update(prev: LeaseRecord, next: LeaseRecord): Promise<void>;
  delete(rec: LeaseRecord): Promise<void>;
  /** Deletes whatever exists of a lease whose record may be missing (tidy). */
  deleteKeys(keys: readonly string[]): Promise<void>;
  /** The expiry index, from one `list` of `exp/`. */
  loadIndex(): Promise<{ entries: LeaseIndexEntry[]; malformed: string[] }>;
  /** Lease ids issued by a token. */
  listByToken(tokenHash: string): Promise<string[]>;
  /** Every record key's lease id (tidy). */
  listRecordIds(): Promise<string[]>;
  /** Every token hash that has leases (tidy). */
  listTokenHashes(): Promise<string[]>;
  expiryKeyOf(entry: LeaseIndexEntry): string;
  recordKeyOf(leaseId: string): string;
  tokenKeyOf(tokenHash: string, leaseId: string): string;
}

export function createLeaseStore(storage: Storage): LeaseStore {
  function putOps(rec: LeaseRecord): StorageOp[] {
    const ops: StorageOp[] = [
      { op: 'put', key: recordKey(rec.lease_id), value: encodeJson(rec) },
      { op: 'put', key: expiryKey(rec), value: EMPTY },
    ];
    const tk = tokenKey(rec);
    if (tk !== null) ops.push({ op: 'put', key: tk, value: EMPTY });
    return ops;
  }

  return {
    async get(leaseId) {
      const bytes = await storage.get(recordKey(leaseId));
      return bytes === null ? null : decodeJson<LeaseRecord>(bytes);
    },
    async create(rec) {
      await storage.transaction(putOps(rec));
    },
    async update(prev, next) {
      const ops = putOps(next);
      const oldExp = expiryKey(prev);
      if (oldExp !== expiryKey(next)) ops.push({ op: 'delete', key: oldExp });
      const oldTok = tokenKey(prev);
      if (oldTok !== null && oldTok !== tokenKey(next)) ops.push({ op: 'delete', key: oldTok });
      await storage.transaction(ops);
    },
    async delete(rec) {
      const ops: StorageOp[] = [
        { op: 'delete', key: recordKey(rec.lease_id) },
        { op: 'delete', key: expiryKey(rec) },
      ];
      const tk = tokenKey(rec);
      if (tk !== null) ops.push({ op: 'delete', key: tk });
      await storage.transaction(ops);
    },
    async deleteKeys(keys) {
      if (keys.length === 0) return;
      await storage.transaction(keys.map((key) => ({ op: 'delete', key })));
    },
    async loadIndex() {
      const entries: LeaseIndexEntry[] = [];
      const malformed: string[] = [];
      for (const name of await storage.list(EXP)) {
        const entry = name.endsWith('/') ? null : parseExpiryName(name);
        if (entry === null) malformed.push(EXP + name);
        else entries.push(entry);
      }
      return { entries, malformed };
    },
    async listByToken(tokenHash) {
      if (tokenHash === '') return [];
      const names = await storage.list(`${TOK}${encodeKeyPart(tokenHash)}/`);
      return names.filter((n) => !n.endsWith('/')).map(decodeKeyPart);
    },
    async listRecordIds() {
      return (await storage.list(ID)).filter((n) => !n.endsWith('/')).map(decodeKeyPart);
    },
    async listTokenHashes() {
      return (await storage.list(TOK)).filter((n) => n.endsWith('/')).map((n) => decodeKeyPart(n.slice(0, -1)));
    },
    expiryKeyOf(entry) {
      return expiryKey({ lease_id: entry.leaseId, expire_time_ms: entry.expireTimeMs, irrevocable: entry.irrevocable ? { reason: '', attempts: 0 } : null });
    },
    recordKeyOf(leaseId) {
      return recordKey(leaseId);
    },
    tokenKeyOf(tokenHash, leaseId) {
      return `${TOK}${encodeKeyPart(tokenHash)}/${encodeKeyPart(leaseId)}`;
    },
  };
}
