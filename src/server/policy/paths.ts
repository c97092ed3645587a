/**
 * The policy endpoints of the sys backend, relative to `sys/` (Vault's `logical_system.go`
 * handlePolicies*):
 *
 * - `GET|LIST sys/policy` -> `{keys, policies}` (the same sorted list, `root` included);
 * - `GET sys/policy/:name` -> `{name, rules}`; `POST {policy}` (or the deprecated `rules`,
 *   with a warning); `DELETE` (204 even when missing);
 * - `LIST sys/policies/acl` -> `{keys}`;
 * - `GET sys/policies/acl/:name` -> `{name, policy}`; `POST {policy}`; `DELETE`.
 *
 * Policy text is base64-decoded when it decodes (as Vault does); an empty text is
 * `'policy' parameter not supplied or empty`; names are lowercased and trimmed (with a
 * warning when that changed them). Unknown names read as 404.
 */
import { Buffer } from 'node:buffer';
import { UserError } from '../../shared/errors.js';
import { type LogicalResponse, type PathSpec, definePath, f } from '../sdk/index.js';
import { sanitizePolicyName } from '../../shared/policy/index.js';
import type { PolicyStore } from './store.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Go's `base64.StdEncoding.DecodeString` semantics: padded standard alphabet, CR and LF
 * ignored. Returns the decoded text, or `text` unchanged when it is not base64.
 */
export function decodePolicyText(text: string): string {
  const compact = text.replace(/[\r\n]/g, '');
  if (!BASE64.test(compact)) return text;
  return Buffer.from(compact, 'base64').toString('utf8');
}

const nameField = f.string({ description: 'The name of the policy.', required: true });

export function policyPaths(store: PolicyStore): PathSpec<any>[] {
  const listAll = async (legacy: boolean): Promise<LogicalResponse> => {
    const keys = await store.list();
    return { data: legacy ? { keys, policies: [...keys] } : { keys } };
  };

  const read = (field: 'rules' | 'policy') => async (_req: unknown, fields: { readonly name: string }): Promise<LogicalResponse | null> => {
    const stored = await store.get(fields.name);
    return stored === null ? null : { data: { name: stored.name, [field]: stored.policy } };
  };

  const write =
    (legacy: boolean) =>
    async (_req: unknown, fields: { readonly name: string; readonly policy?: string | undefined; readonly rules?: string | undefined }): Promise<LogicalResponse | null> => {
      const warnings: string[] = [];
      const name = sanitizePolicyName(fields.name);
      if (name === '') throw new UserError('policy name must be provided in the URL');
      let text = fields.policy ?? '';
      if (text === '' && legacy) {
        text = fields.rules ?? '';
        if (fields.rules !== undefined) warnings.push("'rules' is deprecated, please use 'policy' instead");
      }
      if (text === '') throw new UserError("'policy' parameter not supplied or empty");
      await store.put(name, decodePolicyText(text));
      if (name !== fields.name) warnings.push(`policy name was converted to ${JSON.stringify(name)}`);
      return warnings.length > 0 ? { warnings } : null;
    };

  const remove = async (_req: unknown, fields: { readonly name: string }): Promise<null> => {
    await store.delete(fields.name);
    return null;
  };

  const exists = async (_req: unknown, fields: { readonly name: string }): Promise<boolean> => (await store.get(fields.name)) !== null;

  return [
    definePath({
      pattern: 'policy/?',
      fields: {},
      synopsis: 'List the configured ACL policies.',
      operations: {
        read: () => listAll(true),
        list: () => listAll(true),
      },
    }),
    definePath({
      pattern: 'policy/(?<name>.+)',
      fields: {
        name: nameField,
        policy: f.string({ description: 'The rules of the policy (HCL or JSON, optionally base64-encoded).' }),
        rules: f.string({ description: 'Deprecated: use "policy".' }),
      },
      existenceCheck: exists,
      synopsis: 'Read, write or delete an ACL policy (legacy endpoint).',
      operations: {
        read: read('rules'),
        create: write(true),
        update: write(true),
        delete: remove,
      },
    }),
    definePath({
      pattern: 'policies/acl/?',
      fields: {},
      synopsis: 'List the configured ACL policies.',
      operations: {
        list: () => listAll(false),
      },
    }),
    definePath({
      pattern: 'policies/acl/(?<name>.+)',
      fields: {
        name: nameField,
        policy: f.string({ description: 'The rules of the policy (HCL or JSON, optionally base64-encoded).' }),
      },
      existenceCheck: exists,
      synopsis: 'Read, write or delete an ACL policy.',
      operations: {
        read: read('policy'),
        create: write(false),
        update: write(false),
        delete: remove,
      },
    }),
  ];
}
