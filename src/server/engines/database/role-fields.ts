/** Field declarations and checks shared by dynamic and static roles. */
import { UserError } from '../../../shared/errors.js';
import { f } from '../../sdk/index.js';
import { NAME_PATTERN } from './context.js';
import type { CredentialType } from './store.js';

export const ROLE_NAME_PATTERN = NAME_PATTERN;

export const commonRoleFields = {
  name: f.string({ description: 'Name of the role.', required: true }),
  db_name: f.string({ description: 'Name of the database this role acts on.' }),
  credential_type: f.string({
    description: "The type of credential to manage. Only 'password' is supported. Defaults to 'password'.",
  }),
  credential_config: f.kvPairs({ description: 'The configuration for the given credential_type (password: password_policy).' }),
};

/** The statement fields take a string or a list (see statements.ts), so they are untyped here. */
export function statementsField(description: string) {
  return f.any({ description });
}

export function checkCredentialType(raw: string): CredentialType {
  const type = raw.trim();
  if (type === 'password') return type;
  if (type === 'rsa_private_key' || type === 'client_certificate') {
    throw new UserError(`unsupported credential_type: ${JSON.stringify(type)}; only "password" is supported`);
  }
  throw new UserError(`invalid credential_type ${JSON.stringify(type)}`);
}

const PASSWORD_CONFIG_KEYS = new Set(['password_policy']);

/** Vault's `setCredentialConfig` for the password type: only `password_policy` is known. */
export function checkCredentialConfig(config: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!PASSWORD_CONFIG_KEYS.has(key)) {
      throw new UserError(`credential_config validation failed: unknown key ${JSON.stringify(key)} for credential_type "password" (allowed: password_policy)`);
    }
    if (value !== '') out[key] = value;
  }
  return out;
}
