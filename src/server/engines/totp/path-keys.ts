/**
 * `keys/:name` (POST, GET, DELETE) and `LIST keys` (Vault's `path_keys.go`).
 *
 * POST with `generate=true` makes a new random key and, when `exported` (default true),
 * returns its `url` and, unless `qr_size` is 0, a `barcode` (base64 PNG of the URL as a QR
 * code). With `generate=false` (the default) it imports a key given as `url`
 * (`otpauth://totp/…`, whose parameters override the fields) or as base32 `key`.
 * GET returns the key's settings, never the key.
 */
import { randomBytes } from 'node:crypto';
import { toBuffer } from 'qrcode';
import { UserError } from '../../../shared/errors.js';
import { type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec, definePath, f } from '../../sdk/index.js';
import { KEY_NAME_PATTERN, KEY_PREFIX, type KeyEntry, readKey, writeKey } from './key-store.js';
import { type TotpAlgorithm, TOTP_ALGORITHMS, base32Decode, base32Encode, isTotpAlgorithm } from './otp.js';
import { formatOtpauthUrl, parseOtpauthUrl } from './otpauth.js';

/**
 * Bounds Vault does not have: HMAC hashes keys longer than its block (128 bytes for
 * SHA-512) anyway, and drawing a big QR code blocks the event loop (~0.5 s at 2048 pixels).
 */
export const MAX_KEY_SIZE = 256;
export const MAX_QR_SIZE = 1024;

export const keyFields = {
  name: f.string({ description: 'Name of the key.', required: true }),
  generate: f.bool({ description: 'Generate the key here (true) or import it from "url" or "key" (false).', default: false }),
  exported: f.bool({ description: 'Return the QR code and url of a generated key.', default: true }),
  key_size: f.int({ description: 'Size in bytes of a generated key.', default: 20 }),
  key: f.string({ description: 'The shared key, base32-encoded. Only used if generate is false.' }),
  issuer: f.string({ description: "The name of the key's issuing organization. Required if generate is true." }),
  account_name: f.string({ description: 'The name of the account associated with the key. Required if generate is true.' }),
  period: f.durationSecond({ description: 'The length of the time step of the TOTP counter, in seconds.', default: 30 }),
  algorithm: f.string({ description: 'The HMAC hash: SHA1, SHA256 or SHA512.', default: 'SHA1' }),
  digits: f.int({ description: 'The number of digits of a code: 6 or 8.', default: 6 }),
  skew: f.int({ description: 'The number of periods of clock skew allowed when validating a code: 0 or 1.', default: 1 }),
  qr_size: f.int({ description: 'The pixel size of the QR code of a generated key; 0 for none.', default: 200 }),
  url: f.string({ description: 'An otpauth://totp/ URL with every parameter of the key. Only used if generate is false.' }),
};

type KeyFields = FieldValues<typeof keyFields>;

/** Reads an integer from a URL parameter the way Go's `strconv.Atoi` does. */
function urlInt(value: string, field: string): number {
  if (!/^[+-]?\d{1,15}$/.test(value)) throw new UserError(`an error occurred while parsing ${field} value in url`);
  return Number.parseInt(value, 10);
}

interface Settings {
  key: string;
  issuer: string;
  accountName: string;
  period: number;
  digits: number;
  algorithm: string;
}

/** The fields, overridden by what the `url` says (Vault reads the URL first). */
function settingsFrom(fields: KeyFields): Settings {
  const settings: Settings = {
    key: fields.key ?? '',
    issuer: fields.issuer ?? '',
    accountName: fields.account_name ?? '',
    period: fields.period,
    digits: fields.digits,
    algorithm: fields.algorithm,
  };
  const url = fields.url ?? '';
  if (url === '') return settings;
  let parsed;
  try {
    parsed = parseOtpauthUrl(url);
  } catch (err) {
    throw new UserError(`an error occurred while parsing url string: ${(err as Error).message}`);
  }
  if (parsed.issuer !== undefined) settings.issuer = parsed.issuer;
  settings.accountName = parsed.accountName;
  // As in Vault, the key comes from the URL only: an absent `secret` means no key.
  settings.key = parsed.secret ?? '';
  if (parsed.period !== undefined) settings.period = urlInt(parsed.period, 'period');
  if (parsed.digits !== undefined) settings.digits = urlInt(parsed.digits, 'digits');
  if (parsed.algorithm !== undefined) settings.algorithm = parsed.algorithm;
  return settings;
}

async function qrCode(url: string, size: number): Promise<string> {
  try {
    const png = await toBuffer(url, { type: 'png', width: size, errorCorrectionLevel: 'M' });
    return png.toString('base64');
  } catch {
    throw new UserError('the key URL does not fit in a QR code: lower key_size or set qr_size to 0');
  }
}

async function createKey(req: LogicalRequest, fields: KeyFields): Promise<LogicalResponse | null> {
  const { generate, exported } = fields;
  if (generate) {
    if ((fields.key ?? '') !== '') throw new UserError('a key should not be passed if generate is true');
    if ((fields.url ?? '') !== '') throw new UserError('a url should not be passed if generate is true');
  }
  const s = settingsFrom(fields);

  if (s.digits !== 6 && s.digits !== 8) throw new UserError('the digits value can only be 6 or 8');
  const algorithm = s.algorithm.toUpperCase();
  if (!isTotpAlgorithm(algorithm)) throw new UserError(`the algorithm value is not valid: must be one of ${TOTP_ALGORITHMS.join(', ')}`);
  if (s.period <= 0) throw new UserError('the period value must be greater than zero');
  if (!Number.isSafeInteger(s.period)) throw new UserError('the period value is too large');
  if (fields.skew !== 0 && fields.skew !== 1) throw new UserError('the skew value must be 0 or 1');
  if (fields.qr_size < 0) throw new UserError('the qr_size value must be greater than or equal to zero');
  if (fields.qr_size > MAX_QR_SIZE) throw new UserError(`the qr_size value must be at most ${MAX_QR_SIZE}`);
  if (fields.key_size <= 0) throw new UserError('the key_size value must be greater than zero');
  if (fields.key_size > MAX_KEY_SIZE) throw new UserError(`the key_size value must be at most ${MAX_KEY_SIZE}`);

  let key: string;
  let response: LogicalResponse | null = null;
  if (generate) {
    if (s.accountName === '') throw new UserError('the account_name value is required for generated keys');
    if (s.issuer === '') throw new UserError('the issuer value is required for generated keys');
    key = base32Encode(randomBytes(fields.key_size));
    if (exported) {
      const url = formatOtpauthUrl({ issuer: s.issuer, accountName: s.accountName, secret: key, period: s.period, digits: s.digits, algorithm });
      response = { data: fields.qr_size === 0 ? { url } : { barcode: await qrCode(url, fields.qr_size), url } };
    }
  } else {
    if (s.key === '') throw new UserError('the key value is required');
    let bytes: Uint8Array;
    try {
      bytes = base32Decode(s.key);
    } catch (err) {
      throw new UserError(`invalid key value: ${(err as Error).message}`);
    }
    if (bytes.length === 0) throw new UserError('the key value is required');
    // Stored canonical, so codes never depend on how the key was spelled.
    key = base32Encode(bytes);
  }

  const entry: KeyEntry = {
    key,
    issuer: s.issuer,
    account_name: s.accountName,
    period: s.period,
    algorithm: algorithm as TotpAlgorithm,
    digits: s.digits,
    skew: fields.skew,
  };
  await writeKey(req.storage, fields.name, entry);
  return response;
}

export function pathsKeys(): PathSpec<any>[] {
  return [
    definePath({
      pattern: 'keys/?',
      fields: {},
      synopsis: 'Manage the keys that can be created with this backend.',
      operations: {
        list: {
          summary: 'List the keys.',
          handler: async (req) => ({ data: { keys: await req.storage.list(KEY_PREFIX) } }),
        },
      },
    }),
    definePath({
      pattern: `keys/(?<name>${KEY_NAME_PATTERN})`,
      fields: keyFields,
      synopsis: 'Manage the keys that can be created with this backend.',
      operations: {
        update: { summary: 'Create (generate or import) a key.', handler: createKey },
        read: {
          summary: "Read a key's settings (never the key itself).",
          handler: async (req, fields) => {
            const entry = await readKey(req.storage, fields.name);
            if (entry === null) return null;
            return {
              data: {
                account_name: entry.account_name,
                algorithm: entry.algorithm,
                digits: entry.digits,
                issuer: entry.issuer,
                period: entry.period,
              },
            };
          },
        },
        delete: {
          summary: 'Delete a key.',
          handler: async (req, fields) => {
            await req.storage.delete(KEY_PREFIX + fields.name);
            return null;
          },
        },
      },
    }),
  ];
}
