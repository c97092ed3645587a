/** sys/locked-users: users locked out by auth methods, and unlocking them (Vault's API). */
import { UserError } from '../../../shared/errors.js';
import { definePath, f } from '../../sdk/index.js';
import type { SystemContext } from './context.js';

export function lockedUserPaths(ctx: SystemContext) {
  const { core } = ctx;
  return [
    definePath({
      pattern: 'locked-users',
      fields: { mount_accessor: f.string({ description: 'Only this auth mount.' }) },
      synopsis: 'Users currently locked out, per auth mount.',
      operations: {
        read: async (_req, fields) => {
          const mounts: { mount_accessor: string; counts: number; alias_identifiers: string[] }[] = [];
          for (const { entry, lockout } of core.lockoutMounts()) {
            if (fields.mount_accessor && fields.mount_accessor !== entry.accessor) continue;
            const locked = await lockout.list();
            if (locked.length > 0) mounts.push({ mount_accessor: entry.accessor, counts: locked.length, alias_identifiers: locked });
          }
          const total = mounts.reduce((n, m) => n + m.counts, 0);
          return {
            data: {
              by_namespace: total > 0 ? [{ namespace_id: 'root', namespace_path: '', counts: total, mount_accessors: mounts }] : [],
              total,
            },
          };
        },
      },
    }),
    definePath({
      pattern: 'locked-users/(?<mount_accessor>[^/]+)/unlock/(?<alias_identifier>.+)',
      fields: {
        mount_accessor: f.string({ description: 'Accessor of the auth mount.', required: true }),
        alias_identifier: f.string({ description: 'The locked user (e.g. the username).', required: true }),
      },
      synopsis: 'Unlock a locked-out user.',
      operations: {
        update: async (_req, fields) => {
          const mount = core.lockoutMounts().find((m) => m.entry.accessor === fields.mount_accessor);
          if (!mount) throw new UserError(`unknown or unsupported mount accessor "${fields.mount_accessor}"`);
          await mount.lockout.unlock(fields.alias_identifier);
          return null;
        },
      },
    }),
  ];
}
