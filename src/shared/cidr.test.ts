import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayCidr, parseCidrs, remoteAddrAllowed } from './cidr.js';

describe('bound CIDRs', () => {
  it('binds a bare address to that one host, never to everything', () => {
    expect(remoteAddrAllowed(['10.0.0.1'], '10.0.0.1')).toBe(true);
    expect(remoteAddrAllowed(['10.0.0.1'], '8.8.8.8')).toBe(false);
    expect(remoteAddrAllowed(['::1'], '::1')).toBe(true);
    expect(remoteAddrAllowed(['::1'], '::2')).toBe(false);
  });

  it('matches networks, IPv4-mapped and bracketed remote addresses', () => {
    expect(remoteAddrAllowed(['10.0.0.0/8'], '::ffff:10.1.2.3')).toBe(true);
    expect(remoteAddrAllowed(['fd00::/8'], '[fd00::1]')).toBe(true);
    expect(remoteAddrAllowed(['10.0.0.0/8'], '11.0.0.1')).toBe(false);
    expect(remoteAddrAllowed([], 'anything')).toBe(true);
    expect(remoteAddrAllowed(['10.0.0.0/8'], undefined)).toBe(false);
    expect(remoteAddrAllowed(['garbage'], '10.0.0.1')).toBe(false);
  });

  it('normalises, displays and rejects', () => {
    expect(parseCidrs(['10.0.0.1', '10.0.0.0/8,::1'])).toEqual(['10.0.0.1/32', '10.0.0.0/8', '::1/128']);
    expect(displayCidr('10.0.0.1/32')).toBe('10.0.0.1');
    expect(displayCidr('10.0.0.0/8')).toBe('10.0.0.0/8');
    for (const bad of ['10.0.0.1/33', 'x', '10.0.0.1/', '10.0.0.1/a']) expect(() => parseCidrs([bad])).toThrow(/failed to parse/);
  });

  it('a host binding admits exactly that host', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const ip = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    fc.assert(
      fc.property(ip, ip, (bound, remote) => {
        expect(remoteAddrAllowed([bound], remote)).toBe(bound === remote);
      }),
    );
  });
});
