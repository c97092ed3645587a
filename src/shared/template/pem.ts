/**
 * PEM blocks (Go's encoding/pem) for ESO's `filterPEM`: decode every block, keep the ones of a
 * type, and encode them again (64-column base64, headers kept).
 */

export interface PemBlock {
  readonly type: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly bytes: Buffer;
}

const BEGIN = '-----BEGIN ';

/** pem.Decode: the first block in `data` and the text after it, or no block. */
export function decodePem(data: string): { block: PemBlock | undefined; rest: string } {
  let rest = data;
  for (;;) {
    const start = rest.startsWith(BEGIN) ? 0 : rest.indexOf(`\n${BEGIN}`);
    if (start < 0) return { block: undefined, rest: data };
    rest = rest.slice(start === 0 ? 0 : start + 1);
    const typeEnd = rest.indexOf('\n');
    const typeLine = (typeEnd < 0 ? rest : rest.slice(0, typeEnd)).replace(/\r$/, '');
    if (!typeLine.endsWith('-----') || typeLine.length < BEGIN.length + 5) {
      rest = rest.slice(BEGIN.length);
      continue;
    }
    const type = typeLine.slice(BEGIN.length, -5);
    const endMarker = `-----END ${type}-----`;
    const afterType = typeEnd < 0 ? '' : rest.slice(typeEnd + 1);
    const endIndex = afterType.indexOf(endMarker);
    if (endIndex < 0) {
      rest = rest.slice(BEGIN.length);
      continue;
    }
    const body = afterType.slice(0, endIndex);
    let after = afterType.slice(endIndex + endMarker.length);
    after = after.replace(/^[ \t]*\r?\n?/, '');
    const lines = body.split(/\r?\n/);
    const headers: [string, string][] = [];
    let i = 0;
    if ((lines[0] ?? '').includes(':')) {
      while (i < lines.length && (lines[i] as string).trim() !== '') {
        const line = lines[i] as string;
        const colon = line.indexOf(':');
        if (colon < 0) break;
        headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
        i++;
      }
      i++; // the blank line after the headers
    }
    const b64 = lines.slice(i).join('').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      rest = rest.slice(BEGIN.length);
      continue;
    }
    return { block: { type, headers, bytes: Buffer.from(b64, 'base64') }, rest: after };
  }
}

/** pem.Encode. */
export function encodePem(block: PemBlock): string {
  let out = `-----BEGIN ${block.type}-----\n`;
  if (block.headers.length > 0) {
    const procType = block.headers.filter(([k]) => k === 'Proc-Type');
    const others = block.headers.filter(([k]) => k !== 'Proc-Type').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [k, v] of [...procType, ...others]) out += `${k}: ${v}\n`;
    out += '\n';
  }
  const b64 = block.bytes.toString('base64');
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${block.type}-----\n`;
}

/** ESO's filterPEM: the blocks of one type (case-insensitive), re-encoded. */
export function filterPem(pemType: string, input: string): string {
  const begin = input.indexOf('-----BEGIN');
  let data = begin < 0 ? input : input.slice(begin);
  let out = '';
  let rest = data;
  for (;;) {
    const decoded = decodePem(data);
    rest = decoded.rest;
    data = decoded.rest;
    if (decoded.block === undefined) break;
    if (decoded.block.type.toLowerCase() !== pemType.toLowerCase()) continue;
    out += encodePem(decoded.block);
  }
  if (out === '' && rest.length !== 0) throw new Error('error filtering pem: found junk');
  return out;
}
