/**
 * Which names a role lets into a certificate: a port of Vault's `ValidateNames` and
 * `ValidateCommonName` (builtin/logical/pki/issuing/issue_common.go) that also says *why*
 * a name was refused, so the 400 can name the rule.
 */
import { domainToASCII } from 'node:url';
import { globMatch } from '../../../shared/glob.js';

export interface NameRules {
  allowed_domains: readonly string[];
  allow_bare_domains: boolean;
  allow_subdomains: boolean;
  allow_glob_domains: boolean;
  allow_wildcard_certificates: boolean;
  allow_any_name: boolean;
  allow_localhost: boolean;
  enforce_hostnames: boolean;
  allow_token_displayname?: boolean;
  cn_validations?: readonly string[];
}

const LABEL = '([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])';
const LEFT_WILD_LABEL = `(\\*|\\*${LABEL}|${LABEL}\\*|${LABEL}\\*${LABEL})`;
const HOSTNAME = `(${LABEL}\\.)*${LABEL}\\.?$`;
const WILD_HOSTNAME = new RegExp(`^(${LEFT_WILD_LABEL}\\.)?${HOSTNAME}`);

/** Vault's hostname check (after IDNA conversion): labels, an optional wildcard label. */
export function isHostname(name: string): boolean {
  return WILD_HOSTNAME.test(name);
}

/** IDNA ToASCII with DNS length checks; null when the name cannot be a DNS name. */
export function toAsciiHostname(name: string): string | null {
  if (name === '') return null;
  // Only Unicode names need converting; WHATWG's converter is stricter than Go's idna on
  // ASCII input (it rejects names whose last label is numeric, for one).
  const ascii = /^[\x21-\x7e]*$/.test(name) ? name : domainToASCII(name);
  if (ascii === '') return null;
  const trimmed = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  if (trimmed.length > 253 || trimmed.split('.').some((l) => l.length === 0 || l.length > 63)) return null;
  return ascii;
}

function equalFold(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Why `name` (a DNS name or an email address) is refused by the role, or null when it is
 * allowed. The checks run in Vault's order: wildcard shape, enforce_hostnames, allow_any_name,
 * localhost, the token display name, then allowed_domains.
 */
export function nameRefusal(rules: NameRules, name: string, displayName = ''): string | null {
  let reduced = name;
  let emailDomain = name;
  let wildcardLabel = '';
  let isEmail = false;
  let isWildcard = false;

  if (reduced.includes('@')) {
    const split = reduced.split('@');
    if (split.length !== 2) return 'it is not a valid email address';
    reduced = split[1] ?? '';
    emailDomain = reduced;
    isEmail = true;
  }

  if (reduced.includes('*')) {
    isWildcard = true;
    if (!rules.allow_wildcard_certificates) return 'wildcard names are refused (allow_wildcard_certificates=false)';
    if ((reduced.match(/\*/g) ?? []).length > 1) return 'a wildcard name may hold only one "*"';
    const dot = reduced.indexOf('.');
    if (dot === -1) {
      wildcardLabel = reduced;
      reduced = '';
    } else {
      wildcardLabel = reduced.slice(0, dot);
      reduced = reduced.slice(dot + 1);
      if (reduced.includes('*')) return 'the wildcard must be in the left-most label';
    }
  }

  if (isEmail && isWildcard) return 'an email address cannot have a wildcard domain';

  if (rules.enforce_hostnames && reduced !== '') {
    const converted = toAsciiHostname(reduced);
    if (converted === null || !isHostname(isWildcard ? `${wildcardLabel}.${converted}` : converted)) {
      return 'it is not a valid hostname (enforce_hostnames=true)';
    }
  }

  if (rules.allow_any_name) return null;

  if (rules.allow_localhost) {
    if (reduced === 'localhost' || reduced === 'localdomain' || (isEmail && (emailDomain === 'localhost' || emailDomain === 'localdomain'))) return null;
    if (rules.allow_subdomains) {
      for (const local of ['localhost', 'localdomain']) {
        if (reduced.endsWith(`.${local}`) || (isWildcard && reduced === local)) return null;
      }
    }
  }

  if (rules.allow_token_displayname && displayName !== '') {
    if (name === displayName) return null;
    if (rules.allow_subdomains && (reduced.endsWith(`.${displayName}`) || (isWildcard && reduced === displayName))) return null;
  }

  const domains = rules.allowed_domains.filter((d) => d !== '');
  for (const domain of domains) {
    if (rules.allow_bare_domains && (equalFold(name, domain) || (isEmail && equalFold(emailDomain, domain)))) return null;
    if (rules.allow_subdomains && (reduced.endsWith(`.${domain}`) || (isWildcard && equalFold(reduced, domain)))) return null;
    if (rules.allow_glob_domains && domain.includes('*') && glob(domain.toLowerCase(), name.toLowerCase())) return null;
  }

  const flags = `allow_bare_domains=${rules.allow_bare_domains}, allow_subdomains=${rules.allow_subdomains}, allow_glob_domains=${rules.allow_glob_domains}`;
  if (domains.length === 0) {
    return `no rule allows it: allowed_domains is empty, allow_any_name=false${rules.allow_localhost ? ' (allow_localhost only admits localhost)' : ''}`;
  }
  return `it matches none of allowed_domains [${domains.join(', ')}] with ${flags}`;
}

/**
 * Vault's `ValidateCommonName`: the name rules, then `cn_validations` (email/hostname, or
 * `disabled` to skip every check).
 */
export function commonNameRefusal(rules: NameRules, name: string, displayName = ''): string | null {
  const validations = rules.cn_validations ?? ['email', 'hostname'];
  if (validations.length === 1 && validations[0] === 'disabled') return null;
  const refusal = nameRefusal(rules, name, displayName);
  if (refusal !== null) return refusal;
  if (validations.length === 0) return null;
  if (name.includes('@')) {
    if (!validations.includes('email')) return 'cn_validations does not include "email"';
  } else if (!validations.includes('hostname')) {
    return 'cn_validations does not include "hostname"';
  }
  return null;
}

/** ryanuber/go-glob: `*` matches any run of characters (dots included); no other wildcards. */
export const glob = globMatch;
