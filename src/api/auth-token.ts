/**
 * `auth/token/*` helpers, as the Go client's `Auth().Token()`: create (plain, orphan, against
 * a role), look up, renew and revoke, by token, by accessor or for the client's own token.
 *
 * Tokens and accessors always travel in the JSON body, never in the URL, so they cannot end
 * up in an `ApiError` message or a proxy log.
 */
import { AppError } from '../shared/index.js';
import type { CoreApi } from './client.js';
import { createLoginApi, type LoginApi } from './auth-login.js';
import { parseSecret, type JsonObject, type Secret } from './types.js';

/** `POST auth/token/create` parameters (the wire names; durations as `"1h"` or seconds). */
export interface TokenCreateRequest {
  /** The token value (root or sudo only). */
  id?: string;
  policies?: readonly string[];
  /** Metadata, shown in the audit log (`-metadata k=v`). */
  meta?: Readonly<Record<string, string>>;
  /** Create an orphan (sudo). `createOrphan` does not need sudo. */
  no_parent?: boolean;
  no_default_policy?: boolean;
  renewable?: boolean;
  ttl?: string | number;
  explicit_max_ttl?: string | number;
  period?: string | number;
  display_name?: string;
  /** Uses before the token is revoked (0 = unlimited). */
  num_uses?: number;
  type?: 'service' | 'batch' | (string & {});
  /** With a role: the entity alias to attach the token to. */
  entity_alias?: string;
}

export interface TokenApi {
  /** `POST auth/token/create`: a child of the client's token (the response's `auth` has the new token). */
  create(request?: TokenCreateRequest): Promise<Secret>;
  /** `POST auth/token/create-orphan`. */
  createOrphan(request?: TokenCreateRequest): Promise<Secret>;
  /** `POST auth/token/create/<role>`. */
  createWithRole(role: string, request?: TokenCreateRequest): Promise<Secret>;
  /** `POST auth/token/lookup` for `token`, or `lookup-self` when it is omitted or empty. */
  lookup(token?: string): Promise<Secret>;
  /** `GET auth/token/lookup-self`. */
  lookupSelf(): Promise<Secret>;
  /** `POST auth/token/lookup-accessor` (the response's `id` is empty). */
  lookupAccessor(accessor: string): Promise<Secret>;
  /** `POST auth/token/renew`; `increment` in seconds or as a duration string. */
  renew(token: string, increment?: string | number): Promise<Secret>;
  /** `POST auth/token/renew-self`. */
  renewSelf(increment?: string | number): Promise<Secret>;
  /** `POST auth/token/renew-accessor` (the response's `client_token` is empty). */
  renewAccessor(accessor: string, increment?: string | number): Promise<Secret>;
  /** `POST auth/token/revoke`: the token and all its children. */
  revoke(token: string): Promise<void>;
  /** `POST auth/token/revoke-self`. */
  revokeSelf(): Promise<void>;
  /** `POST auth/token/revoke-accessor`. */
  revokeAccessor(accessor: string): Promise<void>;
  /** `POST auth/token/revoke-orphan` (sudo): the token only; its children become orphans. */
  revokeOrphan(token: string): Promise<void>;
}

/** `auth/*`: the token method, plus logins with the other methods (see `auth-login.ts`). */
export interface AuthApi extends LoginApi {
  readonly token: TokenApi;
}

/** The request body Vault's Go client sends (`TokenCreateRequest`), without unset fields. */
function createBody(request: TokenCreateRequest): JsonObject {
  const body: JsonObject = {};
  for (const [key, value] of Object.entries(request) as [string, unknown][]) {
    if (value === undefined) continue;
    if (Array.isArray(value)) body[key] = [...(value as unknown[])];
    else if (typeof value === 'object' && value !== null) body[key] = { ...(value as Record<string, unknown>) };
    else body[key] = value;
  }
  return body;
}

function withIncrement(body: JsonObject, increment: string | number | undefined): JsonObject {
  if (increment !== undefined && increment !== '' && increment !== 0) body['increment'] = increment;
  return body;
}

/** `auth/token/<role>`: a role name is one path segment. */
function roleSegment(role: string): string {
  const r = role.trim();
  if (r === '' || r.includes('/')) throw new AppError('ERR_INVALID_REQUEST', `invalid token role name ${JSON.stringify(role)}`);
  return r;
}

export function createAuthApi(core: CoreApi): AuthApi {
  const call = async (method: string, path: string, body?: JsonObject): Promise<Secret> => {
    const res = await core.request(method, path, body === undefined ? {} : { body });
    core.ensureOk(method, path, res);
    const secret = parseSecret(res.body);
    if (secret === null) throw new AppError('ERR_INTERNAL', `empty response from ${path}`);
    return secret;
  };
  const send = async (path: string, body?: JsonObject): Promise<void> => {
    const res = await core.request('PUT', path, body === undefined ? {} : { body });
    core.ensureOk('PUT', path, res);
  };

  const token: TokenApi = {
    create: (request = {}) => call('PUT', 'auth/token/create', createBody(request)),
    createOrphan: (request = {}) => call('PUT', 'auth/token/create-orphan', createBody(request)),
    createWithRole: async (role, request = {}) => call('PUT', `auth/token/create/${roleSegment(role)}`, createBody(request)),
    lookup: (t) => (t === undefined || t.trim() === '' ? call('GET', 'auth/token/lookup-self') : call('PUT', 'auth/token/lookup', { token: t.trim() })),
    lookupSelf: () => call('GET', 'auth/token/lookup-self'),
    lookupAccessor: (accessor) => call('PUT', 'auth/token/lookup-accessor', { accessor: accessor.trim() }),
    renew: (t, increment) => call('PUT', 'auth/token/renew', withIncrement({ token: t.trim() }, increment)),
    renewSelf: (increment) => call('PUT', 'auth/token/renew-self', withIncrement({}, increment)),
    renewAccessor: (accessor, increment) => call('PUT', 'auth/token/renew-accessor', withIncrement({ accessor: accessor.trim() }, increment)),
    revoke: (t) => send('auth/token/revoke', { token: t.trim() }),
    revokeSelf: () => send('auth/token/revoke-self'),
    revokeAccessor: (accessor) => send('auth/token/revoke-accessor', { accessor: accessor.trim() }),
    revokeOrphan: (t) => send('auth/token/revoke-orphan', { token: t.trim() }),
  };
  return { token, ...createLoginApi(core) };
}
