/**
 * Bound CIDRs (`token_bound_cidrs`, `secret_id_bound_cidrs`): parsing to `addr/bits`, the
 * display form Vault reads back, and the remote-address check (`cidrutil.RemoteAddrIsOk`).
 * A bare address binds that one host (`/32` or `/128`) — never the whole address space.
 */
import { BlockList, isIP } from 'node:net';
import { UserError } from './errors.js';

interface Block {
  net: string;
  bits: number;
  family: 4 | 6;
}

function parseBlock(item: string): Block | null {
  const slash = item.indexOf('/');
  const net = slash === -1 ? item : item.slice(0, slash);
  const family = isIP(net);
  if (family !== 4 && family !== 6) return null;
  const maxBits = family === 4 ? 32 : 128;
  const bitsText = slash === -1 ? '' : item.slice(slash + 1);
  if (slash !== -1 && !/^\d{1,3}$/.test(bitsText)) return null;
  const bits = slash === -1 ? maxBits : Number(bitsText);
  return bits <= maxBits ? { net, bits, family } : null;
}

/** Normalises addresses and networks (comma-separated items too) to `addr/bits`; a 400 otherwise. */
export function parseCidrs(items: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of items.flatMap((i) => i.split(','))) {
    const item = raw.trim();
    if (item === '') continue;
    const block = parseBlock(item);
    if (!block) throw new UserError(`failed to parse "${item}" as an address`);
    out.push(`${block.net}/${block.bits}`);
  }
  return out;
}

/** How a read shows a bound CIDR: hosts without their full-length mask. */
export function displayCidr(cidr: string): string {
  const block = parseBlock(cidr);
  if (!block) return cidr;
  return block.bits === (block.family === 4 ? 32 : 128) ? block.net : cidr;
}

/** Strips brackets, a zone and the IPv4-mapped IPv6 prefix from a socket address. */
export function normaliseRemoteAddr(remoteAddr: string): string {
  let addr = remoteAddr.trim();
  if (addr.startsWith('[') && addr.includes(']')) addr = addr.slice(1, addr.indexOf(']'));
  const zone = addr.indexOf('%');
  if (zone !== -1) addr = addr.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped?.[1]) addr = mapped[1];
  return addr;
}

/** True when there are no bound CIDRs, or `remoteAddr` is inside one of them. Unparseable entries match nothing. */
export function remoteAddrAllowed(cidrs: readonly string[], remoteAddr: string | undefined): boolean {
  if (cidrs.length === 0) return true;
  if (remoteAddr === undefined || remoteAddr === '') return false;
  const addr = normaliseRemoteAddr(remoteAddr);
  const family = isIP(addr);
  if (family === 0) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const block = parseBlock(cidr.trim());
    if (block) list.addSubnet(block.net, block.bits, block.family === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}
