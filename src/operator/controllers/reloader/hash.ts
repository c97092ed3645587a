/**
 * The content hash Stakater Reloader writes into workloads (`internal/pkg/util/util.go`
 * `GetSHAfromSecret` / `GetSHAfromConfigmap`, `internal/pkg/crypto/sha.go` `GenerateSHA`),
 * reproduced byte for byte so a cluster can move from Reloader to Coffer (or run both during
 * the switch) without a rollout caused by a different hash of the same data.
 *
 * - Secret: one `key=value` entry per key with the value's raw bytes (not base64).
 * - ConfigMap: `key=value` for `data`, `key=base64(value)` (standard, padded) for `binaryData`.
 * - Entries sorted as Go's `sort.Strings` does (byte-wise), joined with `;`, hashed, hex.
 *
 * Reloader used SHA-1 up to 2025; releases since stakater/Reloader#1073 (January 2026) use
 * SHA-512/256 over the same string. Both are offered; SHA-1 is the default.
 */
import { createHash } from 'node:crypto';

export type ReloaderHashAlgorithm = 'sha1' | 'sha512-256';

export const HASH_ALGORITHMS: readonly ReloaderHashAlgorithm[] = ['sha1', 'sha512-256'];

/** `crypto.GenerateSHA`: the hex digest of `input`'s bytes. */
export function generateSha(input: string | Buffer, algorithm: ReloaderHashAlgorithm = 'sha1'): string {
  return createHash(algorithm).update(input).digest('hex');
}

/**
 * `sort.Strings` + `strings.Join(values, ";")` over byte strings. Entries stay Buffers: a
 * Secret value need not be UTF-8, and JavaScript's string order (UTF-16 code units) differs
 * from Go's byte order above U+FFFF.
 */
function joinSorted(entries: Buffer[]): Buffer {
  const sorted = [...entries].sort(Buffer.compare);
  const parts: Buffer[] = [];
  sorted.forEach((entry, i) => {
    if (i > 0) parts.push(SEMICOLON);
    parts.push(entry);
  });
  return Buffer.concat(parts);
}

const SEMICOLON = Buffer.from(';');
const EQUALS = Buffer.from('=');

function entry(key: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from(key, 'utf8'), EQUALS, value]);
}

/** The hash of a Secret's `data` as the API returns it (values base64-encoded). */
export function secretHash(data: Readonly<Record<string, string>> | undefined, algorithm: ReloaderHashAlgorithm = 'sha1'): string {
  const entries = Object.entries(data ?? {}).map(([k, v]) => entry(k, Buffer.from(v, 'base64')));
  return generateSha(joinSorted(entries), algorithm);
}

/** The hash of a ConfigMap's `data` and `binaryData` (the latter base64-encoded, as the API returns it). */
export function configMapHash(
  data: Readonly<Record<string, string>> | undefined,
  binaryData: Readonly<Record<string, string>> | undefined,
  algorithm: ReloaderHashAlgorithm = 'sha1',
): string {
  const entries = [
    ...Object.entries(data ?? {}).map(([k, v]) => entry(k, Buffer.from(v, 'utf8'))),
    // Go decodes binaryData and re-encodes it with StdEncoding: normalise the same way.
    ...Object.entries(binaryData ?? {}).map(([k, v]) => entry(k, Buffer.from(Buffer.from(v, 'base64').toString('base64'), 'utf8'))),
  ];
  return generateSha(joinSorted(entries), algorithm);
}

/** What Reloader hashes for a deleted resource (`--reload-on-delete` with the annotations strategy). */
export function emptyHash(algorithm: ReloaderHashAlgorithm = 'sha1'): string {
  return generateSha('', algorithm);
}
