/**
 * Go's strict encoders and decoders (encoding/base64 StdEncoding, encoding/base32 StdEncoding,
 * encoding/hex), with Go's error messages. Node's own decoders silently skip bad input, which
 * would turn a malformed secret into a wrong one instead of an error.
 */

export class CorruptInputError extends Error {
  constructor(
    readonly offset: number,
    kind: 'base64' | 'base32',
  ) {
    super(`illegal ${kind} data at input byte ${offset}`);
    this.name = 'CorruptInputError';
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_MAP = new Int16Array(256).fill(-1);
for (let i = 0; i < B64.length; i++) B64_MAP[B64.charCodeAt(i)] = i;

export function base64Encode(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');
}

/** base64.StdEncoding.DecodeString: padding required, `\r` and `\n` ignored, anything else fails. */
export function base64Decode(input: string): Buffer {
  const src = Buffer.from(input, 'utf8');
  const out: number[] = [];
  let si = 0;
  const isNewline = (b: number | undefined): boolean => b === 0x0a || b === 0x0d;
  for (;;) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let done = false;
    let trailingGarbage = -1;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        throw new CorruptInputError(si - j, 'base64');
      }
      const c = src[si] as number;
      si++;
      const v = B64_MAP[c] as number;
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d) throw new CorruptInputError(si - 1, 'base64');
      // padding: the end of the data
      if (j < 2) throw new CorruptInputError(si - 1, 'base64');
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) throw new CorruptInputError(src.length, 'base64');
        if (src[si] !== 0x3d) throw new CorruptInputError(si - 1, 'base64');
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) trailingGarbage = si;
      dlen = j;
      done = true;
      break;
    }
    const val = ((dbuf[0] as number) << 18) | ((dbuf[1] as number) << 12) | ((dbuf[2] as number) << 6) | (dbuf[3] as number);
    const b0 = (val >> 16) & 0xff;
    const b1 = (val >> 8) & 0xff;
    const b2 = val & 0xff;
    if (dlen === 4) out.push(b0, b1, b2);
    else if (dlen === 3) out.push(b0, b1);
    else if (dlen === 2) out.push(b0);
    if (trailingGarbage >= 0) throw new CorruptInputError(trailingGarbage, 'base64');
    if (done) return Buffer.from(out);
  }
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B32_MAP = new Int16Array(256).fill(-1);
for (let i = 0; i < B32.length; i++) B32_MAP[B32.charCodeAt(i)] = i;

/** base32.StdEncoding.EncodeToString. */
export function base32Encode(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) {
    const chunk = bytes.subarray(i, i + 5);
    let bits = 0n;
    for (let k = 0; k < 5; k++) bits = (bits << 8n) | BigInt(chunk[k] ?? 0);
    const n = [0, 2, 4, 5, 7, 8][chunk.length] as number;
    for (let k = 0; k < 8; k++) {
      out += k < n ? B32[Number((bits >> BigInt(35 - 5 * k)) & 31n)] : '=';
    }
  }
  return out;
}

/** base32.StdEncoding.DecodeString (newlines are stripped first, as Go does). */
export function base32Decode(input: string): Buffer {
  const src = Buffer.from(input.replace(/[\r\n]/g, ''), 'utf8');
  const olen = src.length;
  const out: number[] = [];
  let pos = 0;
  let end = false;
  while (pos < olen && !end) {
    const dbuf = [0, 0, 0, 0, 0, 0, 0, 0];
    let dlen = 8;
    for (let j = 0; j < 8; ) {
      if (pos === olen) throw new CorruptInputError(olen - j, 'base32');
      const c = src[pos] as number;
      pos++;
      const remaining = olen - pos;
      if (c === 0x3d && j >= 2 && remaining < 8) {
        if (remaining + j < 7) throw new CorruptInputError(olen, 'base32');
        for (let k = 0; k < 7 - j; k++) {
          if (remaining > k && src[pos + k] !== 0x3d) throw new CorruptInputError(pos + k - 1, 'base32');
        }
        dlen = j;
        end = true;
        if (dlen === 1 || dlen === 3 || dlen === 6) throw new CorruptInputError(pos - 1, 'base32');
        break;
      }
      const v = B32_MAP[c] as number;
      if (v < 0) throw new CorruptInputError(pos - 1, 'base32');
      dbuf[j] = v;
      j++;
    }
    let bits = 0n;
    for (const v of dbuf) bits = (bits << 5n) | BigInt(v);
    const nbytes = [0, 0, 1, 0, 2, 3, 0, 4, 5][dlen] as number;
    for (let k = 0; k < nbytes; k++) out.push(Number((bits >> BigInt(32 - 8 * k)) & 0xffn));
  }
  return Buffer.from(out);
}

export function hexEncode(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('hex');
}

/** hex.DecodeString. The message never names the offending character (it is part of a secret). */
export function hexDecode(input: string): Buffer {
  const src = Buffer.from(input, 'utf8');
  const valid = (b: number | undefined): boolean =>
    b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
  for (let j = 1; j < src.length; j += 2) {
    if (!valid(src[j - 1]) || !valid(src[j])) throw new Error('encoding/hex: invalid byte');
  }
  if (src.length % 2 === 1) {
    if (!valid(src[src.length - 1])) throw new Error('encoding/hex: invalid byte');
    throw new Error('encoding/hex: odd length hex string');
  }
  return Buffer.from(input, 'hex');
}

/** Go's string(bytes): the bytes as UTF-8 text (invalid sequences become U+FFFD). */
export function bytesToString(b: Uint8Array): string {
  return Buffer.from(b).toString('utf8');
}
