/**
 * The password policy endpoints of the sys backend, relative to `sys/` (Vault's
 * `logical_system.go` handlePoliciesPassword*):
 *
 * - `LIST sys/policies/password` -> `{keys}` (a plain GET, as in Vault's docs, too);
 * - `POST|PUT sys/policies/password/:name {policy}` -> 204. The policy is HCL or JSON,
 *   optionally base64-encoded; it is refused (400) when it does not parse or cannot be
 *   satisfied, and the stored one is then left as it was;
 * - `GET sys/policies/password/:name` -> `{policy}` as stored; 404 `policy does not exist`;
 * - `DELETE sys/policies/password/:name` -> 204, also when it does not exist;
 * - `GET sys/policies/password/:name/generate` -> `{password}`; 404 `policy does not exist`.
 */
import { NotFoundError, UserError } from '../../shared/errors.js';
import { type LogicalResponse, type PathSpec, definePath, f } from '../sdk/index.js';
import { decodePolicyText } from '../policy/index.js';
import type { PasswordPolicyStore } from './store.js';

const nameField = f.string({ description: 'The name of the password policy.', required: true });

const POLICY_DOES_NOT_EXIST = 'policy does not exist';

export function passwordPolicyPaths(store: PasswordPolicyStore): PathSpec<any>[] {
  const list = async (): Promise<LogicalResponse> => ({ data: { keys: await store.list() } });

  return [
    definePath({
      pattern: 'policies/password/?',
      fields: {},
      synopsis: 'List the existing password policies.',
      operations: {
        list: { handler: list, summary: 'List the existing password policies.' },
        read: list,
      },
    }),
    definePath({
      // Declared before the policy path, whose `.+` would otherwise swallow `/generate`.
      pattern: 'policies/password/(?<name>.+)/generate',
      fields: { name: nameField },
      synopsis: 'Generate a password from an existing password policy.',
      operations: {
        read: {
          summary: 'Generate a password from an existing password policy.',
          handler: async (_req, { name }) => {
            if ((await store.get(name)) === null) throw new NotFoundError(POLICY_DOES_NOT_EXIST);
            return { data: { password: await store.generate(name) } };
          },
        },
      },
    }),
    definePath({
      pattern: 'policies/password/(?<name>.+)',
      fields: {
        name: nameField,
        policy: f.string({ description: 'The password policy (HCL or JSON, optionally base64-encoded).' }),
      },
      synopsis: 'Read, modify or delete a password policy.',
      description: 'Read the rules of an existing password policy, create or update the rules of a password policy, or delete a password policy.',
      operations: {
        update: {
          summary: 'Add a new or update an existing password policy.',
          handler: async (_req, { name, policy }) => {
            const text = policy ?? '';
            if (text === '') throw new UserError('missing policy');
            await store.put(name, decodePolicyText(text));
            return null;
          },
        },
        read: {
          summary: 'Retrieve an existing password policy.',
          handler: async (_req, { name }) => {
            const text = await store.get(name);
            if (text === null) throw new NotFoundError(POLICY_DOES_NOT_EXIST);
            return { data: { policy: text } };
          },
        },
        delete: {
          summary: 'Delete a password policy.',
          handler: async (_req, { name }) => {
            await store.delete(name);
            return null;
          },
        },
      },
    }),
  ];
}
