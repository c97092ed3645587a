/**
 * The `cubbyhole/` secrets engine (Vault's `vault/logical_cubbyhole.go`): KV-v1-like
 * read/write/list/delete of arbitrary JSON maps, confined to the calling token's own
 * cubbyhole. Core-internal like sys and auth/token: it learns who is calling through
 * `deps.callerOf`, never from the request, and keys storage by the token's random
 * `cubbyhole_id`, never by the token.
 *
 * Vault differences kept on purpose: a write without data is a 400 (Vault answers with a
 * plain error, i.e. 500), and a request without a caller is a 403 (Vault: 500 `client
 * token empty`; the pipeline never lets such a request through anyway).
 */
import { PermissionDeniedError, UserError } from '../../shared/errors.js';
import {
  defineBackend,
  definePath,
  f,
  type BackendSpec,
  type FieldValues,
  type LogicalRequest,
  type LogicalResponse,
} from '../sdk/index.js';
import type { CubbyholeStore } from './store.js';

/** The caller as the cubbyhole needs it (a `TokenCaller` fits). */
export interface CubbyholeCaller {
  token: string;
  entry: {
    readonly cubbyhole_id: string;
    /** `batch` tokens have no cubbyhole. Absent = service. */
    readonly type?: string;
    readonly policies?: readonly string[];
  };
}

export interface CubbyholeBackendDeps {
  /** The caller of request `requestId` (set by the pipeline for the duration of the call). */
  callerOf(requestId: string): CubbyholeCaller | null;
}

export const CUBBYHOLE_HELP = `The cubbyhole backend reads and writes arbitrary secrets to the backend.
The secrets are encrypted/decrypted by Vault: they are never stored
unencrypted in the backend and the backend never has an opportunity to
see the unencrypted value.

This backend differs from the 'kv' backend in that it is namespaced
per-token. Tokens can only read and write their own values, with no
sharing possible (per-token cubbyholes). This can be useful for implementing
certain authentication workflows, as well as "scratch" areas for individual
clients. When the token is revoked, the entire set of stored values for that
token is also removed.`;

/** Vault's error for batch tokens (router.go), a 400. */
export const BATCH_TOKEN_CUBBYHOLE_ERROR = 'cubbyhole operations are only supported by "service" type tokens';

/** Vault's warning when a wrapping token reads its response the pre-0.6.2 way. */
export const CUBBYHOLE_RESPONSE_DEPRECATION =
  "Reading from 'cubbyhole/response' is deprecated. Please use sys/wrapping/unwrap to unwrap responses, as it provides additional security checks and other benefits.";

const fields = {
  path: f.string({ description: 'Specifies the path of the secret.', required: true }),
};

type CubbyholeFields = FieldValues<typeof fields>;

export function cubbyholeBackend(store: CubbyholeStore, deps: CubbyholeBackendDeps): BackendSpec {
  /** The caller's cubbyhole id; throws for requests without a (service) token. */
  function cubbyholeOf(req: LogicalRequest): { id: string; caller: CubbyholeCaller } {
    const caller = deps.callerOf(req.id);
    if (!caller) throw new PermissionDeniedError('permission denied', { details: ['client token empty'] });
    if ((caller.entry.type ?? 'service') !== 'service' || caller.entry.cubbyhole_id === '') {
      throw new UserError(BATCH_TOKEN_CUBBYHOLE_ERROR);
    }
    return { id: caller.entry.cubbyhole_id, caller };
  }

  async function read(req: LogicalRequest, values: CubbyholeFields): Promise<LogicalResponse | null> {
    const { id, caller } = cubbyholeOf(req);
    const data = await store.get(id, values.path);
    if (data === null) return null;
    // No `leaseDuration`: cubbyhole reads carry no TTL (lease_duration 0), unlike KV v1.
    const resp: LogicalResponse = { data };
    const policies = caller.entry.policies;
    if (values.path === 'response' && policies?.length === 1 && policies[0] === 'response-wrapping') {
      resp.warnings = [CUBBYHOLE_RESPONSE_DEPRECATION];
    }
    return resp;
  }

  async function write(req: LogicalRequest, values: CubbyholeFields): Promise<LogicalResponse | null> {
    const { id } = cubbyholeOf(req);
    if (Object.keys(req.data).length === 0) throw new UserError('missing data fields');
    if (values.path === '') throw new UserError('missing path');
    if (values.path.endsWith('/')) throw new UserError("cannot write to a path ending in '/'");
    await store.put(id, values.path, req.data);
    return null;
  }

  async function remove(req: LogicalRequest, values: CubbyholeFields): Promise<LogicalResponse | null> {
    const { id } = cubbyholeOf(req);
    await store.delete(id, values.path);
    return null;
  }

  async function list(req: LogicalRequest, values: CubbyholeFields): Promise<LogicalResponse | null> {
    const { id } = cubbyholeOf(req);
    const keys = await store.list(id, values.path);
    return { data: keys.length > 0 ? { keys } : {} };
  }

  return defineBackend({
    kind: 'logical',
    help: CUBBYHOLE_HELP,
    paths: [
      definePath({
        pattern: '(?<path>.*)',
        fields,
        takesArbitraryInput: true,
        operations: {
          read: { handler: read, summary: 'Retrieve the secret at the specified location.' },
          create: { handler: write, summary: 'Store a secret at the specified location.' },
          update: { handler: write, summary: 'Store a secret at the specified location.' },
          delete: { handler: remove, summary: 'Deletes the secret at the specified location.' },
          list: { handler: list, summary: 'List secret entries at the specified location.' },
        },
        existenceCheck: async (req, values) => {
          const caller = deps.callerOf(req.id);
          if (!caller || caller.entry.cubbyhole_id === '' || (caller.entry.type ?? 'service') !== 'service') return false;
          return store.exists(caller.entry.cubbyhole_id, values.path);
        },
        synopsis:
          'Pass-through secret storage to a token-specific cubbyhole in the storage backend, allowing you to read/write arbitrary data into secret storage.',
        description: `The cubbyhole backend reads and writes arbitrary data into secret storage,
encrypting it along the way.

The view into the cubbyhole storage space is different for each token; it is
a per-token cubbyhole. When the token is revoked all values are removed.`,
      }),
    ],
  });
}
