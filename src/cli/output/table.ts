/**
 * Table layout as Vault does it with `ryanuber/columnize`: cells split on a delimiter and
 * trimmed, empty cells shown as `n/a`, columns padded and glued with four spaces, the last
 * column unpadded; `tableOutput` underlines the header row with dashes.
 */

/** The column delimiter Vault uses for key/value tables ("we hope it's never in a secret"). */
export const HOPE_DELIM = '♨';
export const MAX_LINE_LENGTH = 78;

export interface ColumnConfig {
  delim?: string;
  glue?: string;
  empty?: string;
}

function width(s: string): number {
  return [...s].length;
}

/** `columnize.Format` with Vault's defaults (glue of four spaces, `n/a` for empty cells). */
export function columnOutput(lines: readonly string[], config: ColumnConfig = {}): string {
  if (lines.length === 0) return '';
  const delim = config.delim ?? '|';
  const glue = config.glue ?? '    ';
  const empty = config.empty ?? 'n/a';
  const rows = lines.map((line) =>
    line.split(delim).map((cell) => {
      const t = cell.trim();
      return t === '' && empty !== '' ? empty : t;
    }),
  );
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell)) + glue))
        .join(''),
    )
    .join('\n')
    .trim();
}

/** Vault's `tableOutput`: the first line is the header, underlined with dashes. */
export function tableOutput(lines: readonly string[], config: ColumnConfig = {}): string {
  if (lines.length === 0) return '';
  const delim = config.delim ?? '|';
  const headers = (lines[0] ?? '').split(delim);
  const underline = headers.map((h) => '-'.repeat(Buffer.byteLength(h.trim()))).join(delim);
  return columnOutput([lines[0] ?? '', underline, ...lines.slice(1)], { ...config, delim });
}

/** Vault's `padEqualSigns`: `== Title ==` spanning about `totalLen` characters. */
export function padEqualSigns(header: string, totalLen: number): string {
  let equalSigns = totalLen - (Buffer.byteLength(header) + 2);
  if (equalSigns <= 0) equalSigns = 4;
  if (equalSigns % 2 !== 0) equalSigns += 1;
  const side = '='.repeat(equalSigns / 2);
  return `${side} ${header} ${side}`;
}

/** Vault's `getHeaderForMap`: a section title as wide as the key/value table below it. */
export function headerForMap(header: string, data: Readonly<Record<string, unknown>>): string {
  let maxKey = 0;
  for (const k of Object.keys(data)) maxKey = Math.max(maxKey, Buffer.byteLength(k));
  return padEqualSigns(header, maxKey + 4 + 5);
}

/** Greedy word wrap at `MAX_LINE_LENGTH - pad`, each line indented by `pad` spaces. */
export function wrapAtLength(text: string, pad = 0): string {
  const limit = MAX_LINE_LENGTH - pad;
  const prefix = ' '.repeat(pad);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    const words = paragraph.split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) {
      out.push(prefix.trimEnd());
      continue;
    }
    let line = '';
    for (const word of words) {
      if (line === '') line = word;
      else if (width(line) + 1 + width(word) <= limit) line += ` ${word}`;
      else {
        out.push(prefix + line);
        line = word;
      }
    }
    out.push(prefix + line);
  }
  return out.join('\n');
}
