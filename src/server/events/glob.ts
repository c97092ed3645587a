/**
 * Vault's event-type and namespace patterns (`ryanuber/go-glob`): `*` matches any run of
 * characters, `/` included; nothing else is special.
 */
export function globMatch(pattern: string, subject: string): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === subject;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!subject.startsWith(first)) return false;
  let at = first.length;
  // Middle parts must appear in order, after the prefix and before the suffix.
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const found = subject.indexOf(part, at);
    if (found === -1) return false;
    at = found + part.length;
  }
  return subject.length - last.length >= at && subject.endsWith(last);
}
