/**
 * Key helpers shared by the implementations, so every backend lists the same way.
 */

/**
 * Orders keys by Unicode code point, which is the byte order of their UTF-8 form: the order
 * SQLite (BINARY collation), PostgreSQL (`COLLATE "C"`) and Vault (Go's `sort.Strings`) use.
 * JavaScript's default sort compares UTF-16 code units, which puts astral characters (emoji)
 * before U+E000–U+FFFF, so it would disagree with the databases.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (0xD800–0xDFFF) above 0xE000–0xFFFF, so code units compare like code points. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/**
 * The direct child of `prefix` that `key` belongs to: a leaf name, a folder name ending in `/`,
 * or null when `key` is not below `prefix` (or is `prefix` itself).
 */
export function childOf(prefix: string, key: string): string | null {
  if (!key.startsWith(prefix) || key.length === prefix.length) return null;
  const slash = key.indexOf('/', prefix.length);
  return slash === -1 ? key.slice(prefix.length) : key.slice(prefix.length, slash + 1);
}
