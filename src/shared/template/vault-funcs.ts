/**
 * The functions of Vault's `sdk/helper/template` (username templates of the database engine
 * and others), with OpenBao's additions (`decode_base64`, `hex`, `decode_hex`, `glob`).
 * Argument order follows Go: in `{{ .Name | truncate 8 }}` the piped value comes last.
 *
 * `truncate` and `truncate_sha256` count UTF-8 bytes like Go, but never cut a character in
 * two (Go would leave a broken byte sequence): the result may then be a byte or two shorter.
 */
import { createHash, randomBytes } from 'node:crypto';
import { randomBase62 } from '../random.js';
import { base64Decode, base64Encode, bytesToString, hexDecode, hexEncode } from './encoding.js';
import { argInt, argString, withArity } from './func-args.js';
import { LOCAL, formatGoTime } from './go-time.js';
import { goReplaceAll, mapCase } from './go-strings.js';
import type { FuncMap } from './types.js';
import { sliceUtf8, utf8Length } from './values.js';
import { globMatch } from '../glob.js';

const SHA256_HASH_LEN = 8;

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function truncate(maxLen: unknown, str: unknown): string {
  const n = argInt(maxLen);
  const s = argString(str);
  if (n <= 0) throw new Error(`max length must be > 0 but was ${n}`);
  return utf8Length(s) > n ? sliceUtf8(s, 0, n) : s;
}

/** Longer than maxLen: the first maxLen-8 bytes, then 8 hex digits of the SHA-256 of the rest. */
function truncateSha256(maxLen: unknown, str: unknown): string {
  const n = argInt(maxLen);
  const s = argString(str);
  if (n <= SHA256_HASH_LEN) throw new Error(`max length must be > ${SHA256_HASH_LEN} but was ${n}`);
  if (utf8Length(s) <= n) return s;
  const head = sliceUtf8(s, 0, n - SHA256_HASH_LEN);
  const rest = sliceUtf8(s, utf8Length(head));
  return head + sha256Hex(rest).slice(0, SHA256_HASH_LEN);
}

/** hashicorp/go-uuid: 16 random bytes in 8-4-4-4-12 form (no version bits). */
function goUuid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const vaultTemplateFuncs: FuncMap = Object.freeze({
  random: withArity(1, 1, (length: unknown) => randomBase62(Math.max(0, argInt(length)))),
  truncate: withArity(2, 2, truncate),
  truncate_sha256: withArity(2, 2, truncateSha256),
  uppercase: withArity(1, 1, (s: unknown) => mapCase(argString(s), true)),
  lowercase: withArity(1, 1, (s: unknown) => mapCase(argString(s), false)),
  replace: withArity(3, 3, (find: unknown, replacement: unknown, s: unknown) =>
    goReplaceAll(argString(s), argString(find), argString(replacement)),
  ),
  sha256: withArity(1, 1, (s: unknown) => sha256Hex(argString(s))),
  base64: withArity(1, 1, (s: unknown) => base64Encode(argString(s))),
  decode_base64: withArity(1, 1, (s: unknown) => bytesToString(base64Decode(argString(s)))),
  hex: withArity(1, 1, (s: unknown) => hexEncode(argString(s))),
  decode_hex: withArity(1, 1, (s: unknown) => bytesToString(hexDecode(argString(s)))),
  unix_time: withArity(0, 0, () => String(Math.floor(Date.now() / 1000))),
  unix_time_millis: withArity(0, 0, () => String(Date.now())),
  timestamp: withArity(1, 1, (layout: unknown) => formatGoTime(new Date(), argString(layout), LOCAL)),
  uuid: withArity(0, 0, goUuid),
  glob: withArity(2, 2, (pattern: unknown, value: unknown) => glob(argString(pattern), argString(value))),
});

/** ryanuber/go-glob (OpenBao's `glob` template function). */
export const glob = globMatch;
