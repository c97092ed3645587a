/**
 * The JWT/OIDC auth method (Vault's vault-plugin-auth-jwt): one backend for both the `jwt`
 * and the `oidc` mount types. Tokens are validated against static PEM keys, a JWKS URL or
 * an OIDC discovery document; `oidc` roles log in through the browser flow
 * (`oidc/auth_url` → provider → `oidc/callback`), `jwt` roles through `login`.
 *
 * The backend only proves who the caller is: it returns a `login` result and the core
 * creates the entity, the token and the `auth` block.
 */
import { defineBackend, type BackendFactory } from '../../sdk/index.js';
import { JwtBackendState, resolveOptions, type JwtBackendOptions } from './context.js';
import { pathConfig } from './path-config.js';
import { pathLogin } from './path-login.js';
import { pathsOidc } from './path-oidc.js';
import { pathRole, pathRoleList } from './path-role.js';

export type { JwtBackendOptions, JwtConfig } from './context.js';
export type { JwtRole } from './path-role.js';

export const JWT_HELP = `The JWT backend plugin allows authentication using JWTs (including OIDC).`;

/** A jwt/oidc backend factory; options exist for tests (clock, refresh intervals). */
export function createJwtFactory(options: JwtBackendOptions = {}): BackendFactory {
  return () => {
    const state = new JwtBackendState(resolveOptions(options));
    return defineBackend({
      kind: 'credential',
      help: JWT_HELP,
      paths: [pathLogin(state), pathRoleList(), pathRole(), ...pathsOidc(state), pathConfig(state)],
      specialPaths: { unauthenticated: ['login', 'oidc/auth_url', 'oidc/callback'] },
      async cleanup() {
        state.reset();
        state.requests.clear();
      },
    });
  };
}

/** The `jwt` and `oidc` auth method types. */
export const jwtFactory: BackendFactory = createJwtFactory();
