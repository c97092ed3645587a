/** sys/metrics: Prometheus text with `?format=prometheus`, else Vault's JSON shape. */
import { UserError } from '../../../shared/errors.js';
import { definePath, f } from '../../sdk/index.js';
import type { SystemContext } from './context.js';

export function metricsPaths(ctx: SystemContext) {
  return [
    definePath({
      pattern: 'metrics',
      fields: { format: f.string({ description: '"prometheus" for the text exposition format; empty for JSON.', default: '' }) },
      synopsis: 'Server metrics.',
      operations: {
        read: async (_req, fields) => {
          const metrics = ctx.core.metrics;
          if (!metrics) throw new UserError('metrics are not enabled on this server');
          if (fields.format !== '' && fields.format !== 'prometheus') throw new UserError(`unknown format "${fields.format}"`);
          const rendered = await metrics.render(fields.format === 'prometheus' ? 'prometheus' : 'json');
          return {
            raw: {
              status: 200,
              body: rendered.contentType === 'application/json' ? JSON.parse(rendered.body) : rendered.body,
              contentType: rendered.contentType,
            },
          };
        },
      },
    }),
  ];
}
