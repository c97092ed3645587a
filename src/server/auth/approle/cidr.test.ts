import { describe, expect, it } from 'vitest';
import { addrInBlocks, blocksSubset, goQuoteList, normaliseAddrs, parseAddrOrCidr, parseCidr, parseIp, renderAddr, validateCidrList } from './cidr.js';

describe('approle cidr helpers', () => {
  it('parses IPv4 and IPv6 addresses', () => {
    expect(parseIp('10.0.0.1')).toEqual({ family: 4, value: 0x0a000001n });
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIp('fe80::1%eth0')).toEqual({ family: 6, value: (0xfe80n << 112n) | 1n });
    expect(parseIp('::ffff:1.2.3.4')).toEqual({ family: 6, value: (0xffffn << 32n) | 0x01020304n });
    expect(parseIp('1:2:3:4:5:6:7:8')?.value).toBe(0x00010002000300040005000600070008n);
    for (const bad of ['', '1.2.3', '256.0.0.1', '1.2.3.4.5', 'x', '1::2::3', '01.2.3.4']) expect(parseIp(bad)).toBeNull();
  });

  it('requires a prefix for strict CIDRs, not for addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ family: 4, address: 0x0a000000n, bits: 8 });
    expect(parseCidr('10.0.0.1')).toBeNull();
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('::/129')).toBeNull();
    expect(parseCidr('10.0.0.0/x')).toBeNull();
    expect(parseAddrOrCidr('10.0.0.1')).toEqual({ family: 4, address: 0x0a000001n, bits: 32 });
    expect(validateCidrList(['10.0.0.0/8', 'bad'])).toEqual({ ok: false, error: 'invalid CIDR address: bad' });
    expect(validateCidrList([])).toEqual({ ok: true });
  });

  it('normalises and renders token CIDRs', () => {
    expect(normaliseAddrs(['10.0.0.1', ' fd00::/8 ', '', '10.1.2.3/8'])).toEqual({ ok: true, value: ['10.0.0.1/32', 'fd00::/8', '10.1.2.3/8'] });
    expect(normaliseAddrs(['nope'])).toEqual({ ok: false, item: 'nope' });
    expect(renderAddr('10.0.0.1/32')).toBe('10.0.0.1');
    expect(renderAddr('::1/128')).toBe('::1');
    expect(renderAddr('10.0.0.0/8')).toBe('10.0.0.0/8');
  });

  it('checks membership, masking host bits like Go', () => {
    expect(addrInBlocks('10.200.1.1', ['10.1.2.3/8'])).toBe(true);
    expect(addrInBlocks('11.0.0.1', ['10.0.0.0/8'])).toBe(false);
    expect(addrInBlocks('::ffff:10.0.0.1', ['10.0.0.0/8'])).toBe(true);
    expect(addrInBlocks('[fd00::5]', ['fd00::/8'])).toBe(true);
    expect(addrInBlocks('10.0.0.1', ['fd00::/8'])).toBe(false);
    expect(addrInBlocks('10.0.0.1', ['0.0.0.0/0'])).toBe(true);
    expect(addrInBlocks('not-an-ip', ['0.0.0.0/0'])).toBe(false);
    expect(addrInBlocks('10.0.0.7', ['10.0.0.7'])).toBe(true);
  });

  it('checks the subset rule', () => {
    expect(blocksSubset(['10.0.0.0/8'], ['10.1.0.0/16', '10.2.3.4/32'])).toBe(true);
    expect(blocksSubset(['10.0.0.0/8'], ['10.0.0.0/7'])).toBe(false);
    expect(blocksSubset(['10.0.0.0/8', '192.168.0.0/16'], ['192.168.1.0/24'])).toBe(true);
    expect(blocksSubset(['10.0.0.1'], ['10.0.0.1/32'])).toBe(true);
    expect(blocksSubset(['10.0.0.1'], ['10.0.0.0/31'])).toBe(false);
    expect(blocksSubset(['fd00::/8'], ['10.0.0.0/8'])).toBe(false);
    expect(blocksSubset(['0.0.0.0/0'], ['1.2.3.0/24'])).toBe(true);
  });

  it("renders lists like Go's %q", () => {
    expect(goQuoteList(['a', 'b'])).toBe('["a" "b"]');
  });
});
