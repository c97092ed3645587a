/**
 * Usernames and passwords for database users: usernames from the connection's
 * `username_template` (or the plugin's default), passwords from a named password policy
 * or Vault's default generator.
 */
import { UserError, errorMessage, isAppError } from '../../../shared/errors.js';
import { generateDefaultPassword } from '../../../shared/password-policy/index.js';
import { parseTemplate, vaultTemplateFuncs, type Template } from '../../../shared/template/index.js';
import type { SystemView } from '../../sdk/index.js';
import type { ConnectionConfig } from './store.js';

/** What a username template sees (Vault's `dbplugin.UsernameMetadata`). */
export interface UsernameMetadata {
  DisplayName: string;
  RoleName: string;
}

const templates = new Map<string, Template>();
const TEMPLATE_CACHE_LIMIT = 64;

function compile(source: string): Template {
  let template = templates.get(source);
  if (template === undefined) {
    template = parseTemplate(source, { funcs: vaultTemplateFuncs, missingKey: 'error', name: 'username' });
    // A handful of connections use a handful of templates; the bound only guards against churn.
    if (templates.size >= TEMPLATE_CACHE_LIMIT) templates.clear();
    templates.set(source, template);
  }
  return template;
}

/** The template a connection renders usernames with. */
export function usernameTemplateOf(config: ConnectionConfig, pluginDefault: string): string {
  const custom = config.connection_details['username_template'];
  return typeof custom === 'string' && custom.trim() !== '' ? custom : pluginDefault;
}

/** Checks a `username_template` when a connection is written; throws a `UserError` saying why it is unusable. */
export function validateUsernameTemplate(source: string): void {
  try {
    const username = compile(source).execute({ DisplayName: 'token', RoleName: 'role' });
    if (username === '') throw new Error('the template renders an empty username');
  } catch (err) {
    throw new UserError(`invalid username template: ${errorMessage(err)}`);
  }
}

export function renderUsername(source: string, meta: UsernameMetadata): string {
  let username: string;
  try {
    username = compile(source).execute(meta);
  } catch (err) {
    throw new UserError(`unable to generate username: ${errorMessage(err)}`);
  }
  if (username === '') throw new UserError('unable to generate username: the username template rendered an empty string');
  return username;
}

/**
 * A new password: from `policy` when one is named (the role's `credential_config`, else
 * the connection's `password_policy`), else Vault's default generator (20 characters of
 * `[A-Za-z0-9-]`, at least one of each class).
 */
export async function generatePassword(system: SystemView, policy: string | undefined): Promise<string> {
  if (policy !== undefined && policy !== '') {
    try {
      return await system.generatePasswordFromPolicy(policy);
    } catch (err) {
      if (isAppError(err) && err.code !== 'ERR_INVALID_REQUEST') throw err;
      throw new UserError(`failed to generate password: ${errorMessage(err)}`);
    }
  }
  return generateDefaultPassword();
}

/** The policy a role's credentials use: its own, else its connection's. */
export function passwordPolicyFor(credentialConfig: Readonly<Record<string, string>>, config: ConnectionConfig): string | undefined {
  const own = credentialConfig['password_policy'];
  if (own !== undefined && own !== '') return own;
  return config.password_policy === '' ? undefined : config.password_policy;
}
