/** `encrypt/:name`, `decrypt/:name`, `rewrap/:name` and `datakey/:type/:name`. */
import { randomBytes } from 'node:crypto';
import { InternalError, UserError } from '../../../shared/errors.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { decodeStd, encodeStd } from './b64.js';
import { batchStatusResponse, decodeCryptItems, itemError, newTally, type CryptItem } from './batch.js';
import { decodeContext, NAME, type TransitContext } from './context.js';
import { decrypt, encrypt, nonceAllowed } from './encryption.js';
import { supportsAssociatedData, type KeyTypeName } from './key-types.js';
import { readKeysConfig, validateNewKey } from './path-keys.js';
import type { Policy } from './policy.js';

const NAME_FIELD = f.string({ description: 'Name of the key', required: true });
const BATCH_FIELD = f.any({ description: 'A list of items to process in one request; results keep the input order.' });
const PARTIAL_FIELD = f.int({
  description: 'HTTP status to answer instead of 400 when some batch items failed and others succeeded.',
});

interface DecodedItem {
  item: CryptItem;
  context?: Buffer | undefined;
  nonce?: Buffer | undefined;
  error?: string | undefined;
}

/** The batch items of a request, or the single-item form built from top-level fields. */
function batchItems(req: LogicalRequest, single: () => CryptItem, require: 'plaintext' | 'ciphertext' | null): { items: CryptItem[]; batch: boolean } {
  const raw = req.data['batch_input'];
  if (raw === undefined || raw === null) return { items: [single()], batch: false };
  const items = decodeCryptItems(raw, require);
  if (items.length === 0) throw new UserError('missing batch input to process');
  return { items, batch: true };
}

function emptyItem(over: Partial<CryptItem>): CryptItem {
  return { context: '', plaintext: '', plaintextSet: false, ciphertext: '', nonce: '', keyVersion: 0, associatedData: '', reference: '', ...over };
}

/** Shared pre-policy checks: the context rule, then per-item base64 decoding. */
function decodeItems(items: CryptItem[], checkPlaintext: boolean, requireCiphertext: boolean): DecodedItem[] {
  const contextSet = (items[0]?.context ?? '') !== '';
  return items.map((item) => {
    if ((item.context === '') === contextSet) {
      throw new UserError('context should be set either in all the request blocks or in none');
    }
    const out: DecodedItem = { item };
    try {
      if (requireCiphertext && item.ciphertext === '') throw new UserError('missing ciphertext to decrypt');
      if (checkPlaintext) decodeStd(item.plaintext);
      if (item.context !== '') out.context = decodeStd(item.context);
      if (item.nonce !== '') out.nonce = decodeStd(item.nonce);
    } catch (err) {
      out.error = itemError(err).message;
    }
    return out;
  });
}

function associatedData(p: Policy, item: CryptItem, index: number): Buffer | undefined {
  if (item.associatedData === '') return undefined;
  if (!supportsAssociatedData(p.type)) throw new UserError(`'[${index}].associated_data' provided for non-AEAD cipher suite ${p.type}`);
  try {
    return decodeStd(item.associatedData);
  } catch (err) {
    throw new UserError(`unable to get associated_data/additional_data from factory[0]: ${(err as Error).message}`);
  }
}

/** Key types encrypt may create on first use (Vault's upsert list). */
function upsertType(type: string): KeyTypeName {
  if (type === 'aes128-gcm96' || type === 'aes256-gcm96' || type === 'chacha20-poly1305' || type === 'rsa-2048' || type === 'rsa-3072' || type === 'rsa-4096') {
    return type;
  }
  if (type === 'ecdsa-p256' || type === 'ecdsa-p384' || type === 'ecdsa-p521') throw new UserError(`key type ${type} not supported for this operation`);
  throw new UserError(`unknown key type ${type}`);
}

const ENCRYPT_FIELDS = {
  name: NAME_FIELD,
  plaintext: f.string({ description: 'Base64 encoded plaintext value to be encrypted' }),
  context: f.string({ description: 'Base64 encoded context for key derivation. Required if key derivation is enabled' }),
  nonce: f.string({ description: 'Base64 nonce; only for keys made with convergent encryption version 1 (deprecated).' }),
  type: f.string({ description: 'Type of the key to create on first use (aes256-gcm96 by default).', default: 'aes256-gcm96' }),
  convergent_encryption: f.bool({ description: 'On first use: create a convergent key (requires a context).', default: false }),
  key_version: f.int({ description: 'Key version to encrypt with (0 = latest).', default: 0 }),
  associated_data: f.string({ description: 'Base64 associated data authenticated with AEAD ciphers.' }),
  partial_failure_response_code: PARTIAL_FIELD,
  batch_input: BATCH_FIELD,
};

type EncryptFields = FieldValues<typeof ENCRYPT_FIELDS>;

export function pathsCrypt(ctx: TransitContext): PathSpec<any>[] {
  const encryptPath = definePath({
    pattern: `encrypt/(?<name>${NAME})`,
    fields: ENCRYPT_FIELDS,
    existenceCheck: async (_req, fl) => (await ctx.store.get(fl.name)) !== null,
    operations: {
      create: async (req, fl) => encryptHandler(ctx, req, fl),
      update: async (req, fl) => encryptHandler(ctx, req, fl),
    },
    synopsis: 'Encrypt a plaintext value or a batch of plaintext blocks using a named key',
  });


  async function encryptHandler(context: TransitContext, req: LogicalRequest, fl: EncryptFields): Promise<LogicalResponse> {
    const { items, batch } = batchItems(
      req,
      () => {
        if (fl.plaintext === undefined) throw new UserError('missing plaintext to encrypt');
        return emptyItem({
          plaintext: fl.plaintext,
          plaintextSet: true,
          context: fl.context ?? '',
          nonce: fl.nonce ?? '',
          keyVersion: fl.key_version,
          associatedData: fl.associated_data ?? '',
        });
      },
      'plaintext',
    );
    const decoded = decodeItems(items, true, false);
    const contextSet = (items[0]?.context ?? '') !== '';

    let p: Policy | null;
    let created = false;
    if (req.operation === 'create') {
      if (fl.convergent_encryption && !contextSet) {
        throw new UserError('convergent encryption requires derivation to be enabled, so context is required');
      }
      const type = upsertType(fl.type);
      if ((await readKeysConfig(req.storage)).disable_upsert) {
        p = await context.store.get(fl.name);
      } else {
        const derived = contextSet;
        validateNewKey(type, derived, fl.convergent_encryption);
        const result = await context.store.upsert({
          name: fl.name,
          type,
          derived,
          convergent: fl.convergent_encryption,
          exportable: false,
          allowPlaintextBackup: false,
          autoRotatePeriodSec: 0,
          keySize: 0,
        });
        p = result.policy;
        created = result.created;
      }
    } else {
      p = await context.store.get(fl.name);
    }
    if (!p) throw new UserError('encryption key not found');
    const policy = p;

    const tally = newTally();
    let firstInternal: string | undefined;
    const results = decoded.map((d, i) => {
      let out: { ciphertext?: string; key_version?: number; error?: string };
      if (d.error !== undefined) {
        tally.userError = true;
        out = { error: d.error };
      } else {
        try {
          if (d.item.nonce !== '' && !nonceAllowed(policy)) throw new UserError('provided nonce not allowed for this key');
          const aad = associatedData(policy, d.item, i);
          const r = encrypt(policy, { version: d.item.keyVersion, plaintext: d.item.plaintext, context: d.context, nonce: d.nonce, associatedData: aad });
          tally.success = true;
          out = { ciphertext: r.ciphertext, key_version: r.version };
        } catch (err) {
          const e = itemError(err);
          if (e.user) tally.userError = true;
          else {
            tally.internalError = true;
            firstInternal ??= e.message;
          }
          out = { error: e.message };
        }
      }
      return { ...out, reference: d.item.reference };
    });

    const warnings = req.operation === 'create' && !created ? ['Attempted creation of the key during the encrypt operation, but it was created beforehand'] : [];
    if (!batch) {
      const only = results[0];
      if (only?.error !== undefined) throw tally.internalError ? new InternalError(firstInternal) : new UserError(only.error);
      return { data: { ciphertext: only?.ciphertext, key_version: only?.key_version }, ...(warnings.length ? { warnings } : {}) };
    }
    return batchStatusResponse({ batch_results: results }, tally, fl.partial_failure_response_code, warnings);
  }

  const decryptPath = definePath({
    pattern: `decrypt/(?<name>${NAME})`,
    fields: {
      name: NAME_FIELD,
      ciphertext: f.string({ description: 'The ciphertext to decrypt, as returned by encrypt.' }),
      context: f.string({ description: 'Base64 encoded context for key derivation. Required if key derivation is enabled.' }),
      nonce: f.string({ description: 'Base64 nonce of a convergent version 1 ciphertext (deprecated).' }),
      associated_data: f.string({ description: 'Base64 associated data given at encryption.' }),
      partial_failure_response_code: PARTIAL_FIELD,
      batch_input: BATCH_FIELD,
    },
    operations: {
      update: async (req, fl) => {
        const { items, batch } = batchItems(
          req,
          () => {
            if (!fl.ciphertext) throw new UserError('missing ciphertext to decrypt');
            return emptyItem({ ciphertext: fl.ciphertext, context: fl.context ?? '', nonce: fl.nonce ?? '', associatedData: fl.associated_data ?? '' });
          },
          'ciphertext',
        );
        const decoded = decodeItems(items, false, true);
        const p = await ctx.store.get(fl.name);
        if (!p) throw new UserError('encryption key not found');

        const tally = newTally();
        let firstInternal: string | undefined;
        const results = decoded.map((d, i) => {
          let out: { plaintext: string; error?: string } = { plaintext: '' };
          if (d.error !== undefined) {
            tally.userError = true;
            out = { plaintext: '', error: d.error };
          } else {
            try {
              const aad = associatedData(p, d.item, i);
              out = { plaintext: decrypt(p, { ciphertext: d.item.ciphertext, context: d.context, nonce: d.nonce, associatedData: aad }) };
              tally.success = true;
            } catch (err) {
              const e = itemError(err);
              if (e.user) tally.userError = true;
              else {
                tally.internalError = true;
                firstInternal ??= e.message;
              }
              out = { plaintext: '', error: e.message };
            }
          }
          return { ...out, reference: d.item.reference };
        });
        if (!batch) {
          const only = results[0];
          if (only?.error !== undefined) throw tally.internalError ? new InternalError(firstInternal) : new UserError(only.error);
          return { data: { plaintext: only?.plaintext } };
        }
        return batchStatusResponse({ batch_results: results }, tally, fl.partial_failure_response_code);
      },
    },
    synopsis: 'Decrypt a ciphertext value using a named key',
  });

  const rewrapPath = definePath({
    pattern: `rewrap/(?<name>${NAME})`,
    fields: {
      name: NAME_FIELD,
      ciphertext: f.string({ description: 'Ciphertext value to rewrap' }),
      context: f.string({ description: 'Base64 encoded context for key derivation. Required for derived keys.' }),
      nonce: f.string({ description: 'Nonce for convergent version 1 keys (deprecated).' }),
      key_version: f.int({ description: 'Key version to re-encrypt with (0 = latest).', default: 0 }),
      batch_input: BATCH_FIELD,
    },
    operations: {
      update: async (req, fl) => {
        const { items, batch } = batchItems(
          req,
          () => {
            if (!fl.ciphertext) throw new UserError('missing ciphertext to decrypt');
            return emptyItem({ ciphertext: fl.ciphertext, context: fl.context ?? '', nonce: fl.nonce ?? '', keyVersion: fl.key_version });
          },
          null,
        );
        const decoded = decodeItems(items, false, true);
        const p = await ctx.store.get(fl.name);
        if (!p) throw new UserError('encryption key not found');
        const results = decoded.map((d) => {
          let out: { ciphertext?: string; key_version?: number; error?: string };
          if (d.error !== undefined) {
            out = { error: d.error };
          } else {
            try {
              if (d.item.nonce !== '' && !nonceAllowed(p)) throw new UserError('provided nonce not allowed for this key');
              const plaintext = decrypt(p, { ciphertext: d.item.ciphertext, context: d.context, nonce: d.nonce });
              const r = encrypt(p, { version: d.item.keyVersion, plaintext, context: d.context, nonce: d.nonce });
              out = { ciphertext: r.ciphertext, key_version: r.version };
            } catch (err) {
              if (!(err instanceof UserError)) throw err;
              out = { error: err.message };
            }
          }
          return { ...out, reference: d.item.reference };
        });
        if (!batch) {
          const only = results[0];
          if (only?.error !== undefined) throw new UserError(only.error);
          return { data: { ciphertext: only?.ciphertext, key_version: only?.key_version } };
        }
        return { data: { batch_results: results } };
      },
    },
    synopsis: 'Rewrap ciphertext',
    description: 'Re-encrypts ciphertext with the latest (or the given) version of the key without revealing the plaintext.',
  });

  const datakeyPath = definePath({
    pattern: `datakey/(?<plaintext>${NAME})/(?<name>${NAME})`,
    fields: {
      plaintext: f.string({ description: '"plaintext" returns the key in plaintext and wrapped; "wrapped" only wrapped.', required: true }),
      name: NAME_FIELD,
      context: f.string({ description: 'Base64 context for key derivation. Required for derived keys.' }),
      bits: f.int({ description: 'Number of bits of the data key: 128, 256 (default) or 512.', default: 256 }),
      key_version: f.int({ description: 'Key version to wrap the data key with (0 = latest).', default: 0 }),
      associated_data: f.string({ description: 'Base64 associated data authenticated with AEAD ciphers.' }),
    },
    operations: {
      update: async (_req, fl) => {
        if (fl.plaintext !== 'plaintext' && fl.plaintext !== 'wrapped') throw new UserError("Invalid path, must be 'plaintext' or 'wrapped'");
        const context = decodeContext(fl.context);
        const p = await ctx.store.get(fl.name);
        if (!p) throw new UserError('encryption key not found');
        const sizes: Record<number, number> = { 128: 16, 256: 32, 512: 64 };
        const size = sizes[fl.bits];
        if (size === undefined) throw new UserError('invalid bit length');
        let aad: Buffer | undefined;
        if (fl.associated_data) {
          if (!supportsAssociatedData(p.type)) throw new UserError(`'associated_data' provided for non-AEAD cipher suite ${p.type}`);
          aad = decodeStd(fl.associated_data);
        }
        const key = randomBytes(size);
        const r = encrypt(p, { version: fl.key_version, plaintext: encodeStd(key), context, associatedData: aad });
        return {
          data: {
            ciphertext: r.ciphertext,
            key_version: r.version,
            ...(fl.plaintext === 'plaintext' ? { plaintext: encodeStd(key) } : {}),
          },
        };
      },
    },
    synopsis: 'Generate a data key',
  });

  return [encryptPath, decryptPath, rewrapPath, datakeyPath];
}
