/** Go's `strings` functions where JavaScript's differ (rune-wise case mapping, Unicode spaces, Split). */

const WHITE_SPACE = /^\p{White_Space}$/u;
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;

/** unicode.IsSpace. */
export function isGoSpace(ch: string): boolean {
  return WHITE_SPACE.test(ch);
}

/** strings.ToUpper / ToLower: each rune maps to one rune (JavaScript maps 'ß' to "SS"). */
export function mapCase(s: string, upper: boolean): string {
  let out = '';
  for (const ch of s) {
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += Array.from(mapped).length === 1 ? mapped : ch;
  }
  return out;
}

export function isUpperRune(ch: string): boolean {
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

export function isLowerRune(ch: string): boolean {
  return ch !== ch.toUpperCase() && ch === ch.toLowerCase();
}

/** strings.ReplaceAll, including its rule for an empty `old` (insert around every rune). */
export function goReplaceAll(s: string, old: string, replacement: string): string {
  if (old === '') return replacement + Array.from(s).join(replacement) + (s === '' ? '' : replacement);
  return s.split(old).join(replacement);
}

/** strings.TrimSpace. */
export function trimSpace(s: string): string {
  const chars = Array.from(s);
  let from = 0;
  let to = chars.length;
  while (from < to && isGoSpace(chars[from] as string)) from++;
  while (to > from && isGoSpace(chars[to - 1] as string)) to--;
  return chars.slice(from, to).join('');
}

/** strings.Trim / TrimLeft / TrimRight with a cutset of runes. */
export function trimCutset(s: string, cutset: string, left = true, right = true): string {
  const cut = new Set(Array.from(cutset));
  const chars = Array.from(s);
  let from = 0;
  let to = chars.length;
  if (left) while (from < to && cut.has(chars[from] as string)) from++;
  if (right) while (to > from && cut.has(chars[to - 1] as string)) to--;
  return chars.slice(from, to).join('');
}

function isSeparator(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  if (cp <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  if (LETTER_OR_DIGIT.test(ch)) return false;
  return isGoSpace(ch);
}

/** strings.Title: upper-case the first letter of each word. */
export function goTitle(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? mapCase(ch, true) : ch;
    prev = ch;
  }
  return out;
}

/** strings.SplitN (n < 0: all parts; n == 0: none; an empty separator splits into runes). */
export function goSplitN(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const chars = Array.from(s);
    if (n < 0 || n >= chars.length) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}
