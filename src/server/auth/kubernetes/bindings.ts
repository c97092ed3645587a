/**
 * Role bindings: Vault's glob matching (`strutil.StrListContainsGlob`, ryanuber/go-glob:
 * `*` matches any run of characters, nothing else is special) and the login-time
 * `token_bound_cidrs` check.
 */
import { BlockList, isIP } from 'node:net';
import { globMatch } from '../../../shared/glob.js';

export function listContainsGlob(patterns: readonly string[], subject: string): boolean {
  return patterns.some((p) => globMatch(p, subject));
}

/** `bound_service_account_names`: `["*"]` admits any name, else a glob must match. */
export function nameAllowed(bound: readonly string[], name: string): boolean {
  if (bound.length === 1 && bound[0] === '*') return true;
  return listContainsGlob(bound, name);
}

/** `bound_service_account_namespaces` alone (the selector is checked separately). */
export function namespaceListed(bound: readonly string[], namespace: string): boolean {
  if (bound.length === 0) return false;
  return bound[0] === '*' || listContainsGlob(bound, namespace);
}

function normaliseRemote(remoteAddr: string): string {
  let addr = remoteAddr.trim();
  if (addr.startsWith('[') && addr.includes(']')) addr = addr.slice(1, addr.indexOf(']'));
  const zone = addr.indexOf('%');
  if (zone !== -1) addr = addr.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return mapped?.[1] ?? addr;
}

/** True when there are no bound CIDRs or `remoteAddr` is inside one of them. */
export function remoteAddrAllowed(cidrs: readonly string[], remoteAddr: string): boolean {
  if (cidrs.length === 0) return true;
  const addr = normaliseRemote(remoteAddr);
  const family = isIP(addr);
  if (family === 0) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net = '', bits] = cidr.split('/');
    const netFamily = isIP(net);
    if (netFamily === 0) continue;
    const type = netFamily === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(net, bits === undefined ? (netFamily === 4 ? 32 : 128) : Number(bits), type);
  }
  return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}

export { globMatch };
