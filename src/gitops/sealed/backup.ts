/**
 * Disaster recovery: the key Secrets as a `v1` List (what `coffer seal backup` prints, what
 * `kubectl apply -f` restores, what `--recovery-private-key` reads), and reading private keys
 * from PEM files, single Secrets or Lists, as kubeseal's `readPrivKeysFromFile` does.
 */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../../shared/errors.js';
import { keyToSecret, isKeySecret, parsePrivateKeysPem, parsePrivateKeyPem, type SealingKey } from './keys.js';
import { asSecret, formatManifest, orderSecret, parseDocuments, type ManifestFormat } from './manifest.js';
import type { ObjectMeta, Secret } from './types.js';

export interface BackupList {
  apiVersion: 'v1';
  kind: 'List';
  items: Record<string, unknown>[];
  metadata: { resourceVersion: string };
}

/** Fields the API server sets: dropped so the backup applies cleanly to a new cluster. */
const SERVER_FIELDS = ['uid', 'resourceVersion', 'generation', 'selfLink', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences'];

function restorable(secret: Secret): Secret {
  const metadata: ObjectMeta = { ...secret.metadata };
  for (const f of SERVER_FIELDS) delete metadata[f];
  const out: Secret = { ...secret, apiVersion: 'v1', kind: 'Secret', metadata };
  return out;
}

/** A List of the key Secrets among `secrets` (others are ignored), oldest first. */
export function backupList(secrets: readonly Secret[]): BackupList {
  const keys = secrets.filter((s) => isKeySecret(s));
  keys.sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
  return { apiVersion: 'v1', kind: 'List', items: keys.map((s) => orderSecret(restorable(s))), metadata: { resourceVersion: '' } };
}

/** The same List from in-memory keys (the operator's own backup). */
export function backupListFromKeys(keys: readonly SealingKey[], namespace: string): BackupList {
  return backupList(keys.map((k) => keyToSecret(k, { namespace })));
}

export function formatBackup(list: BackupList, format: ManifestFormat = 'yaml'): string {
  return formatManifest(list, format);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Private keys from one `--recovery-private-key` file: PEM key(s), a key Secret, a List of
 * them (a `coffer seal backup` or `kubectl get secret -o yaml`), JSON or YAML.
 */
export function parsePrivateKeysFile(text: string, file = 'private key file'): KeyObject[] {
  if (/-----BEGIN (RSA )?PRIVATE KEY-----/.test(text)) {
    const keys = parsePrivateKeysPem(text, file);
    if (keys.length > 0) return keys;
  }
  let docs: unknown[];
  try {
    docs = parseDocuments(text, file);
  } catch {
    throw new UserError(`${file}: neither a PEM private key nor a YAML/JSON Secret or List`);
  }
  const secrets: Secret[] = [];
  for (const doc of docs) {
    if (!isRecord(doc)) throw new UserError(`${file}: expected a Secret or a List of Secrets`);
    if (doc['kind'] === 'List' || doc['kind'] === 'SecretList') {
      const items = doc['items'];
      if (!Array.isArray(items)) throw new UserError(`${file}: the List has no items array`);
      for (const item of items) {
        if (!isRecord(item)) throw new UserError(`${file}: a List item is not an object`);
        secrets.push(asSecret(item));
      }
    } else {
      secrets.push(asSecret(doc));
    }
  }
  if (secrets.length === 0) throw new UserError(`${file}: no keys found`);
  return secrets.map((s) => {
    const name = s.metadata.name ?? '(unnamed)';
    const b64 = s.data?.['tls.key'];
    const pem = b64 !== undefined ? Buffer.from(b64, 'base64').toString('utf8') : s.stringData?.['tls.key'];
    if (pem === undefined) throw new UserError(`${file}: secret ${name} must contain a 'tls.key' entry`);
    return parsePrivateKeyPem(pem, `${file}: secret ${name}`);
  });
}
