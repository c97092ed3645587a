/**
 * `token_bound_cidrs` for userpass: validation on write, the display form Vault reads back
 * (a single address without `/32`), and the remote-address check at login
 * (`cidrutil.RemoteAddrIsOk`).
 */
import { BlockList, isIP } from 'node:net';
import { UserError } from '../../../shared/errors.js';

/** Normalises addresses and networks to `addr/bits`; a 400 for anything else. */
export function normaliseCidrs(items: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (item === '') continue;
    const slash = item.indexOf('/');
    const addr = slash === -1 ? item : item.slice(0, slash);
    const family = isIP(addr);
    const bitsText = slash === -1 ? '' : item.slice(slash + 1);
    const maxBits = family === 6 ? 128 : 32;
    const bits = slash === -1 ? maxBits : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
    if (family === 0 || !(bits >= 0 && bits <= maxBits)) throw new UserError(`failed to parse "${item}" as an address`);
    out.push(`${addr}/${bits}`);
  }
  return out;
}

/** How a user read shows a bound CIDR: hosts without their full-length mask. */
export function displayCidr(cidr: string): string {
  const slash = cidr.lastIndexOf('/');
  if (slash === -1) return cidr;
  const addr = cidr.slice(0, slash);
  const bits = cidr.slice(slash + 1);
  const family = isIP(addr);
  return (family === 4 && bits === '32') || (family === 6 && bits === '128') ? addr : cidr;
}

function normaliseRemote(remoteAddr: string): string {
  let addr = remoteAddr.trim();
  if (addr.startsWith('[') && addr.includes(']')) addr = addr.slice(1, addr.indexOf(']'));
  const zone = addr.indexOf('%');
  if (zone !== -1) addr = addr.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped?.[1]) addr = mapped[1];
  return addr;
}

/** True when there are no bound CIDRs, or `remoteAddr` is inside one of them. */
export function remoteAddrAllowed(cidrs: readonly string[], remoteAddr: string): boolean {
  if (cidrs.length === 0) return true;
  const addr = normaliseRemote(remoteAddr);
  const family = isIP(addr);
  if (family === 0) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const slash = cidr.lastIndexOf('/');
    const net = cidr.slice(0, slash);
    const netFamily = isIP(net);
    const bits = Number(cidr.slice(slash + 1));
    if (slash === -1 || netFamily === 0 || !Number.isInteger(bits)) continue;
    list.addSubnet(net, bits, netFamily === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}
