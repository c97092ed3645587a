/**
 * Response wrapping (`sys/wrapping/*`). A wrapping token is single-use: `unwrap` consumes it,
 * `lookup` does not, `rewrap` replaces it with a new one.
 */
import { AppError } from '../shared/index.js';
import type { CoreApi } from './client.js';
import { parseSecret, type JsonObject, type Secret } from './types.js';

/** The Go client's default wrap TTL for `sys/wrapping/wrap`. */
export const DEFAULT_WRAP_TTL = '5m';

export interface WrappingApi {
  /**
   * `POST sys/wrapping/unwrap`, like the Go client's `Logical().Unwrap`: without `token` the
   * client's own token is the wrapping token; with one, it is sent in the body (or as the
   * request token when the client has none). Returns the wrapped response (`auth` included),
   * or `null` when the wrapped response had no body.
   */
  unwrap(token?: string): Promise<Secret | null>;
  /** `POST sys/wrapping/lookup`: `creation_path`, `creation_time`, `creation_ttl` (does not consume the token). */
  lookup(token: string): Promise<Secret>;
  /** `POST sys/wrapping/rewrap`: a new wrapping token for the same response (the old one is revoked). */
  rewrap(token: string): Promise<Secret>;
  /** `POST sys/wrapping/wrap`: wraps `data` (default TTL 5m, as the Go client). */
  wrap(data: JsonObject, ttl?: string | number): Promise<Secret>;
}

function nonEmpty(secret: Secret | null, path: string): Secret {
  if (secret === null) throw new AppError('ERR_INTERNAL', `empty response from ${path}`);
  return secret;
}

export function createWrappingApi(core: CoreApi): WrappingApi {
  return {
    async unwrap(token) {
      const path = 'sys/wrapping/unwrap';
      const wt = token?.trim() ?? '';
      const options: { body?: JsonObject; token?: string } = {};
      if (wt !== '') {
        if (!core.hasToken) options.token = wt;
        else if (!core.usesToken(wt)) options.body = { token: wt };
      }
      const res = await core.request('PUT', path, options);
      if (res.status === 404) {
        // A wrapped 404 (the wrapped response was "not found") still carries its body.
        let secret: Secret | null = null;
        try {
          secret = parseSecret(res.body);
        } catch {
          secret = null;
        }
        const hasContent = secret !== null && ((secret.warnings?.length ?? 0) > 0 || Object.keys(secret.data ?? {}).length > 0);
        if (hasContent) return secret;
      }
      core.ensureOk('PUT', path, res);
      return parseSecret(res.body);
    },

    async lookup(token) {
      return nonEmpty(await core.write('sys/wrapping/lookup', { token: token.trim() }), 'sys/wrapping/lookup');
    },

    async rewrap(token) {
      return nonEmpty(await core.write('sys/wrapping/rewrap', { token: token.trim() }), 'sys/wrapping/rewrap');
    },

    async wrap(data, ttl = DEFAULT_WRAP_TTL) {
      const path = 'sys/wrapping/wrap';
      const res = await core.request('PUT', path, { body: data, wrapTtl: ttl });
      core.ensureOk('PUT', path, res);
      return nonEmpty(parseSecret(res.body), path);
    },
  };
}
