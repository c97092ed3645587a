/**
 * Go's `encoding/base64` decoding rules, which decide what Vault accepts and the error it
 * names: Node's `Buffer.from(s, 'base64')` silently skips garbage, Go refuses it with
 * "illegal base64 data at input byte N".
 */
import { UserError } from '../../../shared/errors.js';

const STD = /^[A-Za-z0-9+/]*$/;
const URL = /^[A-Za-z0-9\-_]*$/;

/** Thrown for malformed base64; the message is Go's `CorruptInputError` text. */
export class Base64Error extends UserError {
  constructor(offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

/** Standard alphabet with `=` padding (Go's `base64.StdEncoding.DecodeString`; CR/LF are ignored as in Go). */
export function decodeStd(input: string): Buffer {
  const s = input.includes('\n') || input.includes('\r') ? input.replace(/[\r\n]/g, '') : input;
  const firstPad = s.indexOf('=');
  const body = firstPad === -1 ? s : s.slice(0, firstPad);
  if (!STD.test(body)) throw new Base64Error(firstIllegal(body, STD_CHARS));
  if (firstPad !== -1) {
    const pad = s.slice(firstPad);
    // Padding completes the last quantum: one or two `=`, nothing after them.
    if (!/^={1,2}$/.test(pad) || s.length % 4 !== 0 || (pad.length === 2 && body.length % 4 !== 2) || (pad.length === 1 && body.length % 4 !== 3)) {
      throw new Base64Error(firstPad);
    }
  } else if (s.length % 4 !== 0) {
    throw new Base64Error(s.length - (s.length % 4));
  }
  return Buffer.from(s, 'base64');
}

/** URL-safe alphabet without padding (Go's `base64.RawURLEncoding`), used by JWS signatures. */
export function decodeRawUrl(s: string): Buffer {
  if (!URL.test(s)) throw new Base64Error(firstIllegal(s, URL_CHARS));
  if (s.length % 4 === 1) throw new Base64Error(s.length - 1);
  return Buffer.from(s, 'base64url');
}

export function encodeStd(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function encodeRawUrl(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

const STD_CHARS = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const URL_CHARS = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

function firstIllegal(s: string, alphabet: Set<string>): number {
  for (let i = 0; i < s.length; i++) if (!alphabet.has(s[i] ?? '')) return i;
  return s.length;
}
