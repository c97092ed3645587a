/**
 * CIDR helpers for AppRole (Vault's `cidrutil` and `parseutil.ParseAddrs`): strict CIDR
 * validation for `secret_id_bound_cidrs` / `cidr_list`, lenient address-or-CIDR parsing for
 * `token_bound_cidrs`, membership of a client address and the subset rule between blocks.
 *
 * The strict parsing and the subset rule are AppRole's own; socket-address normalising and the
 * lenient `token_bound_cidrs` check are shared (`src/shared/cidr.ts`).
 */
import { isIP } from 'node:net';
import { normaliseRemoteAddr } from '../../../shared/cidr.js';

export interface Cidr {
  family: 4 | 6;
  /** The address as written (host bits may be set, as Go's net.ParseCIDR allows). */
  address: bigint;
  bits: number;
}

const WIDTH = { 4: 32, 6: 128 } as const;

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  let groups: string[];
  const doubleColon = text.indexOf('::');
  const expandTail = (part: string): string[] | null => {
    if (part === '') return [];
    const items = part.split(':');
    const last = items[items.length - 1] ?? '';
    if (last.includes('.')) {
      const v4 = parseIpv4(last);
      if (v4 === null) return null;
      items.splice(items.length - 1, 1, ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
    }
    return items;
  };
  if (doubleColon !== -1) {
    const head = text.slice(0, doubleColon);
    const tail = text.slice(doubleColon + 2);
    const headGroups = head === '' ? [] : head.split(':');
    const tailGroups = expandTail(tail);
    if (tailGroups === null) return null;
    const missing = 8 - headGroups.length - tailGroups.length;
    if (missing < 1) return null;
    groups = [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  } else {
    const all = expandTail(text);
    if (all === null) return null;
    groups = all;
  }
  if (groups.length !== 8) return null;
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return value;
}

/** Parses a bare IP address (no prefix). Strips an IPv6 zone. */
export function parseIp(text: string): { family: 4 | 6; value: bigint } | null {
  let addr = text.trim();
  const zone = addr.indexOf('%');
  if (zone !== -1) addr = addr.slice(0, zone);
  const family = isIP(addr);
  if (family === 4) {
    const value = parseIpv4(addr);
    return value === null ? null : { family: 4, value };
  }
  if (family === 6) {
    const value = parseIpv6(addr);
    return value === null ? null : { family: 6, value };
  }
  return null;
}

/** Go's `net.ParseCIDR`: `addr/bits` is required. Null when the text is not a CIDR block. */
export function parseCidr(text: string): Cidr | null {
  const item = text.trim();
  const slash = item.indexOf('/');
  if (slash === -1) return null;
  const ip = parseIp(item.slice(0, slash));
  const bitsText = item.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (bits > WIDTH[ip.family]) return null;
  return { family: ip.family, address: ip.value, bits };
}

/** `parseutil.ParseAddrs`: a CIDR block, or a bare address meaning a single host. */
export function parseAddrOrCidr(text: string): Cidr | null {
  const item = text.trim();
  if (item.includes('/')) return parseCidr(item);
  const ip = parseIp(item);
  return ip ? { family: ip.family, address: ip.value, bits: WIDTH[ip.family] } : null;
}

function mask(family: 4 | 6, bits: number): bigint {
  const width = BigInt(WIDTH[family]);
  const all = (1n << width) - 1n;
  return bits === 0 ? 0n : (all >> (width - BigInt(bits))) << (width - BigInt(bits));
}

/** Validates strict CIDR blocks; the error names the first bad one like Go does. */
export function validateCidrList(items: readonly string[]): { ok: true } | { ok: false; error: string } {
  for (const item of items) {
    if (parseCidr(item) === null) return { ok: false, error: `invalid CIDR address: ${item.trim()}` };
  }
  return { ok: true };
}

/**
 * Normalises addresses and CIDRs to `addr/bits` (bare addresses become /32 or /128), the
 * form the core's token store expects. Returns the offending item when one does not parse.
 */
export function normaliseAddrs(items: readonly string[]): { ok: true; value: string[] } | { ok: false; item: string } {
  const out: string[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (item === '') continue;
    const parsed = parseAddrOrCidr(item);
    if (!parsed) return { ok: false, item };
    const slash = item.indexOf('/');
    const addr = slash === -1 ? item : item.slice(0, slash);
    out.push(`${addr}/${parsed.bits}`);
  }
  return { ok: true, value: out };
}

/** Vault renders a host-length block as the bare address (`10.0.0.1`, not `10.0.0.1/32`). */
export function renderAddr(cidr: string): string {
  const parsed = parseCidr(cidr);
  if (!parsed || parsed.bits !== WIDTH[parsed.family]) return cidr;
  return cidr.slice(0, cidr.indexOf('/'));
}

function contains(block: Cidr, family: 4 | 6, value: bigint): boolean {
  if (block.family !== family) return false;
  const m = mask(family, block.bits);
  return (block.address & m) === (value & m);
}

/**
 * `cidrutil.IPBelongsToCIDRBlocksSlice`: true when `remoteAddr` lies in one of `blocks`
 * (strict CIDRs or bare addresses). False for an unparsable address.
 */
export function addrInBlocks(remoteAddr: string, blocks: readonly string[]): boolean {
  const ip = parseIp(normaliseRemoteAddr(remoteAddr));
  if (!ip) return false;
  return blocks.some((b) => {
    const block = parseAddrOrCidr(b);
    return block !== null && contains(block, ip.family, ip.value);
  });
}

/**
 * `cidrutil.SubsetBlocks`: every block of `inner` lies inside at least one block of `outer`.
 * Bare addresses in `outer` count as host blocks (Vault appends `/32` to them).
 */
export function blocksSubset(outer: readonly string[], inner: readonly string[]): boolean {
  const outerBlocks = outer.map(parseAddrOrCidr);
  return inner.every((text) => {
    const block = parseAddrOrCidr(text);
    if (!block) return false;
    return outerBlocks.some((o) => o !== null && o.family === block.family && block.bits >= o.bits && contains(o, block.family, block.address));
  });
}

/** Go's `%q` rendering of a `[]string`, used in Vault's subset error. */
export function goQuoteList(items: readonly string[]): string {
  return `[${items.map((i) => JSON.stringify(i)).join(' ')}]`;
}

export { normaliseRemoteAddr };
