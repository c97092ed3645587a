/**
 * sys/leases/* (and Vault's legacy sys/renew, sys/revoke, sys/revoke-prefix, sys/revoke-force)
 * plus sys/quotas/lease-count. Patterns are relative to `sys/`.
 */
import { UserError } from '../../shared/errors.js';
import { definePath, f, type LogicalResponse, type PathSpec } from '../sdk/index.js';
import { MAX_IRREVOCABLE_LEASES_TO_RETURN, type ExpirationManager } from './expiration-manager.js';

/** Paths (relative to `sys/`) that need `sudo` on top of the capability (Vault's `rootPaths`). */
export const LEASE_SUDO_PATHS: readonly string[] = [
  'leases/revoke-prefix/*',
  'leases/revoke-force/*',
  'leases/lookup/*',
  'revoke-prefix/*',
  'revoke-force/*',
];

export const TIDY_STARTED_WARNING =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

export const MAX_IRREVOCABLE_LEASES_WARNING =
  'Command halted because many irrevocable leases were found. To emit the entire list, re-run the command with force set true.';

function leaseIdOf(fields: { lease_id?: string | undefined; url_lease_id?: string | undefined }): string {
  const id = fields.lease_id || fields.url_lease_id || '';
  if (id === '') throw new UserError('lease_id must be specified');
  return id;
}

export function leasePaths(manager: ExpirationManager): PathSpec<any>[] {
  const renewFields = {
    lease_id: f.string({ description: 'The lease identifier to renew. This is included with a lease.' }),
    url_lease_id: f.string({ description: 'The lease identifier to renew (in the URL).' }),
    increment: f.durationSecond({ description: 'The desired increment in seconds to the lease', default: 0 }),
  };
  const renew = definePath({
    pattern: 'leases/renew(?:/(?<url_lease_id>.+))?',
    fields: renewFields,
    synopsis: 'Renews a lease, requesting to extend the lease.',
    operations: {
      update: async (_req, fields) => {
        const result = await manager.renew(leaseIdOf(fields), fields.increment);
        const resp: LogicalResponse = {
          data: null,
          leaseDuration: result.ttl,
          leaseId: result.leaseId,
          renewable: result.renewable,
          ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
        };
        return resp;
      },
    },
  });

  const revokeFields = {
    lease_id: f.string({ description: 'The lease identifier to revoke.' }),
    url_lease_id: f.string({ description: 'The lease identifier to revoke (in the URL).' }),
    sync: f.bool({ description: 'Whether or not to perform the revocation synchronously', default: true }),
  };
  const revoke = definePath({
    pattern: 'leases/revoke(?:/(?<url_lease_id>.+))?',
    fields: revokeFields,
    synopsis: 'Revokes a lease immediately.',
    operations: {
      update: async (_req, fields) => {
        await manager.revoke(leaseIdOf(fields), { sync: fields.sync });
        return fields.sync ? null : { httpStatus: 202 };
      },
    },
  });

  const prefixFields = {
    prefix: f.string({ description: 'The path to revoke keys under. Example: "prod/aws/ops"', required: true }),
    sync: f.bool({ description: 'Whether or not to perform the revocation synchronously', default: true }),
  };
  const revokePrefix = definePath({
    pattern: 'leases/revoke-prefix/(?<prefix>.+)',
    fields: prefixFields,
    synopsis: 'Revokes all secrets (via a lease ID prefix) or tokens (via the tokens path prefix).',
    operations: {
      update: async (_req, fields) => {
        await manager.revokePrefix(fields.prefix, { sync: fields.sync });
        return fields.sync ? null : { httpStatus: 202 };
      },
    },
  });

  const forceFields = {
    prefix: f.string({ description: 'The path to revoke keys under. Example: "prod/aws/ops"', required: true }),
  };
  const revokeForce = definePath({
    pattern: 'leases/revoke-force/(?<prefix>.+)',
    fields: forceFields,
    synopsis: 'Revokes all secrets or tokens generated under a given prefix immediately, ignoring backend errors.',
    operations: {
      update: async (_req, fields) => {
        await manager.revokePrefix(fields.prefix, { force: true });
        return null;
      },
    },
  });

  /** The same spec under the legacy pattern. */
  const legacy = <S extends PathSpec<any>>(spec: S, pattern: string): S => ({ ...spec, pattern });

  return [
    definePath({
      pattern: 'leases/lookup',
      fields: { lease_id: f.string({ description: 'The lease identifier to look up.' }) },
      synopsis: 'View or list lease metadata.',
      operations: {
        update: async (_req, fields) => {
          if (!fields.lease_id) throw new UserError('lease_id must be specified');
          const lease = await manager.lookup(fields.lease_id);
          if (lease === null) throw new UserError('invalid lease');
          return { data: { ...lease } };
        },
      },
    }),
    definePath({
      pattern: 'leases/lookup/(?<prefix>.*)',
      fields: { prefix: f.string({ description: 'The path to list leases under. Example: "aws/creds/deploy"', default: '' }) },
      synopsis: 'List lease ids below a prefix.',
      operations: {
        list: async (_req, fields) => {
          const keys = manager.list(fields.prefix);
          return keys.length === 0 ? null : { data: { keys } };
        },
      },
    }),
    renew,
    legacy(renew, 'renew(?:/(?<url_lease_id>.+))?'),
    revoke,
    legacy(revoke, 'revoke(?:/(?<url_lease_id>.+))?'),
    revokePrefix,
    legacy(revokePrefix, 'revoke-prefix/(?<prefix>.+)'),
    revokeForce,
    legacy(revokeForce, 'revoke-force/(?<prefix>.+)'),
    definePath({
      pattern: 'leases/tidy',
      fields: {},
      synopsis: 'Cleans up the dangling storage entries for leases.',
      operations: {
        update: async () => {
          void manager.tidy().catch(() => undefined);
          return { warnings: [TIDY_STARTED_WARNING], httpStatus: 202 };
        },
      },
    }),
    definePath({
      pattern: 'leases/count',
      fields: {
        type: f.string({ description: 'Type of leases to get counts for (currently only supporting irrevocable).', default: '' }),
        include_child_namespaces: f.bool({ description: 'Set true if the counts should include child namespaces', default: false }),
      },
      synopsis: 'Count of leases associated with this Vault cluster',
      operations: {
        read: async (_req, fields) => {
          if (fields.type.toLowerCase() !== 'irrevocable') return null;
          return { data: { ...(await manager.irrevocableCounts()) } };
        },
      },
    }),
    definePath({
      pattern: 'leases',
      fields: {
        type: f.string({ description: 'Type of leases to retrieve (currently only supporting irrevocable).', default: '' }),
        include_child_namespaces: f.bool({ description: 'Set true if the response should include child namespaces', default: false }),
        limit: f.string({ description: "Set to a positive integer of the maximum number of entries to return. If you want all results, set to 'none'.", default: '' }),
      },
      synopsis: 'List leases associated with this Vault cluster',
      operations: {
        read: async (_req, fields) => {
          if (fields.type.toLowerCase() !== 'irrevocable') return null;
          let limit = MAX_IRREVOCABLE_LEASES_TO_RETURN;
          if (fields.limit.toLowerCase() === 'none') limit = Number.MAX_SAFE_INTEGER;
          else if (fields.limit !== '') {
            if (!/^[-+]?\d+$/.test(fields.limit.trim())) {
              throw new UserError(`invalid 'limit' provided: strconv.Atoi: parsing "${fields.limit}": invalid syntax`);
            }
            limit = Number.parseInt(fields.limit, 10);
            if (limit < 1) throw new UserError("limit must be 'none' or a positive integer");
          }
          const { leases, truncated } = await manager.irrevocable({ limit });
          return {
            data: { lease_count: leases.length, leases: leases.map(({ lease_id, mount_id, error }) => ({ lease_id, mount_id, error })) },
            ...(truncated ? { warnings: [MAX_IRREVOCABLE_LEASES_WARNING] } : {}),
          };
        },
      },
    }),
    definePath({
      pattern: 'quotas/lease-count/?',
      fields: {},
      synopsis: 'List lease-count quotas.',
      operations: {
        list: async () => {
          const keys = manager.quotas.list();
          return keys.length === 0 ? null : { data: { keys } };
        },
      },
    }),
    definePath({
      pattern: 'quotas/lease-count/(?<name>[\\w.-]+)',
      fields: {
        name: f.string({ description: 'The name of the quota.', required: true }),
        path: f.string({ description: "'' (global), a mount such as database/, or a path below one.", default: '' }),
        max_leases: f.int({ description: 'Maximum number of leases allowed by the quota rule.', default: 0 }),
      },
      synopsis: 'Create, read or delete a lease-count quota.',
      operations: {
        read: async (_req, fields) => {
          const quota = manager.quotas.get(fields.name);
          if (quota === null) return null;
          return {
            data: { name: quota.name, path: quota.path, type: 'lease-count', max_leases: quota.max_leases, counter: quota.counter, inheritable: false },
          };
        },
        update: async (_req, fields) => {
          await manager.quotas.put({ name: fields.name, path: fields.path, max_leases: fields.max_leases });
          return null;
        },
        delete: async (_req, fields) => {
          await manager.quotas.delete(fields.name);
          return null;
        },
      },
    }),
  ];
}
