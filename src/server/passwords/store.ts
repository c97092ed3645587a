/**
 * Durable password policies (Vault's `sys/policies/password`): each policy is stored as
 * `{ policy }` JSON (the HCL text, as Vault stores it) under `<prefix><name>`, default prefix
 * `password_policy/` like Vault's.
 *
 * `put` refuses a policy that does not parse or that the generator cannot satisfy, and never
 * touches the stored value when it refuses. Parsed policies are cached by their text, so a
 * policy rewritten by another node is picked up at its next read.
 */
import { LRUCache } from 'lru-cache';
import { InternalError, UserError } from '../../shared/errors.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS, type PasswordPolicy, generatePassword, parsePasswordPolicy } from '../../shared/password-policy/index.js';
import { type Storage, getJson, listRecursive, putJson } from '../sdk/index.js';

/** What is stored per policy (Vault's `passwordPolicyConfig`). */
interface StoredPasswordPolicy {
  readonly policy: string;
}

export interface PasswordPolicyStoreOptions {
  /** Storage key prefix. Default `password_policy/`. */
  readonly prefix?: string;
}

export interface PasswordPolicyStore {
  /** The policy text as stored, or null. */
  get(name: string): Promise<string | null>;
  /**
   * Validates and stores `text` (the HCL or JSON, already base64-decoded). Throws a
   * `UserError` for an invalid name (`invalid password policy name …`), a policy that does
   * not parse (`invalid password policy: …`) or one no password can be generated from
   * (`unable to generate password from provided policy: …`).
   */
  put(name: string, text: string): Promise<PasswordPolicy>;
  /** Deletes a policy; deleting one that does not exist succeeds. */
  delete(name: string): Promise<void>;
  /** Every policy name, sorted. */
  list(): Promise<string[]>;
  /**
   * A password from the named policy (`SystemView.generatePasswordFromPolicy`). Throws a
   * `UserError` naming the policy when it does not exist, or when its rules are too strict.
   */
  generate(name: string): Promise<string>;
}

/**
 * The effort spent on a policy when it is written: a tenth of what generation allows, so a
 * policy that passes this check fails to generate later only with negligible probability.
 */
const VALIDATION_BUDGET = { maxAttempts: DEFAULT_MAX_ATTEMPTS / 10, timeoutMs: DEFAULT_TIMEOUT_MS / 10 };

/**
 * Vault accepts any non-empty name (`policies/password/(?P<name>.+)`); names must also be
 * usable as storage keys, so no empty, `.` or `..` segment and no leading or trailing `/`.
 */
export function validatePasswordPolicyName(name: string): void {
  if (name === '') throw new UserError('missing policy name');
  if (name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new UserError(`invalid password policy name ${JSON.stringify(name)}: it must not start or end with "/", or contain "//", "." or ".." segments`);
  }
}

export function createPasswordPolicyStore(storage: Storage, options: PasswordPolicyStoreOptions = {}): PasswordPolicyStore {
  const prefix = options.prefix ?? 'password_policy/';
  const parsed = new LRUCache<string, PasswordPolicy>({ max: 256 });

  function parse(text: string): PasswordPolicy {
    let policy = parsed.get(text);
    if (policy === undefined) {
      policy = parsePasswordPolicy(text);
      parsed.set(text, policy);
    }
    return policy;
  }

  async function get(name: string): Promise<string | null> {
    validatePasswordPolicyName(name);
    const entry = await getJson<StoredPasswordPolicy>(storage, prefix + name);
    return entry === null || typeof entry.policy !== 'string' ? null : entry.policy;
  }

  return {
    get,

    async put(name, text) {
      validatePasswordPolicyName(name);
      if (text === '') throw new UserError('missing policy');
      let policy: PasswordPolicy;
      try {
        policy = parse(text);
      } catch (err) {
        if (err instanceof UserError) throw new UserError(`invalid password policy: ${err.message}`, { cause: err });
        throw err;
      }
      try {
        generatePassword(policy, VALIDATION_BUDGET);
      } catch (err) {
        if (err instanceof UserError) throw new UserError(`unable to generate password from provided policy: ${err.message}`, { cause: err });
        throw err;
      }
      await putJson(storage, prefix + name, { policy: text } satisfies StoredPasswordPolicy);
      return policy;
    },

    async delete(name) {
      validatePasswordPolicyName(name);
      await storage.delete(prefix + name);
    },

    async list() {
      const keys = await listRecursive(storage, prefix);
      return keys.map((k) => k.slice(prefix.length)).sort();
    },

    async generate(name) {
      const text = await get(name);
      if (text === null) throw new UserError(`password policy ${JSON.stringify(name)} not found`);
      let policy: PasswordPolicy;
      try {
        policy = parse(text);
      } catch (err) {
        // Validated when written: only a corrupted or downgraded store gets here.
        throw new InternalError('stored password policy configuration failed to parse', { cause: err });
      }
      return generatePassword(policy);
    },
  };
}
