/**
 * Logging in with an auth method other than `token`: `auth/<mount>/login` (approle, kubernetes,
 * jwt/oidc) or `auth/<mount>/login/<username>` (userpass and the other username/password
 * methods), as Vault's CLI handlers and the Go client's `api/auth/*` helpers call them.
 *
 * The credentials travel only in the JSON body (the username, which is not secret, is part of
 * the path), so a password, secret ID or JWT can never end up in an `ApiError` message. The
 * request carries no client token: a login establishes an identity instead of using one.
 * The client's default wrap TTL applies, so a login can be response-wrapped (`-wrap-ttl`).
 */
import { AppError } from '../shared/index.js';
import type { CoreApi } from './client.js';
import { parseSecret, type JsonObject, type Secret } from './types.js';

/** Methods whose login path ends with the username (`auth/<mount>/login/<username>`). */
const USERNAME_IN_PATH = new Set(['userpass', 'ldap', 'okta', 'radius']);

export interface LoginApi {
  /**
   * `POST auth/<mountPath>/login` with `params` as the body; for username/password methods
   * (userpass, ldap, okta, radius) `params.username` moves into the path
   * (`auth/<mountPath>/login/<username>`). `mountPath` defaults to the method's name. Returns
   * the response: its `auth` block holds the new token (or `wrap_info` when wrapped).
   */
  login(method: string, mountPath?: string, params?: Readonly<JsonObject>): Promise<Secret>;
  /** `POST auth/<mount>/login/<username> {password}`. */
  userpass(username: string, password: string, mount?: string): Promise<Secret>;
  /** `POST auth/<mount>/login {role_id, secret_id}` (`secretId` may be omitted for roles without `bind_secret_id`). */
  approle(roleId: string, secretId?: string, mount?: string): Promise<Secret>;
  /** `POST auth/<mount>/login {role, jwt}` with a service account token. */
  kubernetes(role: string, jwt: string, mount?: string): Promise<Secret>;
  /** `POST auth/<mount>/login {role, jwt}` (an empty `role` lets the mount's `default_role` apply). */
  jwt(role: string, jwt: string, mount?: string): Promise<Secret>;
}

function bad(message: string): AppError {
  return new AppError('ERR_INVALID_REQUEST', message);
}

function mountOf(mount: string | undefined, fallback: string): string {
  const m = (mount ?? '').trim().replace(/^\/+/, '').replace(/\/+$/, '');
  return m === '' ? fallback : m;
}

export function createLoginApi(core: CoreApi): LoginApi {
  const login = async (method: string, mountPath?: string, params: Readonly<JsonObject> = {}): Promise<Secret> => {
    const type = method.trim().replace(/^\/+/, '').replace(/\/+$/, '');
    if (type === '') throw bad('an auth method is required');
    if (type === 'token') throw bad('the token method has no login endpoint: use the token itself (auth/token/lookup-self verifies it)');
    const mount = mountOf(mountPath, type);
    const body: JsonObject = { ...params };
    let path = `auth/${mount}/login`;
    if (USERNAME_IN_PATH.has(type)) {
      const username = body['username'];
      delete body['username'];
      if (typeof username !== 'string' || username.trim() === '') throw bad("'username' must be specified");
      // One path segment: a "/" would reach another endpoint of the mount.
      if (username.includes('/')) throw bad('invalid username: it must not contain "/"');
      path += `/${username}`;
    }
    const res = await core.request('POST', path, { body, token: '' });
    core.ensureOk('POST', path, res);
    const secret = parseSecret(res.body);
    if (secret === null) throw new AppError('ERR_INTERNAL', 'empty response from credential provider');
    return secret;
  };

  return {
    login,
    userpass: (username, password, mount) => login('userpass', mountOf(mount, 'userpass'), { username, password }),
    approle: (roleId, secretId, mount) => {
      if (roleId.trim() === '') return Promise.reject(bad("'role_id' must be specified"));
      const params: JsonObject = { role_id: roleId.trim() };
      if (secretId !== undefined && secretId !== '') params['secret_id'] = secretId.trim();
      return login('approle', mountOf(mount, 'approle'), params);
    },
    kubernetes: (role, jwt, mount) => {
      if (role.trim() === '') return Promise.reject(bad("'role' must be specified"));
      if (jwt.trim() === '') return Promise.reject(bad("'jwt' must be specified"));
      return login('kubernetes', mountOf(mount, 'kubernetes'), { role: role.trim(), jwt: jwt.trim() });
    },
    jwt: (role, jwt, mount) => {
      if (jwt.trim() === '') return Promise.reject(bad("'jwt' must be specified"));
      const params: JsonObject = { jwt: jwt.trim() };
      if (role.trim() !== '') params['role'] = role.trim();
      return login('jwt', mountOf(mount, 'jwt'), params);
    },
  };
}
