/**
 * ACL policies (`sys/policies/acl/*`, as the Go client's `Sys().ListPolicies` & co.). Names are
 * lowercased and trimmed, as the server stores them.
 */
import { AppError } from '../shared/index.js';
import type { CoreApi } from './client.js';

export interface PoliciesApi {
  /** `LIST sys/policies/acl`: the policy names (empty when there are none). */
  list(): Promise<string[]>;
  /** `GET sys/policies/acl/<name>`: the policy text, or `null` when there is no such policy. */
  read(name: string): Promise<string | null>;
  /** `PUT sys/policies/acl/<name>` with `{ policy }` (HCL or JSON). */
  write(name: string, policy: string): Promise<void>;
  /** `DELETE sys/policies/acl/<name>` (succeeds when the policy does not exist). */
  delete(name: string): Promise<void>;
}

/** Vault's policy-name normalisation (`strings.TrimSpace(strings.ToLower(name))`). */
export function normalizePolicyName(name: string): string {
  return name.trim().toLowerCase();
}

function policyPath(name: string): string {
  const n = normalizePolicyName(name);
  if (n === '' || n.includes('/')) throw new AppError('ERR_INVALID_REQUEST', `invalid policy name ${JSON.stringify(name)}`);
  return `sys/policies/acl/${n}`;
}

export function createPoliciesApi(core: CoreApi): PoliciesApi {
  return {
    async list() {
      const secret = await core.list('sys/policies/acl');
      const keys = secret?.data?.['keys'];
      return Array.isArray(keys) ? keys.map((k) => String(k)) : [];
    },

    async read(name) {
      const secret = await core.read(policyPath(name));
      if (secret === null) return null;
      const policy = secret.data?.['policy'];
      if (typeof policy !== 'string') throw new AppError('ERR_INTERNAL', 'no policy found in response');
      return policy;
    },

    async write(name, policy) {
      await core.write(policyPath(name), { policy });
    },

    async delete(name) {
      await core.delete(policyPath(name));
    },
  };
}
