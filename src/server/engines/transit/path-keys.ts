/**
 * Key management: `keys/` (list), `keys/:name` (create, read, delete), `keys/:name/config`,
 * `keys/:name/rotate`, `keys/:name/trim` and the mount-wide `config/keys`.
 */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, getJson, putJson, type LogicalResponse, type PathSpec, type Storage } from '../../sdk/index.js';
import { decodeContext, NAME, type TransitContext } from './context.js';
import { formatKeyPolicy } from './format.js';
import { KEYS_CONFIG_KEY } from './key-store.js';
import { HMAC_MAX_KEY_SIZE, HMAC_MIN_KEY_SIZE, isEcdsa, isKeyTypeName, isRsa, type KeyTypeName } from './key-types.js';

const NAME_FIELD = f.string({ description: 'Name of the key', required: true });

export const AUTO_ROTATE_MESSAGE = 'auto rotate period must be 0 to disable or at least an hour';

/** Vault's `lock_manager` checks for a new key of `type`. */
export function validateNewKey(type: KeyTypeName, derived: boolean, convergent: boolean): void {
  if (convergent && !derived) throw new UserError('convergent encryption requires derivation to be enabled');
  if ((isEcdsa(type) || isRsa(type) || type === 'hmac') && (derived || convergent)) {
    throw new UserError(`key derivation and convergent encryption not supported for keys of type ${type}`);
  }
  if (type === 'ed25519' && convergent) throw new UserError(`convergent encryption not supported for keys of type ${type}`);
}

export interface KeysConfig {
  disable_upsert: boolean;
}

export async function readKeysConfig(storage: Pick<Storage, 'get'>): Promise<KeysConfig> {
  return (await getJson<KeysConfig>(storage, KEYS_CONFIG_KEY)) ?? { disable_upsert: false };
}

export function pathsKeys(ctx: TransitContext): PathSpec<any>[] {
  const list = definePath({
    pattern: 'keys/?',
    fields: {},
    operations: {
      list: async () => {
        const keys = await ctx.store.list();
        return { data: keys.length > 0 ? { keys } : {} };
      },
    },
    synopsis: 'Managed named encryption keys',
  });

  const keys = definePath({
    pattern: `keys/(?<name>${NAME})`,
    fields: {
      name: NAME_FIELD,
      type: f.string({ description: 'The type of key to create (aes256-gcm96 by default).', default: 'aes256-gcm96' }),
      derived: f.bool({ description: 'Enables key derivation mode: every operation needs a context.', default: false }),
      convergent_encryption: f.bool({ description: 'Deterministic encryption (requires derived).', default: false }),
      exportable: f.bool({ description: 'Allow the key material to be exported. Cannot be undone.', default: false }),
      allow_plaintext_backup: f.bool({ description: 'Allow a plaintext backup of the key. Cannot be undone.', default: false }),
      context: f.string({ description: 'Base64 context: on read, the public key of a derived ed25519 key for it.' }),
      auto_rotate_period: f.durationSecond({ description: 'Rotate the key after this long (0 disables; at least 1h).', default: 0 }),
      key_size: f.int({ description: `HMAC key size in bytes (${HMAC_MIN_KEY_SIZE} to ${HMAC_MAX_KEY_SIZE}).`, default: 0 }),
    },
    operations: {
      update: {
        summary: 'Create a key.',
        handler: async (_req, fl): Promise<LogicalResponse> => {
          if (fl.auto_rotate_period !== 0 && fl.auto_rotate_period < 3600) throw new UserError(AUTO_ROTATE_MESSAGE);
          if (!fl.derived && fl.convergent_encryption) throw new UserError('convergent encryption requires derivation to be enabled');
          if (!isKeyTypeName(fl.type)) throw new UserError(`unknown key type ${fl.type}`);
          const type = fl.type;
          if (fl.key_size !== 0) {
            if (type !== 'hmac') throw new UserError(`key_size is not valid for algorithm ${type}`);
            if (fl.key_size < HMAC_MIN_KEY_SIZE || fl.key_size > HMAC_MAX_KEY_SIZE) throw new UserError(`invalid key_size ${fl.key_size}`);
          }
          validateNewKey(type, fl.derived, fl.convergent_encryption);
          const { policy, created } = await ctx.store.upsert({
            name: fl.name,
            type,
            derived: fl.derived,
            convergent: fl.convergent_encryption,
            exportable: fl.exportable,
            allowPlaintextBackup: fl.allow_plaintext_backup,
            autoRotatePeriodSec: fl.auto_rotate_period,
            keySize: fl.key_size,
          });
          return { data: formatKeyPolicy(policy), ...(created ? {} : { warnings: [`key ${fl.name} already existed`] }) };
        },
      },
      read: async (_req, fl) => {
        const p = await ctx.store.get(fl.name);
        if (!p) return null;
        return { data: formatKeyPolicy(p, decodeContext(fl.context)) };
      },
      delete: async (_req, fl) => {
        await ctx.store.delete(fl.name);
        return null;
      },
    },
    synopsis: 'Managed named encryption keys',
    description: 'Doing a write with no value against a new named key will create it using a randomly generated key.',
  });

  const config = definePath({
    pattern: `keys/(?<name>${NAME})/config`,
    fields: {
      name: NAME_FIELD,
      min_decryption_version: f.int({ description: 'Minimum version allowed to decrypt (or verify).' }),
      min_encryption_version: f.int({ description: 'Minimum version allowed to encrypt (or sign); 0 = latest only.' }),
      deletion_allowed: f.bool({ description: 'Whether the key may be deleted.' }),
      exportable: f.bool({ description: 'Enables export of the key. Cannot be disabled once set.' }),
      allow_plaintext_backup: f.bool({ description: 'Enables plaintext backups. Cannot be disabled once set.' }),
      auto_rotate_period: f.durationSecond({ description: 'Rotate after this long; 0 disables, else at least 1h.' }),
    },
    operations: {
      update: async (_req, fl) => {
        let warning: string | undefined;
        let changed = false;
        const updated = await ctx.store.update(fl.name, (p) => {
          if (fl.min_decryption_version !== undefined) {
            let v = fl.min_decryption_version;
            if (v < 0) throw new UserError('min decryption version cannot be negative');
            if (v === 0) {
              v = 1;
              warning = 'since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1';
            }
            if (v !== p.minDecryptionVersion) {
              if (v > p.latestVersion) throw new UserError(`cannot set min decryption version of ${v}, latest key version is ${p.latestVersion}`);
              p.minDecryptionVersion = v;
              changed = true;
            }
          }
          if (fl.min_encryption_version !== undefined) {
            const v = fl.min_encryption_version;
            if (v < 0) throw new UserError('min encryption version cannot be negative');
            if (v !== p.minEncryptionVersion) {
              if (v > p.latestVersion) throw new UserError(`cannot set min encryption version of ${v}, latest key version is ${p.latestVersion}`);
              p.minEncryptionVersion = v;
              changed = true;
            }
          }
          if (p.minEncryptionVersion > 0 && p.minEncryptionVersion < p.minDecryptionVersion) {
            throw new UserError(
              `cannot set min encryption/decryption values; min encryption version of ${p.minEncryptionVersion} must be greater than or equal to min decryption version of ${p.minDecryptionVersion}`,
            );
          }
          if (fl.deletion_allowed !== undefined && fl.deletion_allowed !== p.deletionAllowed) {
            p.deletionAllowed = fl.deletion_allowed;
            changed = true;
          }
          // exportable and allow_plaintext_backup are one-way switches.
          if (fl.exportable === true && !p.exportable) {
            p.exportable = true;
            changed = true;
          }
          if (fl.allow_plaintext_backup === true && !p.allowPlaintextBackup) {
            p.allowPlaintextBackup = true;
            changed = true;
          }
          if (fl.auto_rotate_period !== undefined) {
            if (fl.auto_rotate_period !== 0 && fl.auto_rotate_period < 3600) throw new UserError(AUTO_ROTATE_MESSAGE);
            const ns = fl.auto_rotate_period * 1e9;
            if (ns !== p.autoRotatePeriodNs) {
              p.autoRotatePeriodNs = ns;
              changed = true;
            }
          }
          if (!changed) return null;
          if (p.minAvailableVersion > p.minEncryptionVersion) throw new UserError('min encryption version should not be less than min available version');
          if (p.minAvailableVersion > p.minDecryptionVersion) throw new UserError('min decryption version should not be less then min available version');
          return p;
        });
        if (!updated) throw new UserError(`no existing key named ${fl.name} could be found`);
        return { data: formatKeyPolicy(updated), ...(warning ? { warnings: [warning] } : {}) };
      },
    },
    synopsis: 'Configure a named encryption key',
  });

  const rotate = definePath({
    pattern: `keys/(?<name>${NAME})/rotate`,
    fields: { name: NAME_FIELD },
    operations: {
      update: async (_req, fl) => {
        const p = await ctx.store.rotate(fl.name);
        if (!p) throw new UserError('key not found');
        return { data: formatKeyPolicy(p) };
      },
    },
    synopsis: 'Rotate named encryption key',
  });

  const trim = definePath({
    pattern: `keys/(?<name>${NAME})/trim`,
    fields: {
      name: NAME_FIELD,
      min_available_version: f.int({ description: 'Versions below this one are deleted for good.' }),
    },
    operations: {
      update: async (_req, fl) => {
        const min = fl.min_available_version;
        const p = await ctx.store.update(fl.name, (copy) => {
          if (min === undefined) throw new UserError('missing min_available_version');
          if (min < copy.minAvailableVersion) throw new UserError('minimum available version cannot be decremented');
          if (copy.minEncryptionVersion === 0) throw new UserError('minimum available version cannot be set when minimum encryption version is not set');
          if (copy.minDecryptionVersion === 0) throw new UserError('minimum available version cannot be set when minimum decryption version is not set');
          if (min > copy.minEncryptionVersion) throw new UserError('minimum available version cannot be greater than minmum encryption version');
          if (min > copy.minDecryptionVersion) throw new UserError('minimum available version cannot be greater than minimum decryption version');
          if (min < 0) throw new UserError('minimum available version cannot be negative');
          if (min === 0) throw new UserError('minimum available version should be positive');
          copy.minAvailableVersion = min;
          return copy;
        });
        if (!p) throw new UserError('invalid key name');
        return { data: formatKeyPolicy(p) };
      },
    },
    synopsis: 'Trim key versions of a named key',
  });

  const keysConfig = definePath({
    pattern: 'config/keys',
    fields: {
      disable_upsert: f.bool({ description: 'Refuse to create keys on first use by encrypt.' }),
    },
    operations: {
      read: async (req) => ({ data: { ...(await readKeysConfig(req.storage)) } }),
      update: async (req, fl) => {
        const current = await readKeysConfig(req.storage);
        const next: KeysConfig = { disable_upsert: fl.disable_upsert ?? current.disable_upsert };
        await putJson(req.storage, KEYS_CONFIG_KEY, next);
        return { data: { ...next } };
      },
    },
    synopsis: 'Configuration common across all keys',
  });

  return [list, config, rotate, trim, keys, keysConfig];
}
