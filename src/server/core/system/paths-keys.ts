/** sys/key-status and sys/rotate: the barrier keyring. */
import { definePath } from '../../sdk/index.js';
import type { SystemContext } from './context.js';

export function keyPaths(ctx: SystemContext) {
  const { core } = ctx;
  return [
    definePath({
      pattern: 'key-status',
      fields: {},
      synopsis: 'The active encryption key term.',
      operations: {
        read: async () => {
          const status = core.keyStatus();
          return { data: { term: status.term, install_time: status.installTime, encryptions: status.encryptions } };
        },
      },
    }),
    definePath({
      pattern: 'rotate',
      fields: {},
      synopsis: 'Add a new encryption key term; older terms keep decrypting.',
      operations: {
        // Needs sudo: listed in the backend's root paths, enforced by the pipeline.
        update: async () => {
          await core.rotateKeyring();
          return null;
        },
      },
    }),
  ];
}
