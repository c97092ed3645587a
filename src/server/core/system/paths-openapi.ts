/** sys/internal/specs/openapi: the OpenAPI document of everything mounted. */
import { definePath } from '../../sdk/index.js';
import type { SystemContext } from './context.js';

export function openApiPaths(ctx: SystemContext) {
  return [
    definePath({
      pattern: 'internal/specs/openapi',
      fields: {},
      synopsis: 'OpenAPI 3 document generated from the mounted backends’ declarations.',
      operations: { read: async () => ({ raw: { status: 200, body: ctx.core.openApi() } }) },
    }),
  ];
}
