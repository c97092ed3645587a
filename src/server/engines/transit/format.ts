/** `keys/:name` as Vault shows it (`formatKeyPolicy`). */
import { InternalError } from '../../../shared/errors.js';
import { getKey } from './kdf.js';
import { CURVES, isEcdsa, isRsa, isSymmetric, supportsDecryption, supportsDerivation, supportsEncryption, supportsSigning } from './key-types.js';
import { KDF_HKDF_SHA256, KDF_HMAC_SHA256_COUNTER, ed25519FromSeed, ed25519PublicRaw, rsaPublicPem, type Policy } from './policy.js';

export function formatKeyPolicy(p: Policy, context?: Buffer): Record<string, unknown> {
  const data: Record<string, unknown> = {
    name: p.name,
    type: p.type,
    derived: p.derived,
    deletion_allowed: p.deletionAllowed,
    min_available_version: p.minAvailableVersion,
    min_decryption_version: p.minDecryptionVersion,
    min_encryption_version: p.minEncryptionVersion,
    latest_version: p.latestVersion,
    exportable: p.exportable,
    allow_plaintext_backup: p.allowPlaintextBackup,
    supports_encryption: supportsEncryption(p.type),
    supports_decryption: supportsDecryption(p.type),
    supports_signing: supportsSigning(p.type),
    supports_derivation: supportsDerivation(p.type),
    auto_rotate_period: Math.floor(p.autoRotatePeriodNs / 1e9),
    imported_key: p.imported,
  };
  if (p.keySize !== 0) data['key_size'] = p.keySize;
  if (p.imported) data['imported_key_allow_rotation'] = p.allowImportedKeyRotation;
  if (p.backupInfo) data['backup_info'] = { ...p.backupInfo };
  if (p.restoreInfo) data['restore_info'] = { ...p.restoreInfo };
  if (p.derived) {
    if (p.kdf === KDF_HMAC_SHA256_COUNTER) {
      data['kdf'] = 'hmac-sha256-counter';
      data['kdf_mode'] = 'hmac-sha256-counter';
    } else if (p.kdf === KDF_HKDF_SHA256) {
      data['kdf'] = 'hkdf_sha256';
    }
    data['convergent_encryption'] = p.convergentEncryption;
    if (p.convergentEncryption) data['convergent_encryption_version'] = p.convergentVersion;
  }

  const versions = [...p.keys.keys()].sort((a, b) => a - b);
  if (isSymmetric(p.type)) {
    data['keys'] = Object.fromEntries(versions.map((v) => [String(v), p.keys.get(v)?.creationTime ?? 0]));
  } else if (p.type !== 'hmac') {
    const keys: Record<string, unknown> = {};
    for (const v of versions) {
      const entry = p.keys.get(v);
      if (!entry) continue;
      let name: string;
      let publicKey = entry.publicKey ?? '';
      if (isEcdsa(p.type)) {
        name = CURVES[p.type].jwkCrv;
      } else if (isRsa(p.type)) {
        name = p.type;
        publicKey = rsaPublicPem(entry);
      } else if (p.type === 'ed25519') {
        name = 'ed25519';
        if (p.derived) {
          // A derived ed25519 key has one public key per context.
          publicKey = context && context.length > 0 ? ed25519PublicRaw(ed25519FromSeed(getKey(p, context, v, 32).subarray(0, 32))).toString('base64') : '';
        }
      } else {
        throw new InternalError(`unsupported key type ${p.type}`);
      }
      keys[String(v)] = { name, public_key: publicKey, certificate_chain: '', creation_time: entry.time };
    }
    data['keys'] = keys;
  }
  return data;
}
