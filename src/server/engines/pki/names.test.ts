import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commonNameRefusal, glob, nameRefusal, type NameRules } from './names.js';

const base: NameRules = {
  allowed_domains: ['example.com'],
  allow_bare_domains: false,
  allow_subdomains: false,
  allow_glob_domains: false,
  allow_wildcard_certificates: true,
  allow_any_name: false,
  allow_localhost: true,
  enforce_hostnames: true,
};

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const labels = fc.array(label, { minLength: 1, maxLength: 4 });
const flags = fc.record({ allow_bare_domains: fc.boolean(), allow_subdomains: fc.boolean(), allow_glob_domains: fc.boolean() });

describe('role name rules (Vault ValidateNames)', () => {
  it('subdomains of an allowed domain pass exactly when allow_subdomains is set', () => {
    fc.assert(
      fc.property(labels, flags, (sub, f) => {
        const rules = { ...base, ...f };
        const name = `${sub.join('.')}.example.com`;
        expect(nameRefusal(rules, name) === null).toBe(f.allow_subdomains);
      }),
    );
  });

  it('the bare domain passes exactly when allow_bare_domains is set (any case)', () => {
    fc.assert(
      fc.property(flags, fc.constantFrom('example.com', 'EXAMPLE.com', 'Example.Com'), (f, name) => {
        expect(nameRefusal({ ...base, ...f }, name) === null).toBe(f.allow_bare_domains);
      }),
    );
  });

  it('names outside allowed_domains are always refused, with the rule named', () => {
    fc.assert(
      fc.property(labels, flags, (parts, f) => {
        const name = `${parts.join('.')}.example.org`;
        const reason = nameRefusal({ ...base, ...f }, name);
        expect(reason).toContain('allowed_domains [example.com]');
        expect(reason).toContain(`allow_subdomains=${f.allow_subdomains}`);
        // A suffix match must be on a label boundary.
        expect(nameRefusal({ ...base, ...f, allow_subdomains: true }, `${parts.join('')}example.com`)).not.toBeNull();
      }),
    );
  });

  it('globs in allowed_domains match only with allow_glob_domains', () => {
    fc.assert(
      fc.property(labels, fc.boolean(), (parts, globs) => {
        const rules = { ...base, allowed_domains: ['*.svc.example.com'], allow_glob_domains: globs };
        expect(nameRefusal(rules, `${parts.join('.')}.svc.example.com`) === null).toBe(globs);
        expect(nameRefusal(rules, `${parts.join('.')}.svc.example.net`)).not.toBeNull();
      }),
    );
  });

  it('allow_any_name admits any hostname but enforce_hostnames still refuses bad ones', () => {
    fc.assert(
      fc.property(labels, (parts) => {
        const rules = { ...base, allowed_domains: [], allow_any_name: true };
        expect(nameRefusal(rules, parts.join('.'))).toBeNull();
        expect(nameRefusal(rules, `${parts.join('.')}_x`)).toMatch(/enforce_hostnames/);
        expect(nameRefusal({ ...rules, enforce_hostnames: false }, `${parts.join('.')}_x`)).toBeNull();
      }),
    );
  });

  it('wildcards: allowed under allow_subdomains unless allow_wildcard_certificates=false', () => {
    const rules = { ...base, allow_subdomains: true };
    expect(nameRefusal(rules, '*.example.com')).toBeNull();
    expect(nameRefusal({ ...rules, allow_wildcard_certificates: false }, '*.example.com')).toMatch(/allow_wildcard_certificates=false/);
    expect(nameRefusal(rules, '*.*.example.com')).toMatch(/only one/);
    expect(nameRefusal(rules, 'a.*.example.com')).toMatch(/left-most/);
  });

  it('localhost, emails and cn_validations', () => {
    expect(nameRefusal(base, 'localhost')).toBeNull();
    expect(nameRefusal({ ...base, allow_localhost: false }, 'localhost')).not.toBeNull();
    expect(nameRefusal({ ...base, allow_bare_domains: true }, 'ops@example.com')).toBeNull();
    expect(nameRefusal({ ...base, allow_subdomains: true }, 'ops@*.example.com')).not.toBeNull();
    expect(nameRefusal({ ...base, allowed_domains: [] }, 'www.example.com')).toMatch(/allowed_domains is empty/);
    expect(commonNameRefusal({ ...base, allow_any_name: true, cn_validations: ['hostname'] }, 'ops@example.com')).toMatch(/email/);
    expect(commonNameRefusal({ ...base, cn_validations: ['disabled'] }, 'not a hostname')).toBeNull();
  });
});

describe('glob (ryanuber/go-glob)', () => {
  it('agrees with the equivalent regular expression', () => {
    const chars = fc.constantFrom('a', 'b', '.', '*');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 8 }), fc.array(fc.constantFrom('a', 'b', '.'), { maxLength: 8 }), (p, s) => {
        const pattern = p.join('');
        const subject = s.join('');
        const re = new RegExp(`^${pattern.split('*').map((x) => x.replace(/\./g, '\\.')).join('.*')}$`, 's');
        expect(glob(pattern, subject)).toBe(re.test(subject));
      }),
    );
  });
});
