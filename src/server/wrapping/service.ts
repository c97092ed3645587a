/**
 * Response wrapping (Vault's `vault/wrapping.go` and the `sys/wrapping/*` handlers in
 * `vault/logical_system.go`): a response is stored in the cubbyhole of a fresh single-use
 * orphan token (policy `response-wrapping`, `num_uses` 1, ttl = explicit max ttl = the wrap
 * TTL, not renewable), and the client gets only that token. Unwrapping reads the stored
 * response and revokes the token, so a second unwrap fails.
 *
 * Cubbyhole layout of a wrapping token (see `cubbyhole/store.ts`):
 *   response   { "response": "<the wrapped envelope as a JSON string>" }
 *   wrapinfo   { "creation_ttl": <s>, "creation_time": "<RFC3339Nano>", "creation_path": "…" }
 * The wrapped response exists nowhere else: not in the token entry, not in memory after
 * the call, never in an error message.
 */
import { timingSafeEqual, type KeyObject } from 'node:crypto';
import { InternalError, UnsupportedPathError, UserError } from '../../shared/errors.js';
import { formatRfc3339Nano } from '../../shared/time.js';
import type { CubbyholeStore } from '../cubbyhole/index.js';
import type { LogicalResponse, Operation } from '../sdk/index.js';
import { isTokenAuthResponse, type TokenEntry, type TokenStore } from '../tokens/index.js';
import { looksLikeJwt, signWrappingJwt, verifyWrappingJwt, wrappingJwtPublicKey } from './jwt.js';
import { combineWrapTtl, type WrapFormat } from './ttl.js';

/** The policy of wrapping tokens (built into the policy store). */
export const RESPONSE_WRAPPING_POLICY_NAME = 'response-wrapping';

/** Vault's `consts.ErrInvalidWrappingToken`; the HTTP layer maps it to 400. */
export const INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist';

const RESPONSE_PATH = 'response';
const WRAPINFO_PATH = 'wrapinfo';

/** The envelope's `wrap_info` (Vault's `logical.HTTPWrapInfo`). */
export interface WrapInfo {
  token: string;
  accessor: string;
  /** Seconds. */
  ttl: number;
  /** RFC3339Nano. */
  creation_time: string;
  creation_path: string;
  /** Accessor of the wrapped token (logins, token creation, approle secret-id accessor); omitted when none. */
  wrapped_accessor?: string;
}

/**
 * The JSON body Vault would have sent had the response not been wrapped (Vault's
 * `logical.HTTPResponse`, without top-level data injection). Stored and returned verbatim.
 */
export interface WrappedResponse {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: Record<string, unknown> | null;
  wrap_info: null;
  warnings: string[] | null;
  auth: Record<string, unknown> | null;
  mount_type?: string;
  [key: string]: unknown;
}

export interface WrapOptions {
  /** Seconds; > 0. */
  ttl: number;
  /** The request path that produced the response (e.g. `secret/data/foo`); it becomes the token's path too. */
  creationPath: string;
  /** Defaults to `response.auth.accessor` when the response carries a token. */
  wrappedAccessor?: string;
  /** `jwt` needs `jwtKey`; without one a plain token is issued. */
  format?: WrapFormat;
}

/** `sys/wrapping/lookup`'s data. */
export interface WrapLookup {
  creation_path: string;
  creation_time: string;
  /** Seconds. */
  creation_ttl: number;
}

export interface WrappingServiceDeps {
  tokens: TokenStore;
  cubbyholes: CubbyholeStore;
  /** Clock for JWT claims; creation times come from the token store's own clock. */
  now?: () => Date;
  /** P-521 private key for `format: 'jwt'` (persist it; see jwt.ts). */
  jwtKey?: KeyObject;
  /** The server's API address, put in JWTs' `addr` claim. */
  apiAddr?: string;
  /**
   * Failures that do not fail the request: revoking a wrapping token after its response
   * was read (the token is already used up; the token store's tidy retries). Never given
   * a token.
   */
  onError?: (err: unknown, context: string) => void;
}

export interface WrappingService {
  /** Wraps a response in a new single-use token; the response is stored only in its cubbyhole. */
  wrap(response: WrappedResponse, options: WrapOptions): Promise<WrapInfo>;
  /** Third-party unwrap (`{token}` in the body): claims the token's only use, returns the stored body, revokes the token. */
  unwrap(wrappingToken: string): Promise<WrappedResponse>;
  /**
   * First-party unwrap: the wrapping token is the caller, and the pipeline has already
   * counted its use (`num_uses` -1). Returns the stored body and revokes the token.
   */
  unwrapEntry(entry: TokenEntry): Promise<WrappedResponse>;
  /** Creation path, time and TTL; does not use the token. */
  lookup(wrappingToken: string): Promise<WrapLookup>;
  /** Re-wraps the stored response in a new token with the same TTL and creation path; the old token is revoked. */
  rewrap(wrappingToken: string): Promise<WrapInfo>;
  /** `rewrap` when the wrapping token is the caller (its use already counted). */
  rewrapEntry(entry: TokenEntry): Promise<WrapInfo>;
  /**
   * The live entry of a wrapping token (JWTs resolved), or null when the token is unknown,
   * expired, used up or not a wrapping token. Never uses the token.
   */
  validate(wrappingToken: string): Promise<TokenEntry | null>;
  /** A JWT wrapping token's inner token; other tokens unchanged. Throws a 400 for a bad JWT. */
  resolveToken(wrappingToken: string): string;
  /** Whether `format: 'jwt'` issues JWTs. */
  jwtEnabled(): boolean;
  /** `sys/wrapping/pubkey`'s data, or null without a JWT key. */
  jwtPublicKey(): { jwt_x: string; jwt_y: string; jwt_curve: 'p521' } | null;
}

/** A wrapping token: exactly the `response-wrapping` policy (Vault's `ValidateWrappingToken`). */
export function isWrappingToken(entry: Pick<TokenEntry, 'policies'> & { type?: string }): boolean {
  return (
    (entry.type ?? 'service') === 'service' &&
    entry.policies.length === 1 &&
    entry.policies[0] === RESPONSE_WRAPPING_POLICY_NAME
  );
}

/**
 * What a wrapping token may be used for, on top of its ACL (the `response-wrapping`
 * policy grants `sys/wrapping/unwrap` update and `cubbyhole/response` create+read):
 * the three wrapping endpoints, and `cubbyhole/response` (the pre-0.6.2 way of unwrapping,
 * which old Go clients still fall back to). `path` is the full request path.
 */
export function wrappingTokenMayCall(path: string): boolean {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return (
    p === 'sys/wrapping/unwrap' || p === 'sys/wrapping/lookup' || p === 'sys/wrapping/rewrap' || p === 'cubbyhole/response'
  );
}

/**
 * The body of a wrapped response (Vault's `respondLogical` for `WrapInfo.Token != ""`):
 * everything empty except `wrap_info`, and `request_id` is `""`.
 */
export function wrappedEnvelope(info: WrapInfo): Record<string, unknown> {
  const wrapInfo: Record<string, unknown> = {
    token: info.token,
    accessor: info.accessor,
    ttl: info.ttl,
    creation_time: info.creation_time,
    creation_path: info.creation_path,
  };
  if (info.wrapped_accessor) wrapInfo['wrapped_accessor'] = info.wrapped_accessor;
  return {
    request_id: '',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: wrapInfo,
    warnings: null,
    auth: null,
    mount_type: '',
  };
}

/** The response a pipeline returns in place of a wrapped one. */
export function wrappedResponse(info: WrapInfo): LogicalResponse {
  return { raw: { status: 200, body: wrappedEnvelope(info) } };
}

export interface WrapDecisionInput {
  /** Final operation (after the existence check). */
  operation: Operation;
  response: LogicalResponse | null;
  /** From `X-Vault-Wrap-TTL` (`parseWrapTtl`); 0 = not requested. */
  requestTtl: number;
  /** A TTL the backend asked for (Vault's `resp.WrapInfo.TTL`); 0 = none. */
  backendTtl?: number;
  requestFormat?: WrapFormat;
  /** Full request path: `sys/wrapping/wrap` always gets a plain token (never a JWT). */
  path: string;
}

/**
 * Whether and how the pipeline wraps a response (Vault's `request_handling.go` +
 * `wrapInCubbyhole` preamble): not for null, error or raw responses; with the shorter of
 * the client's and the backend's TTL; an empty LIST is a 404 instead of an empty wrap.
 */
export function decideWrap(input: WrapDecisionInput): { ttl: number; format: WrapFormat } | null {
  const resp = input.response;
  if (!resp || resp.raw) return null;
  const ttl = combineWrapTtl(input.requestTtl, input.backendTtl ?? 0);
  if (ttl <= 0) return null;
  if (input.operation === 'list') {
    const data = resp.data ?? {};
    const hasWarnings = (resp.warnings?.length ?? 0) > 0;
    const keys = data['keys'];
    if (keys === undefined || keys === null) {
      if (Object.keys(data).length === 0 && !hasWarnings) throw new UnsupportedPathError();
    } else if (!Array.isArray(keys) || keys.length === 0) {
      throw new UnsupportedPathError();
    }
  }
  const p = input.path.replace(/\/+$/, '');
  const format: WrapFormat = p === 'sys/wrapping/wrap' ? 'token' : (input.requestFormat ?? 'token');
  return { ttl, format };
}

function invalid(): UserError {
  return new UserError(INVALID_WRAPPING_TOKEN);
}

export function createWrappingService(deps: WrappingServiceDeps): WrappingService {
  const { tokens, cubbyholes } = deps;
  const now = deps.now ?? (() => new Date());

  function resolveToken(wrappingToken: string): string {
    if (!looksLikeJwt(wrappingToken)) return wrappingToken;
    if (!deps.jwtKey) throw invalid();
    const result = verifyWrappingJwt(deps.jwtKey, wrappingToken);
    if (!result.ok) throw new UserError(`error validating wrapping token: ${result.reason}`);
    if (result.claims['type'] !== 'wrapping') throw new UserError('error validating wrapping token: unexpected type claim');
    const jti = result.claims['jti'];
    if (typeof jti !== 'string' || jti === '') throw new UserError('error validating wrapping token: token is empty');
    return jti;
  }

  async function validate(wrappingToken: string): Promise<TokenEntry | null> {
    if (typeof wrappingToken !== 'string' || wrappingToken === '') return null;
    const entry = await tokens.lookup(resolveToken(wrappingToken));
    return entry && isWrappingToken(entry) ? entry : null;
  }

  /** Takes the token's only use; afterwards nobody else can unwrap, rewrap or read it. */
  async function claim(wrappingToken: string): Promise<TokenEntry> {
    const entry = await validate(wrappingToken);
    if (!entry) throw invalid();
    const used = await tokens.useToken(entry);
    if (!used) throw invalid();
    return used;
  }

  /** The caller's own entry, whose use the pipeline has already counted. */
  async function claimEntry(entry: TokenEntry): Promise<TokenEntry> {
    if (!isWrappingToken(entry) || entry.cubbyhole_id === '') throw invalid();
    if (entry.num_uses === -1) return entry; // this request holds the last use
    const used = await tokens.useToken(entry);
    if (!used) throw invalid();
    return used;
  }

  /** Revokes a used wrapping token and clears its cubbyhole (the revoke hook does too; this is belt and braces). */
  async function retire(entry: TokenEntry): Promise<void> {
    try {
      await tokens.revokeTree(entry.hash);
    } finally {
      await cubbyholes.destroy(entry.cubbyhole_id);
    }
  }

  async function readStored(entry: TokenEntry): Promise<string> {
    const stored = await cubbyholes.get(entry.cubbyhole_id, RESPONSE_PATH);
    if (!stored) throw new InternalError('no information found; wrapping token may be from a previous Vault version');
    const response = stored['response'];
    if (typeof response !== 'string') throw new InternalError('could not decode response inside the cubbyhole');
    return response;
  }

  async function readWrapInfo(entry: TokenEntry): Promise<WrapLookup> {
    const info = await cubbyholes.get(entry.cubbyhole_id, WRAPINFO_PATH);
    if (!info) throw new UserError('no information found; wrapping token may be from a previous Vault version');
    const ttl = info['creation_ttl'];
    const time = info['creation_time'];
    const path = info['creation_path'];
    if (typeof ttl !== 'number' || typeof time !== 'string' || typeof path !== 'string') {
      throw new InternalError('error reading wrapping information');
    }
    return { creation_path: path, creation_time: time, creation_ttl: ttl };
  }

  function parseStored(json: string): WrappedResponse {
    try {
      return JSON.parse(json) as WrappedResponse;
    } catch (err) {
      throw new InternalError('error decoding wrapped response', { cause: err });
    }
  }

  /** Wraps an already-serialised response (a rewrap stores the original bytes, not a re-encoding). */
  async function wrapSerialised(
    responseJson: string,
    options: { ttl: number; creationPath: string; wrappedAccessor?: string | undefined; format?: WrapFormat | undefined },
  ): Promise<WrapInfo> {
    const ttl = options.ttl;
    if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new InternalError('invalid wrap TTL');
    const created = await tokens.createToken({
      policies: [RESPONSE_WRAPPING_POLICY_NAME],
      parent: null,
      orphan: true,
      path: options.creationPath,
      displayName: '',
      numUses: 1,
      renewable: false,
      ttl,
      explicitMaxTtl: ttl,
      // Vault does not cap wrapping tokens by mount or system TTLs.
      limits: { defaultLeaseTtl: ttl, maxLeaseTtl: ttl },
    });
    const entry = created.entry;
    const creationTime = formatRfc3339Nano(new Date(entry.issue_time_ms));
    try {
      await cubbyholes.putAll(entry.cubbyhole_id, {
        [RESPONSE_PATH]: { response: responseJson },
        [WRAPINFO_PATH]: { creation_ttl: ttl, creation_time: creationTime, creation_path: options.creationPath },
      });
    } catch (err) {
      // Not yet handed out: take the token back before failing.
      await retire(entry).catch(() => undefined);
      throw new InternalError('failed to store wrapped response information', { cause: err });
    }

    let token = created.token;
    if (options.format === 'jwt' && deps.jwtKey) {
      const at = now().getTime();
      token = signWrappingJwt(deps.jwtKey, {
        jti: created.token,
        iat: Math.floor(entry.issue_time_ms / 1000),
        exp: Math.floor(entry.issue_time_ms / 1000) + ttl,
        nbf: Math.floor(at / 1000) - 5,
        accessor: options.wrappedAccessor ?? '',
        type: 'wrapping',
        addr: deps.apiAddr ?? '',
      });
    }
    const info: WrapInfo = {
      token,
      accessor: entry.accessor,
      ttl,
      creation_time: creationTime,
      creation_path: options.creationPath,
    };
    if (options.wrappedAccessor) info.wrapped_accessor = options.wrappedAccessor;
    return info;
  }

  /** Runs `fn` on a claimed token, then retires it whatever happened (Vault's deferred revokeOrphan). */
  async function thenRetire<T>(entry: TokenEntry, fn: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      await retire(entry).catch((retireErr: unknown) => deps.onError?.(retireErr, 'revoking a used wrapping token'));
      throw err;
    }
    // The response is read and the token's only use is spent: a failed revocation must not
    // cost the client its response (the token can no longer be used; tidy retries).
    await retire(entry).catch((retireErr: unknown) => deps.onError?.(retireErr, 'revoking a used wrapping token'));
    return result;
  }

  async function unwrapClaimed(entry: TokenEntry): Promise<WrappedResponse> {
    return thenRetire(entry, async () => parseStored(await readStored(entry)));
  }

  async function rewrapClaimed(entry: TokenEntry): Promise<WrapInfo> {
    return thenRetire(entry, async () => {
      const info = await readWrapInfo(entry);
      const stored = await readStored(entry);
      return wrapSerialised(stored, { ttl: info.creation_ttl, creationPath: info.creation_path });
    });
  }

  function wrappedAccessorOf(response: WrappedResponse): string | undefined {
    const auth = response.auth;
    if (!auth || typeof auth !== 'object') return undefined;
    const accessor = (auth as { accessor?: unknown }).accessor;
    return typeof accessor === 'string' && accessor !== '' ? accessor : undefined;
  }

  return {
    async wrap(response, options) {
      const wrappedAccessor = options.wrappedAccessor ?? wrappedAccessorOf(response);
      return wrapSerialised(JSON.stringify(response), {
        ttl: options.ttl,
        creationPath: options.creationPath,
        wrappedAccessor,
        format: options.format,
      });
    },

    async unwrap(wrappingToken) {
      return unwrapClaimed(await claim(wrappingToken));
    },

    async unwrapEntry(entry) {
      return unwrapClaimed(await claimEntry(entry));
    },

    async lookup(wrappingToken) {
      const entry = await validate(wrappingToken);
      if (!entry) throw invalid();
      return readWrapInfo(entry);
    },

    async rewrap(wrappingToken) {
      return rewrapClaimed(await claim(wrappingToken));
    },

    async rewrapEntry(entry) {
      return rewrapClaimed(await claimEntry(entry));
    },

    validate,
    resolveToken,

    jwtEnabled() {
      return deps.jwtKey !== undefined;
    },

    jwtPublicKey() {
      return deps.jwtKey ? wrappingJwtPublicKey(deps.jwtKey) : null;
    },
  };
}

/** Whether a LogicalResponse carries a token (`auth`), and so a wrapped accessor. */
export function wrappedAccessorFor(response: LogicalResponse | null): string | undefined {
  if (!isTokenAuthResponse(response)) return undefined;
  return response.auth.accessor !== '' ? response.auth.accessor : undefined;
}

/** Constant-time comparison of two tokens (used to recognise "the body token is the caller"). */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
