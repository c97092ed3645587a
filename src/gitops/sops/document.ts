/**
 * Whole-file operations: parse/emit (YAML or JSON), encrypt a plaintext tree, decrypt and
 * verify the MAC, re-encrypt after an edit (diff-stable: unchanged values keep their
 * ciphertext), rotate the data key, and re-wrap it for a new set of master keys.
 */
import { timingSafeEqual } from 'node:crypto';
import { extname } from 'node:path';
import { Branch, Comment, type TreeBranches, type TreeValue } from './tree.js';
import { ValueCipher } from './cipher.js';
import { DEFAULT_UNENCRYPTED_SUFFIX, decryptTree, encryptTree, type EncryptionRules } from './rules.js';
import { SOPS_FORMAT_VERSION, metadataFromTree, metadataToTree, nowRfc3339, rulesOf, type MasterKey, type SopsMetadata } from './metadata.js';
import { emitYaml, emitYamlValue, parseYaml } from './yaml-store.js';
import { emitJson, emitJsonValue, parseJson } from './json-store.js';
import { MacMismatchError, MetadataNotFoundError, SopsError } from './errors.js';
import { newDataKey, specId, unwrapDataKey, wrapDataKey, type KeyServices, type KeySpec } from './data-key.js';

export type SopsFormat = 'yaml' | 'json';

export const SOPS_METADATA_KEY = 'sops';

/** The store for a file name (`.json` → JSON, `.yaml`/`.yml` → YAML), or an explicit type. */
export function formatFor(path: string, override?: string): SopsFormat {
  const o = override?.trim().toLowerCase();
  if (o !== undefined && o !== '') {
    if (o === 'yaml' || o === 'yml') return 'yaml';
    if (o === 'json') return 'json';
    throw new SopsError(`unsupported file type ${JSON.stringify(override)}: Coffer handles yaml and json`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  throw new SopsError(`cannot tell the format of ${JSON.stringify(path)} from its extension: use --input-type yaml or --input-type json (Coffer handles yaml and json)`);
}

export function parsePlain(text: string, format: SopsFormat): Branch[] {
  return format === 'json' ? parseJson(text) : parseYaml(text);
}

export function emitPlain(branches: TreeBranches, format: SopsFormat): string {
  return format === 'json' ? emitJson(branches) : emitYaml(branches);
}

/** One value as YAML or JSON text (sops `EmitValue`); strings are not special-cased here. */
export function emitValue(v: TreeValue, format: SopsFormat): string {
  return format === 'json' ? emitJsonValue(v) : emitYamlValue(v);
}

/** An encrypted document: the tree (values as `ENC[…]`, no `sops` key) and its metadata. */
export interface EncryptedDocument {
  branches: Branch[];
  metadata: SopsMetadata;
}

export function parseEncrypted(text: string, format: SopsFormat): EncryptedDocument {
  const docs = parsePlain(text, format);
  const first = docs[0];
  if (first === undefined || !first.has(SOPS_METADATA_KEY)) throw new MetadataNotFoundError();
  const metadata = metadataFromTree(first.get(SOPS_METADATA_KEY));
  return { branches: docs.map((d) => d.without(SOPS_METADATA_KEY)), metadata };
}

export function emitEncrypted(doc: EncryptedDocument, format: SopsFormat): string {
  const md = metadataToTree(doc.metadata);
  return emitPlain(
    doc.branches.map((b) => b.with(SOPS_METADATA_KEY, md)),
    format,
  );
}

/** Whether text already carries sops metadata (encrypting it again would be a mistake). */
export function hasSopsMetadata(branches: TreeBranches): boolean {
  return branches.some((b) => b.has(SOPS_METADATA_KEY));
}

function withDefaultRule(rules: EncryptionRules): EncryptionRules {
  const set = [rules.unencryptedSuffix, rules.encryptedSuffix, rules.unencryptedRegex, rules.encryptedRegex, rules.unencryptedCommentRegex, rules.encryptedCommentRegex].some(
    (r) => r !== undefined && r !== '',
  );
  return set ? rules : { ...rules, unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX };
}

/** Encrypts the tree with the data key and seals the MAC (sops `common.EncryptTree`). */
function seal(branches: TreeBranches, dataKey: Buffer, cipher: ValueCipher, base: Omit<SopsMetadata, 'lastModified' | 'mac'>, now: Date): EncryptedDocument {
  const rules = rulesOf({ ...base, lastModified: '', mac: '' });
  const { branches: encrypted, mac } = encryptTree(branches, dataKey, cipher, rules);
  const lastModified = nowRfc3339(now);
  return { branches: encrypted, metadata: { ...base, lastModified, mac: cipher.encrypt(mac, dataKey, lastModified) } };
}

export interface EncryptOptions {
  /** Master keys to wrap the new data key for: one group, or several for Shamir. */
  keyGroups: readonly (readonly KeySpec[])[];
  shamirThreshold?: number;
  /** Which values to encrypt; none set means sops's default `unencrypted_suffix: _unencrypted`. */
  rules?: EncryptionRules;
  services: KeyServices;
  /** For tests: fixed data key, IVs and clock. */
  dataKey?: Buffer;
  cipher?: ValueCipher;
  now?: Date;
}

export async function encryptBranches(branches: TreeBranches, options: EncryptOptions): Promise<EncryptedDocument> {
  if (branches.length === 0) throw new SopsError('File cannot be completely empty, it must contain at least one document');
  if (hasSopsMetadata(branches)) {
    throw new SopsError("The file you have provided contains a top-level entry called 'sops'. This is generally due to the file already being encrypted. If this is not the case, rename that key.");
  }
  const rules = withDefaultRule(options.rules ?? {});
  const dataKey = options.dataKey ?? newDataKey();
  const keyGroups = await wrapDataKey(options.keyGroups, dataKey, options.services, options.shamirThreshold);
  const base: Omit<SopsMetadata, 'lastModified' | 'mac'> = { ...rules, keyGroups, version: SOPS_FORMAT_VERSION };
  if (keyGroups.length > 1) base.shamirThreshold = options.shamirThreshold ?? keyGroups.length;
  return seal(branches, dataKey, options.cipher ?? new ValueCipher(), base, options.now ?? new Date());
}

/** A decrypted document plus what is needed to write it back diff-stably. */
export interface DecryptedDocument {
  branches: Branch[];
  metadata: SopsMetadata;
  dataKey: Buffer;
  /** Holds the IVs of every decrypted value (for diff-stable re-encryption). */
  cipher: ValueCipher;
}

export interface DecryptOptions {
  services: KeyServices;
  /** Skip the MAC check (sops `--ignore-mac`). */
  ignoreMac?: boolean;
  /** Use this data key instead of unwrapping one (tests). */
  dataKey?: Buffer;
}

function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function decryptDocument(doc: EncryptedDocument, options: DecryptOptions): Promise<DecryptedDocument> {
  const md = doc.metadata;
  const dataKey = options.dataKey ?? (await unwrapDataKey(md.keyGroups, options.services, md.shamirThreshold));
  const cipher = new ValueCipher();
  const { branches, mac } = decryptTree(doc.branches, dataKey, cipher, rulesOf(md));
  if (options.ignoreMac !== true) {
    if (md.mac === '') throw new MacMismatchError('the file has no MAC');
    let stored: unknown;
    try {
      stored = cipher.decrypt(md.mac, dataKey, md.lastModified);
    } catch {
      throw new MacMismatchError('the stored MAC does not authenticate (file or lastmodified tampered with)');
    }
    if (typeof stored !== 'string' || !macEquals(stored, mac)) throw new MacMismatchError();
  }
  return { branches, metadata: md, dataKey, cipher };
}

/**
 * Encrypts an edited plaintext tree with the document's data key and master keys; values that
 * did not change keep their ciphertext (their IVs come from the decryption stash).
 */
export function reencrypt(plain: TreeBranches, decrypted: DecryptedDocument, now: Date = new Date()): EncryptedDocument {
  if (plain.length === 0) throw new SopsError('File cannot be completely empty, it must contain at least one document');
  if (hasSopsMetadata(plain)) throw new SopsError("the edited file contains a top-level 'sops' key, which is reserved for SOPS metadata");
  const { lastModified: _l, mac: _m, ...base } = decrypted.metadata;
  return seal(plain, decrypted.dataKey, decrypted.cipher, base, now);
}

export interface KeyChanges {
  add?: readonly KeySpec[];
  /** Key ids (see `specId`) to drop. */
  remove?: readonly KeySpec[];
}

function applyChanges(groups: readonly (readonly MasterKey[])[], changes: KeyChanges): (KeySpec | MasterKey)[][] {
  const removed = new Set((changes.remove ?? []).map(specId));
  const out: (KeySpec | MasterKey)[][] = groups.map((g) => g.filter((k) => !removed.has(specId(k))));
  const first = out[0] ?? [];
  const present = new Set(first.map(specId));
  for (const k of changes.add ?? []) if (!present.has(specId(k))) first.push(k);
  if (out.length === 0) out.push(first);
  return out;
}

/** A new data key, wrapped for the (possibly changed) master keys, and every value re-encrypted. */
export async function rotateDocument(decrypted: DecryptedDocument, services: KeyServices, changes: KeyChanges = {}, now: Date = new Date()): Promise<EncryptedDocument> {
  const groups = applyChanges(decrypted.metadata.keyGroups, changes);
  const dataKey = newDataKey();
  const keyGroups = await wrapDataKey(groups, dataKey, services, decrypted.metadata.shamirThreshold);
  const { lastModified: _l, mac: _m, ...rest } = decrypted.metadata;
  return seal(decrypted.branches, dataKey, new ValueCipher(), { ...rest, keyGroups }, now);
}

export interface KeyUpdate {
  document: EncryptedDocument;
  added: string[];
  removed: string[];
}

/**
 * Re-wraps the data key for `target` groups (sops `updatekeys`): values, MAC and lastmodified
 * stay; keys already present keep their wrapped copy.
 */
export async function updateDocumentKeys(
  encrypted: EncryptedDocument,
  dataKey: Buffer,
  target: readonly (readonly KeySpec[])[],
  services: KeyServices,
  shamirThreshold?: number,
): Promise<KeyUpdate> {
  const before = encrypted.metadata.keyGroups;
  const sameShape = before.length === target.length && (target.length === 1 || shamirThreshold === undefined || shamirThreshold === encrypted.metadata.shamirThreshold);
  const oldIds = new Set(before.flat().map(specId));
  const newIds = new Set(target.flat().map(specId));
  const added = [...newIds].filter((id) => !oldIds.has(id));
  const removed = [...oldIds].filter((id) => !newIds.has(id));
  if (added.length === 0 && removed.length === 0 && sameShape) return { document: encrypted, added, removed };
  let keyGroups: MasterKey[][];
  if (target.length === 1 && before.length === 1) {
    const existing = new Map((before[0] ?? []).map((k) => [specId(k), k] as const));
    const group: MasterKey[] = [];
    for (const spec of target[0] ?? []) {
      const kept = existing.get(specId(spec));
      group.push(kept ?? ((await wrapDataKey([[spec]], dataKey, services))[0]?.[0] as MasterKey));
    }
    keyGroups = [group];
  } else {
    keyGroups = await wrapDataKey(target, dataKey, services, shamirThreshold);
  }
  const metadata: SopsMetadata = { ...encrypted.metadata, keyGroups };
  if (keyGroups.length > 1) metadata.shamirThreshold = shamirThreshold ?? encrypted.metadata.shamirThreshold ?? keyGroups.length;
  else delete metadata.shamirThreshold;
  return { document: { branches: encrypted.branches, metadata }, added, removed };
}

/** `["data"]["password"]` / `["list"][0]` (sops `--extract`) → path components. */
export function parseTreePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\[(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\d+))\]/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(path)) !== null) {
    pos = re.lastIndex;
    if (m[3] !== undefined) out.push(Number(m[3]));
    else out.push((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'));
  }
  if (pos !== path.length || out.length === 0) throw new SopsError(`invalid tree path format ${JSON.stringify(path)}: expected e.g. ["data"]["password"]`);
  return out;
}

/** The value at `path` in the first document (sops `Truncate`). */
export function extractValue(branches: TreeBranches, path: readonly (string | number)[]): TreeValue {
  let cur: TreeValue = branches[0] ?? new Branch();
  for (const c of path) {
    if (typeof c === 'string') {
      if (!(cur instanceof Branch) || !cur.has(c)) throw new SopsError(`component [${JSON.stringify(c)}] not found`);
      cur = cur.get(c) as TreeValue;
    } else {
      if (!Array.isArray(cur)) throw new SopsError(`component [${c}] is integer, but tree part is not a slice`);
      const list = (cur as readonly TreeValue[]).filter((v) => !(v instanceof Comment));
      if (c >= list.length) throw new SopsError(`component [${c}] accesses out of bounds`);
      cur = list[c] as TreeValue;
    }
  }
  return cur;
}
