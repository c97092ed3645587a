/**
 * Bound CIDRs (`token_bound_cidrs`): parsing and the remote-address check
 * (`parseutil.ParseAddrs`, `cidrutil.RemoteAddrIsOk`).
 */
import { BlockList, isIP } from 'node:net';
import { UserError } from '../../shared/errors.js';

/**
 * Normalises CIDRs and bare addresses (`10.0.0.1` → `10.0.0.1/32`). Accepts comma-separated
 * items. Throws a 400 on anything that is not an address or a network.
 */
export function parseCidrs(items: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of items.flatMap((i) => i.split(','))) {
    const item = raw.trim();
    if (item === '') continue;
    const slash = item.indexOf('/');
    const addr = slash === -1 ? item : item.slice(0, slash);
    const family = isIP(addr);
    if (family === 0) throw new UserError(`failed to parse "${item}" as an address`);
    const maxBits = family === 4 ? 32 : 128;
    const bits = slash === -1 ? maxBits : Number(item.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > maxBits || (slash !== -1 && !/^\d+$/.test(item.slice(slash + 1)))) {
      throw new UserError(`failed to parse "${item}" as an address`);
    }
    out.push(`${addr}/${bits}`);
  }
  return out;
}

/** Strips brackets, a zone and the IPv4-mapped IPv6 prefix from a socket address. */
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
export function remoteAddrAllowed(cidrs: readonly string[], remoteAddr: string | undefined): boolean {
  if (cidrs.length === 0) return true;
  if (remoteAddr === undefined || remoteAddr === '') return false;
  const addr = normaliseRemote(remoteAddr);
  const family = isIP(addr);
  if (family === 0) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net = '', bitsText = ''] = cidr.split('/');
    const netFamily = isIP(net);
    if (netFamily === 0) continue;
    list.addSubnet(net, Number(bitsText), netFamily === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}
