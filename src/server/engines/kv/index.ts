/**
 * The KV secrets engine (Vault's `kv` plugin): a pass-through store for version 1 mounts,
 * a versioned store for `options.version: "2"` mounts, and the in-place upgrade from the
 * first to the second.
 */
import { UserError } from '../../../shared/errors.js';
import {
  defineBackend,
  definePath,
  type BackendFactory,
  type BackendSpec,
  type Handler,
  type LogicalResponse,
  type PathSpec,
  type Storage,
} from '../../sdk/index.js';
import { createContext, type KvV2Context } from './context.js';
import { kvEmitter } from './events.js';
import { passthroughBackend } from './passthrough.js';
import { pathConfig } from './path-config.js';
import { pathData } from './path-data.js';
import { pathsDelete } from './path-delete.js';
import { pathMetadata } from './path-metadata.js';
import { pathSubkeys } from './path-subkeys.js';
import { runUpgrade } from './upgrade.js';

export { UPGRADING_MESSAGE } from './context.js';
export { V2_PREFIX } from './version-store.js';

export const VERSIONED_HELP = `This backend provides a versioned key-value store. The kv backend reads and
writes arbitrary secrets to the storage backend. The secrets are
encrypted/decrypted by Coffer: they are never stored unencrypted in the backend
and the backend never has an opportunity to see the unencrypted value. Each key
can have a configured number of versions, and versions can be retrieved based on
their version numbers.`;

export const ROOT_WARNING = 'Non-listing operations on the root of a K/V v2 mount are not supported.';

const SUBCOMMAND: Record<string, string> = {
  create: 'put',
  update: 'put',
  patch: 'patch',
  read: 'get',
  list: 'list',
  delete: 'delete',
};

/** The warning of a request to a path a versioned mount does not serve. */
export function invalidPathWarning(operation: string): string {
  return `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${SUBCOMMAND[operation] ?? ''}' for this operation.`;
}

/** Vault's `pathInvalid`: anything else on a v2 mount is a 404 that explains where to go. */
function pathInvalid(): PathSpec<Record<string, never>> {
  const handler: Handler<Record<string, never>> = async (req): Promise<LogicalResponse> => {
    const root = ['metadata', 'data', 'delete', 'undelete', 'destroy'].includes(req.path);
    return { warnings: [root ? ROOT_WARNING : invalidPathWarning(req.operation)], httpStatus: 404 };
  };
  return definePath({
    pattern: '.*',
    fields: {},
    operations: { read: handler, create: handler, update: handler, patch: handler, delete: handler, list: handler },
    synopsis: 'Paths a versioned K/V mount does not serve (use data/, metadata/, …).',
  });
}

/** The versioned (v2) backend over `storage`; `initialize` runs or resumes the upgrade. */
export function versionedBackend(storage: Storage, ctx: KvV2Context): BackendSpec {
  return defineBackend({
    kind: 'logical',
    help: VERSIONED_HELP,
    paths: [
      pathConfig(ctx),
      pathData(ctx),
      pathMetadata(ctx),
      ...pathsDelete(ctx),
      pathSubkeys(ctx),
      // Must stay last: it matches everything.
      pathInvalid(),
    ],
    async initialize() {
      await runUpgrade(ctx, storage);
    },
  });
}

export interface KvFactoryOptions {
  /** Clock in epoch milliseconds (tests pin it to check `delete_version_after`). */
  now?: () => number;
}

/** A KV factory with injectable dependencies; `kvFactory` is the production one. */
export function createKvFactory(options: KvFactoryOptions = {}): BackendFactory {
  const now = options.now ?? Date.now;
  return ({ storage, mount, system }) => {
    const version = mount.options['version'] ?? '';
    if (version === '' || version === '1') return passthroughBackend(kvEmitter(system, 1));
    if (version === '2') return versionedBackend(storage, createContext(now, kvEmitter(system, 2)));
    throw new UserError(`invalid kv version "${version}": must be 1 or 2`);
  };
}

/** The `kv` backend factory: KV v1 unless `options.version` is `"2"`. */
export const kvFactory: BackendFactory = createKvFactory();
