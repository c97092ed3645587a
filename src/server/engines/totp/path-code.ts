/**
 * `code/:name` (Vault's `path_code.go`): GET returns the current code, POST `{code}`
 * validates one, within the key's skew. A code submitted once cannot be submitted again
 * while it could still be valid ("code already used; wait until the next time period"),
 * whether or not it was valid, as in Vault.
 */
import { UserError } from '../../../shared/errors.js';
import { type PathSpec, definePath, f } from '../../sdk/index.js';
import { KEY_NAME_PATTERN, type KeyEntry, type UsedCodes, readKey } from './key-store.js';
import { base32Decode, totp, validateTotp } from './otp.js';

export interface CodeContext {
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly usedCodes: UsedCodes;
}

async function keyOrFail(storage: Parameters<typeof readKey>[0], name: string): Promise<KeyEntry> {
  const entry = await readKey(storage, name);
  if (entry === null) throw new UserError(`unknown key: ${name}`);
  return entry;
}

export function pathCode(ctx: CodeContext): PathSpec<any> {
  return definePath({
    pattern: `code/(?<name>${KEY_NAME_PATTERN})`,
    fields: {
      name: f.string({ description: 'Name of the key.', required: true }),
      code: f.string({ description: 'TOTP code to be validated.' }),
    },
    synopsis: 'Request a time-based one-time password or validate one for a key.',
    operations: {
      read: {
        summary: 'Generate the current code of a key.',
        handler: async (req, fields) => {
          const entry = await keyOrFail(req.storage, fields.name);
          return { data: { code: totp(base32Decode(entry.key), Math.floor(ctx.now() / 1000), entry) } };
        },
      },
      update: {
        summary: 'Validate a code.',
        handler: async (req, fields) => {
          const code = (fields.code ?? '').trim();
          if (code === '') throw new UserError('the code value is required');
          const entry = await keyOrFail(req.storage, fields.name);
          // Claimed before anything else is awaited, so a concurrent replay sees it.
          const ttlMs = entry.period * (2 + entry.skew) * 1000;
          if (!ctx.usedCodes.claim(fields.name, code, ttlMs)) throw new UserError('code already used; wait until the next time period');
          const valid = validateTotp(code, base32Decode(entry.key), Math.floor(ctx.now() / 1000), entry);
          return { data: { valid } };
        },
      },
    },
  });
}
