/** sys/quotas/rate-limit: Vault's rate-limit quotas (per client address, most specific wins). */
import { UserError } from '../../../shared/errors.js';
import { definePath, f } from '../../sdk/index.js';
import type { SystemContext } from './context.js';

export function quotaPaths(ctx: SystemContext) {
  const limiter = () => ctx.core.rateLimits;
  return [
    definePath({
      pattern: 'quotas/rate-limit/?',
      fields: {},
      synopsis: 'List rate-limit quotas.',
      operations: { list: async () => ({ data: { keys: limiter().list() } }) },
    }),
    definePath({
      pattern: 'quotas/rate-limit/(?<name>[\\w.-]+)',
      fields: {
        name: f.string({ description: 'Quota name.', required: true }),
        path: f.string({ description: "'' (global), a mount such as auth/approle/, or a path below one.", default: '' }),
        role: f.string({ description: 'Only logins naming this role.', default: '' }),
        rate: f.float({ description: 'Requests allowed per interval.' }),
        interval: f.durationSecond({ description: 'The interval (default 1s).', default: 1 }),
        block_interval: f.durationSecond({ description: 'How long an offending client stays refused.', default: 0 }),
      },
      synopsis: 'Create, read or delete a rate-limit quota.',
      operations: {
        read: async (_req, fields) => {
          const quota = limiter().get(fields.name);
          return quota ? { data: { ...quota, type: 'rate-limit', inheritable: false } } : null;
        },
        update: async (_req, fields) => {
          if (fields.rate === undefined) throw new UserError('missing rate');
          const path = fields.path.replace(/^\/+/, '');
          if (fields.role !== '' && !path.startsWith('auth/')) throw new UserError('role can only be set on an auth mount path');
          await limiter().put({ name: fields.name, path, role: fields.role, rate: fields.rate, interval: fields.interval, block_interval: fields.block_interval });
          return null;
        },
        delete: async (_req, fields) => {
          await limiter().delete(fields.name);
          return null;
        },
      },
    }),
  ];
}
