/**
 * `batch_input` decoding and the status rules of batch responses.
 *
 * Vault's rule (encrypt, decrypt): when any item failed because of its input the response is
 * a 400 carrying the full body (every item, each with its own `error`); a 500 when only
 * internal errors occurred; `partial_failure_response_code` replaces that status when at
 * least one item succeeded. Rewrap, sign, verify and hmac answer 200 with per-item errors.
 */
import { AppError, UserError } from '../../../shared/errors.js';
import type { LogicalResponse } from '../../sdk/index.js';

export interface BatchTally {
  success: boolean;
  userError: boolean;
  internalError: boolean;
}

export function newTally(): BatchTally {
  return { success: false, userError: false, internalError: false };
}

/** The item error text and its kind; unexpected errors reveal nothing. */
export function itemError(err: unknown): { message: string; user: boolean } {
  if (err instanceof UserError) return { message: err.message, user: true };
  if (err instanceof AppError) return { message: err.message, user: false };
  return { message: 'internal error', user: false };
}

export function batchStatusResponse(
  data: Record<string, unknown>,
  tally: BatchTally,
  partialFailureCode: number | undefined,
  warnings: string[] = [],
): LogicalResponse {
  const resp: LogicalResponse = { data };
  if (tally.userError || tally.internalError) {
    let code = tally.userError ? 400 : 500;
    if (partialFailureCode !== undefined && tally.success) {
      if (partialFailureCode < 1 || partialFailureCode > 599) {
        warnings.push(`invalid HTTP response code override from partial_failure_response_code, reverting to ${code}`);
      } else {
        code = partialFailureCode;
      }
    }
    resp.httpStatus = code;
  }
  if (warnings.length > 0) resp.warnings = warnings;
  return resp;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'json.Number' : 'float64';
    case 'boolean':
      return 'bool';
    case 'object':
      return 'map[string]interface {}';
    default:
      return typeof v;
  }
}

/** The list itself; anything but a list is refused as Vault's decoder does. */
export function batchList(raw: unknown): Record<string, unknown>[] {
  if (!Array.isArray(raw)) throw new UserError(`failed to parse batch input: source data must be an array or slice, got ${typeName(raw)}`);
  return raw.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new UserError(`failed to parse batch input: [${i}] expected a map, got '${typeName(item)}'`);
    }
    return item as Record<string, unknown>;
  });
}

/** An encrypt/decrypt/rewrap item (Vault's `BatchRequestItem`). */
export interface CryptItem {
  context: string;
  plaintext: string;
  plaintextSet: boolean;
  ciphertext: string;
  nonce: string;
  keyVersion: number;
  associatedData: string;
  reference: string;
}

/** Vault's `decodeBatchRequestItems`: typed fields; every type error is reported at once. */
export function decodeCryptItems(raw: unknown, require: 'plaintext' | 'ciphertext' | null): CryptItem[] {
  const errors: string[] = [];
  const items = batchList(raw).map((item, i) => {
    const str = (field: string, nullable = true): string => {
      const v = item[field];
      if (v === undefined || (nullable && v === null)) return '';
      if (typeof v === 'string') return v;
      errors.push(`'[${i}].${field}' expected type 'string', got unconvertible type '${typeName(v)}'`);
      return '';
    };
    let keyVersion = 0;
    const kv = item['key_version'];
    if (typeof kv === 'number' && Number.isInteger(kv)) keyVersion = kv;
    else if (typeof kv === 'string' && /^[+-]?\d+$/.test(kv)) keyVersion = Number(kv);
    else if (kv !== undefined && kv !== null) errors.push(`'[${i}].key_version' expected type 'int', got unconvertible type '${typeName(kv)}'`);
    const plaintextSet = Object.prototype.hasOwnProperty.call(item, 'plaintext');
    if (require === 'plaintext' && !plaintextSet) errors.push(`'[${i}].plaintext' missing plaintext to encrypt`);
    if (require === 'ciphertext' && !Object.prototype.hasOwnProperty.call(item, 'ciphertext')) {
      errors.push(`'[${i}].ciphertext' missing ciphertext to decrypt`);
    }
    return {
      context: str('context'),
      // Vault does not accept null for the plaintext.
      plaintext: str('plaintext', false),
      plaintextSet,
      ciphertext: str('ciphertext'),
      nonce: str('nonce'),
      keyVersion,
      associatedData: str('associated_data'),
      reference: str('reference'),
    };
  });
  if (errors.length > 0) throw new UserError(`failed to parse batch input: ${errors.join('\n')}`);
  return items;
}

/** A sign/verify/hmac item: string values only, absent keys stay absent. */
export function decodeStringItems(raw: unknown): Map<string, string>[] {
  return batchList(raw).map((item, i) => {
    const out = new Map<string, string>();
    for (const [k, v] of Object.entries(item)) {
      if (v === null || v === undefined) continue;
      if (typeof v === 'string') out.set(k, v);
      else if (typeof v === 'number' || typeof v === 'boolean') out.set(k, String(v));
      else throw new UserError(`failed to parse batch input: '[${i}][${k}]' expected type 'string', got unconvertible type '${typeName(v)}'`);
    }
    return out;
  });
}
