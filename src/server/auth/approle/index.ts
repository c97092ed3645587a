/**
 * The AppRole auth method (Vault's `approle` credential backend): roles with a role_id and
 * secret IDs; `login` exchanges them for a token, which the core creates.
 */
import { defineBackend, type BackendFactory } from '../../sdk/index.js';
import { pathLogin } from './path-login.js';
import { pathRole, pathRoleList, pathsRoleFields } from './path-role.js';
import { pathsSecretId } from './path-secret-id.js';
import { pathTidySecretId, startTidy } from './path-tidy.js';
import { ApproleContext, type ApproleOptions } from './store.js';

export { INVALID_CREDENTIALS } from './path-login.js';
export { TIDY_IN_PROGRESS_WARNING, TIDY_STARTED_WARNING, tidySecretIds } from './path-tidy.js';
export type { ApproleOptions, TidyResult } from './store.js';

export const APPROLE_HELP = `Any registered Role can authenticate itself with Coffer. The credentials
depends on the constraints that are set on the Role. One common required
credential is the 'role_id' which is a unique identifier of the Role.
It can be retrieved from the 'role/<appname>/role-id' endpoint.

The default constraint configuration is 'bind_secret_id', which requires
the credential 'secret_id' to be presented during login. Refer to the
documentation for other types of constraints.`;

/** Vault's periodic function runs the tidy once a minute. */
export const DEFAULT_TIDY_INTERVAL_MS = 60_000;

/** An AppRole factory with injectable dependencies; `approleFactory` is the production one. */
export function createApproleFactory(options: ApproleOptions = {}): BackendFactory {
  return ({ storage }) => {
    const ctx = new ApproleContext(options);
    const interval = options.tidyIntervalMs ?? DEFAULT_TIDY_INTERVAL_MS;
    let timer: NodeJS.Timeout | null = null;
    return defineBackend({
      kind: 'credential',
      help: APPROLE_HELP,
      specialPaths: { unauthenticated: ['login'] },
      paths: [
        pathRoleList(),
        pathRole(ctx),
        ...pathsRoleFields(ctx),
        ...pathsSecretId(ctx),
        pathLogin(ctx),
        pathTidySecretId(ctx, storage),
      ],
      async initialize() {
        await ctx.salt(storage);
        if (interval > 0 && timer === null) {
          timer = setInterval(() => startTidy(ctx, storage), interval);
          timer.unref();
        }
      },
      async cleanup() {
        if (timer !== null) clearInterval(timer);
        timer = null;
      },
    });
  };
}

/** The `approle` auth method factory. */
export const approleFactory: BackendFactory = createApproleFactory();
