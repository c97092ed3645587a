/** `export/:type/:name(/:version)`, `backup/:name` and `restore(/:name)`. */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../../../shared/errors.js';
import { definePath, f, type PathSpec } from '../../sdk/index.js';
import { NAME, type TransitContext } from './context.js';
import { isEcdsa, isRsa, isSymmetric, supportsEncryption, supportsSigning } from './key-types.js';
import { privateKeyOf, publicKeyOf, type KeyEntry, type Policy } from './policy.js';

const EXPORT_TYPES = new Set(['encryption-key', 'signing-key', 'hmac-key', 'public-key', 'certificate-chain']);
const FORMATS = new Set(['', 'raw', 'der', 'pem']);

const RSA_FORMAT_ERROR = 'unknown key format for rsa key; supported values are ``, `der`, or `pem`';
const EC_FORMAT_ERROR = 'unknown key format for ec key; supported values are ``, `der`, or `pem`';
const RAW_ONLY_ERROR = 'unknown format for HMAC key; supported values are `` or `raw`';

/** Vault's `getExportKey`: base64 for raw keys, PEM (or base64 DER) for asymmetric ones. */
export function exportKey(p: Policy, entry: KeyEntry, exportType: string, format: string): string {
  switch (exportType) {
    case 'hmac-key': {
      if (format === 'der' || format === 'pem') throw new UserError(RAW_ONLY_ERROR);
      const src = p.type === 'hmac' ? entry.key : entry.hmacKey;
      return (src ?? Buffer.alloc(0)).toString('base64');
    }
    case 'encryption-key':
      if (isSymmetric(p.type)) {
        if (format === 'der' || format === 'pem') throw new UserError(RAW_ONLY_ERROR);
        return (entry.key ?? Buffer.alloc(0)).toString('base64');
      }
      if (isRsa(p.type)) return rsaPrivate(p, entry, format);
      break;
    case 'signing-key':
      if (isEcdsa(p.type)) {
        if (format === 'raw') throw new UserError(EC_FORMAT_ERROR);
        const key = privateKeyOf(p.type, entry);
        if (format === '') return key.export({ type: 'sec1', format: 'pem' }).toString().trim();
        return pkcs8(key, format);
      }
      if (p.type === 'ed25519') {
        if (!entry.key) return '';
        if (format === '' || format === 'raw') return entry.key.toString('base64');
        return pkcs8(privateKeyOf(p.type, entry), format);
      }
      if (isRsa(p.type)) return rsaPrivate(p, entry, format);
      break;
    case 'public-key':
      if (isEcdsa(p.type)) {
        if (format === 'raw') throw new UserError(EC_FORMAT_ERROR);
        return spki(publicKeyOf(p.type, entry), format).trim();
      }
      if (p.type === 'ed25519') {
        if (format === '' || format === 'raw') return (entry.publicKey ?? '').trim();
        return spki(publicKeyOf(p.type, entry), format).trim();
      }
      if (isRsa(p.type)) {
        if (format === 'raw') throw new UserError(RSA_FORMAT_ERROR);
        return spki(publicKeyOf(p.type, entry), format);
      }
      break;
    case 'certificate-chain':
      throw new UserError('selected key version does not have a certificate chain imported');
  }
  throw new UserError(`unknown key type ${p.type} for export type ${exportType}`);
}

function rsaPrivate(p: Policy, entry: KeyEntry, format: string): string {
  if (format === 'raw') throw new UserError(RSA_FORMAT_ERROR);
  const key = privateKeyOf(p.type, entry);
  if (format === '') return key.export({ type: 'pkcs1', format: 'pem' }).toString();
  const pem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return format === 'der' ? key.export({ type: 'pkcs8', format: 'der' }).toString('base64') : pem;
}

function pkcs8(key: KeyObject, format: string): string {
  if (format === 'der') return key.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  return key.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
}

function spki(key: KeyObject, format: string): string {
  if (format === 'der') return key.export({ type: 'spki', format: 'der' }).toString('base64');
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export function pathsBackup(ctx: TransitContext): PathSpec<any>[] {
  const exportPath = definePath({
    pattern: `export/(?<type>${NAME})/(?<name>${NAME})(?:/(?<version>[^/]+))?`,
    fields: {
      type: f.string({ description: 'encryption-key, signing-key, hmac-key or public-key', required: true }),
      name: f.string({ description: 'Name of the key', required: true }),
      version: f.string({ description: 'Version of the key (a number, vN or latest); all versions when absent.' }),
      format: f.string({ description: "'' (per key type), raw, der or pem.", default: '' }),
    },
    operations: {
      read: async (_req, fl) => {
        if (!EXPORT_TYPES.has(fl.type)) throw new UserError(`invalid export type: ${fl.type}`);
        if (!FORMATS.has(fl.format)) throw new UserError(`invalid format: ${fl.format}`);
        const p = await ctx.store.get(fl.name);
        if (!p) return null;
        if (!p.exportable && fl.type !== 'public-key' && fl.type !== 'certificate-chain') {
          throw new UserError('private key material is not exportable');
        }
        if (fl.type === 'encryption-key' && !supportsEncryption(p.type)) throw new UserError('encryption not supported for the key');
        if (fl.type === 'signing-key' && !supportsSigning(p.type)) throw new UserError('signing not supported for the key');
        if (fl.type === 'certificate-chain' && !supportsSigning(p.type)) {
          throw new UserError('certificate chain not supported for keys that do not support signing');
        }
        const keys: Record<string, string> = {};
        if (fl.version === undefined || fl.version === '') {
          for (const [v, entry] of [...p.keys.entries()].sort((a, b) => a[0] - b[0])) keys[String(v)] = exportKey(p, entry, fl.type, fl.format);
        } else {
          let version: number;
          if (fl.version === 'latest') version = p.latestVersion;
          else {
            const text = fl.version.replace(/^v/, '');
            if (!/^[+-]?\d{1,15}$/.test(text)) throw new UserError('invalid key version');
            version = Number(text);
          }
          if (version < p.minDecryptionVersion) throw new UserError('version for export is below minimum decryption version');
          const entry = p.keys.get(version);
          if (!entry) throw new UserError('version does not exist or cannot be found');
          keys[String(version)] = exportKey(p, entry, fl.type, fl.format);
        }
        return { data: { name: p.name, type: p.type, keys } };
      },
    },
    synopsis: 'Export named encryption or signing key',
  });

  const backup = definePath({
    pattern: `backup/(?<name>${NAME})`,
    fields: { name: f.string({ description: 'Name of the key', required: true }) },
    operations: {
      read: async (_req, fl) => ({ data: { backup: await ctx.store.backup(fl.name) } }),
    },
    synopsis: 'Backup the named key',
  });

  const restore = definePath({
    pattern: 'restore(?:/(?<name>.+))?',
    fields: {
      name: f.string({ description: 'If set, the name of the restored key.' }),
      backup: f.string({ description: "Backed up key data to be restored: the output of 'backup/'." }),
      force: f.bool({ description: 'Overwrite an existing key of the same name.', default: false }),
    },
    operations: {
      update: async (_req, fl) => {
        if (!fl.backup) throw new UserError("'backup' must be supplied");
        const name = fl.name ?? '';
        if (name.includes('/')) throw new UserError('key names cannot be paths');
        await ctx.store.restore(fl.backup, name, fl.force);
        return null;
      },
    },
    synopsis: 'Restore the named key',
  });

  return [exportPath, backup, restore];
}
