/** sys/auth (listing; enabling auth methods arrives with the auth methods themselves). */
import { definePath } from '../../sdk/index.js';
import type { SystemContext } from './context.js';
import { renderMount } from './render-mount.js';

export function authPaths(ctx: SystemContext) {
  const { core } = ctx;
  return [
    definePath({
      pattern: 'auth/?',
      fields: {},
      synopsis: 'List the enabled auth methods.',
      operations: {
        read: async () => ({
          data: Object.fromEntries(
            core.listAuthMounts().map((m) => {
              const rendered = renderMount(core, m);
              const config = { ...(rendered['config'] as Record<string, unknown>), token_type: 'default-service' };
              return [m.path.slice('auth/'.length), { ...rendered, config }];
            }),
          ),
        }),
      },
    }),
  ];
}
