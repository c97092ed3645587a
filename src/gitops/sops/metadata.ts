/**
 * The `sops:` metadata block (sops `stores.Metadata`), read from and written to the tree with
 * sops's field names and order: `shamir_threshold`, `key_groups`, `kms`, `gcp_kms`,
 * `azure_kv`, `hc_vault`, `age`, `lastmodified`, `mac`, `pgp`, the encryption rules,
 * `mac_only_encrypted`, `version` (empty lists and rules omitted, as sops ≥ 3.9 writes them).
 * Key types Coffer cannot use (kms, gcp_kms, azure_kv, pgp, hckms) are kept verbatim.
 */
import { Branch, type TreeItem, type TreeValue } from './tree.js';
import { DEFAULT_UNENCRYPTED_SUFFIX, checkRules, type EncryptionRules } from './rules.js';
import { SopsError } from './errors.js';

/** The sops version written into new files (the format is that of sops 3.10). */
export const SOPS_FORMAT_VERSION = '3.10.2';

export interface AgeMasterKey {
  readonly type: 'age';
  readonly recipient: string;
  readonly enc: string;
}

export interface VaultMasterKey {
  readonly type: 'hc_vault';
  readonly vaultAddress: string;
  readonly enginePath: string;
  readonly keyName: string;
  readonly createdAt: string;
  readonly enc: string;
}

/** A master key of a kind Coffer does not implement, kept as found so the file round-trips. */
export interface ForeignMasterKey {
  readonly type: 'kms' | 'gcp_kms' | 'azure_kv' | 'pgp' | 'hckms';
  readonly raw: Branch;
}

export type MasterKey = AgeMasterKey | VaultMasterKey | ForeignMasterKey;

export interface SopsMetadata extends EncryptionRules {
  /** One group unless the file uses `key_groups` (Shamir). */
  keyGroups: MasterKey[][];
  shamirThreshold?: number;
  /** RFC 3339 UTC, also the MAC's AAD. */
  lastModified: string;
  /** The encrypted MAC (`ENC[…,type:str]`). */
  mac: string;
  version: string;
}

const FOREIGN_TYPES = ['kms', 'gcp_kms', 'hckms', 'azure_kv'] as const;

/** A human name for a master key (never key material). */
export function describeKey(k: MasterKey): string {
  switch (k.type) {
    case 'age':
      return k.recipient;
    case 'hc_vault':
      return `${k.vaultAddress}/v1/${k.enginePath}/keys/${k.keyName}`;
    default: {
      const id = ['arn', 'resource_id', 'vault_url', 'fp', 'key_id'].map((f) => k.raw.get(f)).find((v) => typeof v === 'string');
      return `${k.type}:${typeof id === 'string' ? id : '?'}`;
    }
  }
}

/** Go's `time.Format(time.RFC3339)` of now, in UTC. */
export function nowRfc3339(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Normalises a parsed `lastmodified` the way sops does (`time.Parse` then `Format(RFC3339)`),
 * which drops fractional seconds; the result is the MAC's AAD.
 */
export function normalizeRfc3339(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text.trim());
  if (m === null) throw new SopsError(`invalid lastmodified ${JSON.stringify(text)}: expected an RFC 3339 time`);
  const zone = m[3] === 'z' ? 'Z' : (m[3] ?? 'Z');
  return `${(m[1] ?? '').replace('t', 'T')}${zone}`;
}

function str(b: Branch, key: string): string | undefined {
  const v = b.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  throw new SopsError(`sops metadata: ${key} must be a string`);
}

function list(b: Branch, key: string): Branch[] {
  const v = b.get(key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new SopsError(`sops metadata: ${key} must be a list`);
  return (v as readonly TreeValue[]).filter((x) => x !== null).map((x) => {
    if (!(x instanceof Branch)) throw new SopsError(`sops metadata: every ${key} entry must be a mapping`);
    return x;
  });
}

function groupFrom(b: Branch): MasterKey[] {
  const keys: MasterKey[] = [];
  for (const t of FOREIGN_TYPES) for (const raw of list(b, t)) keys.push({ type: t, raw });
  for (const v of list(b, 'hc_vault')) {
    keys.push({
      type: 'hc_vault',
      vaultAddress: str(v, 'vault_address') ?? '',
      enginePath: str(v, 'engine_path') ?? '',
      keyName: str(v, 'key_name') ?? '',
      createdAt: str(v, 'created_at') ?? '',
      enc: str(v, 'enc') ?? '',
    });
  }
  for (const raw of list(b, 'pgp')) keys.push({ type: 'pgp', raw });
  for (const a of list(b, 'age')) keys.push({ type: 'age', recipient: (str(a, 'recipient') ?? '').trim(), enc: str(a, 'enc') ?? '' });
  return keys;
}

/** Reads the `sops` branch (sops `Metadata.ToInternal`). */
export function metadataFromTree(v: TreeValue | undefined): SopsMetadata {
  if (!(v instanceof Branch)) throw new SopsError('sops metadata not found');
  const lastModified = str(v, 'lastmodified');
  if (lastModified === undefined) throw new SopsError('sops metadata: lastmodified is missing');
  const groups: MasterKey[][] = [];
  const flat = groupFrom(v);
  if (flat.length > 0) groups.push(flat);
  else for (const g of list(v, 'key_groups')) groups.push(groupFrom(g));
  if (groups.length === 0) throw new SopsError('No keys found in file');
  const rules: EncryptionRules = {};
  const set = (field: keyof EncryptionRules & string, key: string): void => {
    const s = str(v, key);
    if (s !== undefined && s !== '') (rules as Record<string, string>)[field] = s;
  };
  set('unencryptedSuffix', 'unencrypted_suffix');
  set('encryptedSuffix', 'encrypted_suffix');
  set('unencryptedRegex', 'unencrypted_regex');
  set('encryptedRegex', 'encrypted_regex');
  set('unencryptedCommentRegex', 'unencrypted_comment_regex');
  set('encryptedCommentRegex', 'encrypted_comment_regex');
  checkRules(rules);
  // A file without any rule was written with sops's default.
  if (rules.unencryptedSuffix === undefined && rules.encryptedSuffix === undefined && rules.unencryptedRegex === undefined && rules.encryptedRegex === undefined) {
    rules.unencryptedSuffix = DEFAULT_UNENCRYPTED_SUFFIX;
  }
  const macOnly = v.get('mac_only_encrypted');
  const threshold = v.get('shamir_threshold');
  const md: SopsMetadata = {
    ...rules,
    keyGroups: groups,
    lastModified: normalizeRfc3339(lastModified),
    mac: str(v, 'mac') ?? '',
    version: str(v, 'version') ?? '',
  };
  if (macOnly === true) md.macOnlyEncrypted = true;
  if (typeof threshold === 'bigint' || typeof threshold === 'number') md.shamirThreshold = Number(threshold);
  return md;
}

function keyBranch(k: AgeMasterKey | VaultMasterKey): Branch {
  if (k.type === 'age') return new Branch([item('recipient', k.recipient), item('enc', k.enc)]);
  return new Branch([
    item('vault_address', k.vaultAddress),
    item('engine_path', k.enginePath),
    item('key_name', k.keyName),
    item('created_at', k.createdAt),
    item('enc', k.enc),
  ]);
}

function item(key: string, value: TreeValue): TreeItem {
  return { key, value };
}

function groupItems(group: readonly MasterKey[], inKeyGroup: boolean): TreeItem[] {
  const of = (t: MasterKey['type']): MasterKey[] => group.filter((k) => k.type === t);
  const lists: TreeItem[] = [];
  const push = (name: string, keys: MasterKey[]): void => {
    if (keys.length === 0) return;
    lists.push(item(name, keys.map((k) => (k.type === 'age' || k.type === 'hc_vault' ? keyBranch(k) : k.raw))));
  };
  if (inKeyGroup) {
    // sops's keygroup struct order.
    push('pgp', of('pgp'));
    push('kms', of('kms'));
    push('gcp_kms', of('gcp_kms'));
    push('hckms', of('hckms'));
    push('azure_kv', of('azure_kv'));
    push('hc_vault', of('hc_vault'));
    push('age', of('age'));
  } else {
    push('kms', of('kms'));
    push('gcp_kms', of('gcp_kms'));
    push('hckms', of('hckms'));
    push('azure_kv', of('azure_kv'));
    push('hc_vault', of('hc_vault'));
    push('age', of('age'));
  }
  return lists;
}

/** The `sops` branch for a file (sops `MetadataFromInternal`). */
export function metadataToTree(md: SopsMetadata): Branch {
  const items: TreeItem[] = [];
  const single = md.keyGroups.length === 1;
  if (!single) {
    if (md.shamirThreshold !== undefined && md.shamirThreshold > 0) items.push(item('shamir_threshold', BigInt(md.shamirThreshold)));
    items.push(item('key_groups', md.keyGroups.map((g) => new Branch(groupItems(g, true)))));
  }
  const flat = single ? groupItems(md.keyGroups[0] ?? [], false) : [];
  items.push(...flat.filter((i) => i.key !== 'pgp'));
  items.push(item('lastmodified', md.lastModified));
  items.push(item('mac', md.mac));
  items.push(...flat.filter((i) => i.key === 'pgp'));
  const rule = (key: string, v: string | undefined): void => {
    if (v !== undefined && v !== '') items.push(item(key, v));
  };
  rule('unencrypted_suffix', md.unencryptedSuffix);
  rule('encrypted_suffix', md.encryptedSuffix);
  rule('unencrypted_regex', md.unencryptedRegex);
  rule('encrypted_regex', md.encryptedRegex);
  rule('unencrypted_comment_regex', md.unencryptedCommentRegex);
  rule('encrypted_comment_regex', md.encryptedCommentRegex);
  if (md.macOnlyEncrypted === true) items.push(item('mac_only_encrypted', true));
  items.push(item('version', md.version));
  return new Branch(items);
}

/** The encryption rules recorded in metadata. */
export function rulesOf(md: SopsMetadata): EncryptionRules {
  const r: EncryptionRules = {};
  if (md.unencryptedSuffix !== undefined) r.unencryptedSuffix = md.unencryptedSuffix;
  if (md.encryptedSuffix !== undefined) r.encryptedSuffix = md.encryptedSuffix;
  if (md.unencryptedRegex !== undefined) r.unencryptedRegex = md.unencryptedRegex;
  if (md.encryptedRegex !== undefined) r.encryptedRegex = md.encryptedRegex;
  if (md.unencryptedCommentRegex !== undefined) r.unencryptedCommentRegex = md.unencryptedCommentRegex;
  if (md.encryptedCommentRegex !== undefined) r.encryptedCommentRegex = md.encryptedCommentRegex;
  if (md.macOnlyEncrypted === true) r.macOnlyEncrypted = true;
  return r;
}
