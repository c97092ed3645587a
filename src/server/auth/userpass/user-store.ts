/**
 * Stored users (`user/<username>`): token settings, the password record, and which
 * deprecated field names were last used (a read shows those too, as Vault does).
 */
import { InternalError } from '../../../shared/errors.js';
import { DEFAULT_TOKEN_PARAMS, getJson, putJson, renderTokenParams, type Storage, type TokenParams } from '../../sdk/index.js';
import { displayCidr } from '../../../shared/cidr.js';
import type { PasswordRecord } from './password.js';

export const USER_PREFIX = 'user/';

/** Deprecated names (Vault's `policies`, `ttl`, `max_ttl`, `bound_cidrs`) the user was written with. */
export type LegacyField = 'policies' | 'ttl' | 'max_ttl' | 'bound_cidrs';
export const LEGACY_FIELDS: readonly LegacyField[] = ['policies', 'ttl', 'max_ttl', 'bound_cidrs'];

export interface UserEntry {
  token: TokenParams;
  password: PasswordRecord;
  legacy: LegacyField[];
}

export function userKey(username: string): string {
  return USER_PREFIX + username;
}

function isPasswordRecord(value: unknown): value is PasswordRecord {
  if (typeof value !== 'object' || value === null) return false;
  const rec = value as Record<string, unknown>;
  if (rec['alg'] === 'bcrypt') return typeof rec['hash'] === 'string';
  return (
    rec['alg'] === 'scrypt' &&
    typeof rec['n'] === 'number' &&
    typeof rec['r'] === 'number' &&
    typeof rec['p'] === 'number' &&
    typeof rec['salt'] === 'string' &&
    typeof rec['hash'] === 'string'
  );
}

export async function getUser(storage: Storage, username: string): Promise<UserEntry | null> {
  const raw = await getJson<Partial<UserEntry>>(storage, userKey(username));
  if (raw === null) return null;
  if (!isPasswordRecord(raw.password)) throw new InternalError('stored userpass entry is damaged');
  return {
    token: { ...DEFAULT_TOKEN_PARAMS, ...(raw.token ?? {}) },
    password: raw.password,
    legacy: Array.isArray(raw.legacy) ? raw.legacy.filter((f) => LEGACY_FIELDS.includes(f)) : [],
  };
}

export async function putUser(storage: Storage, username: string, entry: UserEntry): Promise<void> {
  await putJson(storage, userKey(username), entry);
}

/** `GET users/:username`: every token_* field, plus the deprecated names in use. Never the password. */
export function renderUser(entry: UserEntry): Record<string, unknown> {
  const data = renderTokenParams(entry.token);
  data['token_bound_cidrs'] = entry.token.token_bound_cidrs.map(displayCidr);
  const legacy = new Set(entry.legacy);
  if (legacy.has('ttl') && entry.token.token_ttl > 0) data['ttl'] = entry.token.token_ttl;
  if (legacy.has('max_ttl') && entry.token.token_max_ttl > 0) data['max_ttl'] = entry.token.token_max_ttl;
  if (legacy.has('policies') && entry.token.token_policies.length > 0) data['policies'] = [...entry.token.token_policies];
  if (legacy.has('bound_cidrs') && entry.token.token_bound_cidrs.length > 0) {
    data['bound_cidrs'] = entry.token.token_bound_cidrs.map(displayCidr);
  }
  return data;
}

/**
 * Vault's `tokenutil.UpgradeValue`: sending only a deprecated name marks it in use; sending
 * the new name clears the mark unless the deprecated one came along too.
 */
export function updateLegacy(current: readonly LegacyField[], sent: Readonly<Record<string, unknown>>): LegacyField[] {
  const NEW_NAME: Record<LegacyField, string> = {
    policies: 'token_policies',
    ttl: 'token_ttl',
    max_ttl: 'token_max_ttl',
    bound_cidrs: 'token_bound_cidrs',
  };
  const out = new Set(current);
  for (const field of LEGACY_FIELDS) {
    const oldSent = sent[field] !== undefined && sent[field] !== null;
    const newSent = sent[NEW_NAME[field]] !== undefined && sent[NEW_NAME[field]] !== null;
    if (oldSent) out.add(field);
    else if (newSent) out.delete(field);
  }
  return LEGACY_FIELDS.filter((f) => out.has(f));
}
