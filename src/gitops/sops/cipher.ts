/**
 * The per-value cipher (sops `aes/cipher.go`): AES-256-GCM with a 32-byte IV, the 16-byte tag
 * split off, the tree path as AAD, and the `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` text
 * form. A stash remembers the IV of every value decrypted, so that re-encrypting an unchanged
 * value under the same path reproduces the same ciphertext (diff-stable files).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Comment, type Scalar } from './tree.js';
import { SopsError } from './errors.js';

export const IV_SIZE = 32;
const TAG_SIZE = 16;
const ENC_RE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A value the cipher encrypts: a non-null scalar or a comment. */
export type CipherValue = Exclude<Scalar, null> | Comment;

export interface EncryptedValue {
  readonly data: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly type: string;
}

export function isEncryptedValue(s: string): boolean {
  return ENC_RE.test(s);
}

function decodeB64(text: string, what: string): Buffer {
  if (!B64_RE.test(text)) throw new SopsError(`Error base64-decoding ${what}: illegal base64 data`);
  return Buffer.from(text, 'base64');
}

export function parseEncryptedValue(text: string): EncryptedValue {
  const m = ENC_RE.exec(text);
  if (m === null) throw new SopsError("Input string does not match sops' data format");
  return { data: decodeB64(m[1] ?? '', 'data'), iv: decodeB64(m[2] ?? '', 'iv'), tag: decodeB64(m[3] ?? '', 'tag'), type: m[4] ?? '' };
}

export function formatEncryptedValue(v: EncryptedValue): string {
  return `ENC[AES256_GCM,data:${v.data.toString('base64')},iv:${v.iv.toString('base64')},tag:${v.tag.toString('base64')},type:${v.type}]`;
}

/** Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits, never an exponent. */
export function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Object.is(n, -0)) return '-0';
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

/** Go's `strconv.ParseFloat(s, 64)` for the decimal forms (plus `Inf`/`NaN`). */
export function parseFloat64(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** Go's `strconv.ParseBool`. */
export function parseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function isInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/** The bytes sops hashes and encrypts for a value (`sops.ToBytes`). */
export function valueBytes(v: CipherValue): Buffer {
  if (v instanceof Comment) return Buffer.from(v.value, 'utf8');
  switch (typeof v) {
    case 'string':
      return Buffer.from(v, 'utf8');
    case 'bigint':
      return Buffer.from(v.toString(), 'ascii');
    case 'number':
      return Buffer.from(formatFloat(v), 'ascii');
    case 'boolean':
      return Buffer.from(v ? 'True' : 'False', 'ascii');
  }
}

function typeName(v: CipherValue): string {
  if (v instanceof Comment) return 'comment';
  switch (typeof v) {
    case 'string':
      return 'str';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
  }
}

function isEmpty(v: CipherValue | string): boolean {
  return v === '' || (v instanceof Comment && v.value === '');
}

function typedValue(type: string, bytes: Buffer): CipherValue {
  const text = bytes.toString('utf8');
  switch (type) {
    case 'str':
      return text;
    case 'int':
    case 'int64': {
      if (!/^[+-]?\d+$/.test(text)) throw new SopsError(`Could not decrypt value: invalid ${type} plaintext`);
      const n = BigInt(text);
      if (!isInt64(n)) throw new SopsError(`Could not decrypt value: ${type} plaintext out of range`);
      return n;
    }
    case 'float': {
      const n = parseFloat64(text);
      if (n === undefined) throw new SopsError('Could not decrypt value: invalid float plaintext');
      return n;
    }
    case 'bool': {
      const b = parseBool(text);
      if (b === undefined) throw new SopsError('Could not decrypt value: invalid bool plaintext');
      return b;
    }
    // `bytes` (and the newer `time`) come back as their text, like a YAML/JSON store emits them.
    case 'bytes':
    case 'time':
      return text;
    case 'comment':
      return new Comment(text);
    default:
      throw new SopsError(`Unknown datatype: ${type}`);
  }
}

/** Supplies IVs; tests pass a deterministic one to build golden vectors. */
export type IvSource = () => Buffer;

/**
 * Remembers, per (type, AAD, plaintext), the IVs seen while decrypting, in document order, and
 * hands them out in the same order when encrypting (sops keeps one IV per key, so two equal
 * values under the same path would collapse onto one ciphertext; a queue keeps both stable).
 */
export class ValueCipher {
  private readonly stash = new Map<string, Buffer[]>();
  private readonly used = new Map<string, number>();

  constructor(private readonly nextIv: IvSource = () => randomBytes(IV_SIZE)) {}

  private static stashKey(v: CipherValue, aad: string): string {
    return `${typeName(v)}\u0000${aad}\u0000${valueBytes(v).toString('base64')}`;
  }

  /** Starts a new encryption pass: stashed IVs are handed out from the first again. */
  rewind(): void {
    this.used.clear();
  }

  private stashedIv(key: string): Buffer | undefined {
    const list = this.stash.get(key);
    const i = this.used.get(key) ?? 0;
    if (list === undefined || i >= list.length) return undefined;
    this.used.set(key, i + 1);
    return list[i];
  }

  /** Encrypts a value; empty strings and empty comments stay `''` (sops does not encrypt them). */
  encrypt(plaintext: CipherValue, key: Buffer, aad: string): string {
    if (isEmpty(plaintext)) return '';
    if (key.length !== 32) throw new SopsError('the data key must be 32 bytes');
    const iv = this.stashedIv(ValueCipher.stashKey(plaintext, aad)) ?? this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_SIZE });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(valueBytes(plaintext)), cipher.final()]);
    return formatEncryptedValue({ data, iv, tag: cipher.getAuthTag(), type: typeName(plaintext) });
  }

  /** Decrypts an `ENC[…]` value (`''` stays `''`) and remembers its IV for re-encryption. */
  decrypt(ciphertext: string, key: Buffer, aad: string): CipherValue {
    if (ciphertext === '') return '';
    const v = parseEncryptedValue(ciphertext);
    if (v.tag.length !== TAG_SIZE || v.iv.length === 0) throw new SopsError('Could not decrypt with AES_GCM: malformed value');
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, v.iv, { authTagLength: TAG_SIZE });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(v.tag);
      plain = Buffer.concat([decipher.update(v.data), decipher.final()]);
    } catch {
      throw new SopsError('Could not decrypt with AES_GCM: cipher: message authentication failed');
    }
    const value = typedValue(v.type, plain);
    const k = ValueCipher.stashKey(value, aad);
    const list = this.stash.get(k);
    if (list === undefined) this.stash.set(k, [v.iv]);
    else list.push(v.iv);
    return value;
  }
}
