/** `operator key-status` / `operator rotate` output (Vault's `printKeyStatus`). */
import type { KeyStatus } from '../api/index.js';
import { columnOutput, ordered } from './output/index.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's `time.RFC822` in UTC: `02 Jan 06 15:04 UTC`. */
export function formatRfc822(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()] ?? ''} ${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

export function keyStatusTable(ks: KeyStatus): string {
  return columnOutput([`Key Term | ${ks.term}`, `Install Time | ${formatRfc822(ks.install_time)}`, `Encryption Count | ${ks.encryptions ?? 0}`]);
}

/** Go's `api.KeyStatus` field order. */
export function keyStatusForJson(ks: KeyStatus): Record<string, unknown> {
  return ordered({ term: ks.term, install_time: ks.install_time, encryptions: ks.encryptions ?? 0 });
}
