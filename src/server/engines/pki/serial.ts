/**
 * Certificate serial numbers as Vault has them: a random positive integer below 2^159,
 * shown as lowercase colon-separated hex bytes (`39:dd:2e:…`) and stored with dashes.
 */
import { randomBytes } from 'node:crypto';
import { UserError } from '../../../shared/errors.js';

/**
 * A fresh serial as even-length hex (no separators). Always 20 bytes with a first byte in
 * 0x01–0x7f: positive in DER without a padding byte, so the shown form has no leading zeros.
 */
export function newSerialHex(): string {
  for (;;) {
    const bytes = randomBytes(20);
    const first = (bytes[0] ?? 0) & 0x7f;
    if (first === 0) continue;
    bytes[0] = first;
    return bytes.toString('hex');
  }
}

/** Hex (any case, any of `:`/`-` separators or none) to Vault's `xx:xx:…` form, leading zero bytes dropped. */
export function formatSerial(hex: string): string {
  let clean = hex.replace(/[:-]/g, '').toLowerCase();
  if (clean.length % 2 === 1) clean = `0${clean}`;
  while (clean.length > 2 && clean.startsWith('00')) clean = clean.slice(2);
  return clean.match(/../g)?.join(':') ?? clean;
}

/**
 * A serial from a request (`serial_number`, `cert/:serial`) in the colon form; `UserError`
 * when it is not hex.
 */
export function parseSerial(input: string): string {
  const trimmed = input.trim();
  if (trimmed === '' || !/^[0-9a-fA-F]+(?:[:-][0-9a-fA-F]+)*$/.test(trimmed)) {
    throw new UserError(`invalid serial number "${input}": expected hex bytes separated by ':' or '-'`);
  }
  const parts = trimmed.split(/[:-]/);
  // Each separated part is a byte; pad single digits (`1:a` is `01:0a`).
  const hex = parts.length > 1 ? parts.map((p) => p.padStart(2, '0')).join('') : trimmed;
  return formatSerial(hex);
}

/** The storage form: dashes instead of colons. */
export function storageSerial(colonSerial: string): string {
  return colonSerial.replace(/:/g, '-');
}
