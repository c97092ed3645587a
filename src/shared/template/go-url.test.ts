import { describe, expect, it } from 'vitest';
import { formatGoUrl, hostname, parseGoUrl } from './go-url.js';

describe('Go URLs', () => {
  it.each<[string, Partial<ReturnType<typeof parseGoUrl>>]>([
    ['http://www.google.com', { scheme: 'http', host: 'www.google.com', path: '' }],
    ['http://www.google.com/?q=go+language#foo%26bar', { scheme: 'http', host: 'www.google.com', path: '/', rawQuery: 'q=go+language', fragment: 'foo&bar' }],
    ['HTTP://x/%7Ep', { scheme: 'http', host: 'x', path: '/~p' }],
    ['mailto:webmaster@golang.org', { scheme: 'mailto', opaque: 'webmaster@golang.org' }],
    ['/foo?bar', { scheme: '', path: '/foo', rawQuery: 'bar' }],
    ['//user@host/p', { userinfo: 'user', host: 'host', path: '/p' }],
    ['https://u:p@[::1]:443/x', { userinfo: 'u:p', host: '[::1]:443', path: '/x' }],
    ['file:///etc/passwd', { scheme: 'file', host: '', path: '/etc/passwd' }],
  ])('parses %j', (raw, want) => {
    expect(parseGoUrl(raw)).toMatchObject(want);
  });

  it('rejects bad escapes and control characters', () => {
    expect(() => parseGoUrl('http://x/%g0')).toThrow();
    expect(() => parseGoUrl('http://x/\n')).toThrow();
    expect(() => parseGoUrl(':nope')).toThrow();
  });

  it('finds the host name', () => {
    expect(hostname('example.com:8080')).toBe('example.com');
    expect(hostname('[::1]:443')).toBe('::1');
    expect(hostname('example.com')).toBe('example.com');
  });

  it('formats like URL.String()', () => {
    const base = { scheme: '', opaque: '', userinfo: undefined, host: '', path: '', rawQuery: '', fragment: '' };
    expect(formatGoUrl({ ...base, scheme: 'https', host: 'h', path: 'a b', rawQuery: 'x=1', fragment: 'f g!' })).toBe('https://h/a%20b?x=1#f%20g!');
    expect(formatGoUrl({ ...base, scheme: 'mailto', opaque: 'a@b' })).toBe('mailto:a@b');
    expect(formatGoUrl({ ...base, path: 'a:b' })).toBe('./a:b');
    for (const raw of ['http://u:p@h:1/p?q#f', 'https://example.com/a/b', 'mailto:x@y', '/rel/path']) {
      expect(formatGoUrl(parseGoUrl(raw))).toBe(raw);
    }
  });
});
