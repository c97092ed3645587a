/**
 * `login/:username` (unauthenticated): checks the password and hands the core a
 * `LoginAuth`; the core creates the token, the identity entity/alias and the `auth` block.
 */
import { PermissionDeniedError, UserError } from '../../../shared/errors.js';
import { definePath, f, loginTokenSettings, type LoginAuth, type LogicalRequest } from '../../sdk/index.js';
import { remoteAddrAllowed } from '../../../shared/cidr.js';
import { USERNAME_PATTERN, type UserpassContext } from './context.js';
import { mountLockoutConfig, type LoginAttempt } from './lockout.js';
import { hashPassword, needsRehash, samePasswordRecord, verifyPassword, type PasswordRecord } from './password.js';
import { getUser, putUser, type UserEntry } from './user-store.js';

/** The one message for a wrong password and an unknown user alike. */
export const INVALID_CREDENTIALS = 'invalid username or password';

export function pathLogin(ctx: UserpassContext) {
  return definePath({
    pattern: `login/(?<username>${USERNAME_PATTERN})`,
    fields: {
      username: f.string({ description: 'Username of the user.', required: true }),
      password: f.string({ description: 'Password for this user.' }),
    },
    operations: {
      update: {
        summary: 'Log in with a username and password.',
        handler: async (req, fields) => {
          const username = fields.username.toLowerCase();
          const password = fields.password ?? '';
          if (password === '') throw new UserError('missing password');
          return { login: await login(ctx, req, username, password) };
        },
      },
    },
    synopsis: 'Log in with a username and password.',
  });
}

async function login(ctx: UserpassContext, req: LogicalRequest, username: string, password: string): Promise<LoginAuth> {
  const config = mountLockoutConfig(req.mount);
  // A locked user is refused here, before any password check (Vault: 403 permission denied).
  const attempt: LoginAttempt | null = config.disabled ? null : await ctx.lockout.begin(req.storage, username, config);
  try {
    const user = await getUser(req.storage, username);
    // Unknown users cost the same scrypt work as known ones.
    const ok = user === null ? await ctx.dummy.verify(password) : await verifyPassword(user.password, password);
    if (!ok || user === null) {
      // Only existing users' failures count towards a lockout (Vault's ErrInvalidCredentials).
      if (user !== null) await attempt?.failed();
      throw new UserError(INVALID_CREDENTIALS);
    }
    if (!remoteAddrAllowed(user.token.token_bound_cidrs, req.remoteAddr)) throw new PermissionDeniedError();
    await attempt?.succeeded();
    await upgradeHash(ctx, req, username, user.password, password);
    return {
      ...loginTokenSettings(user.token),
      metadata: { username },
      displayName: username,
      alias: { name: username },
    };
  } finally {
    attempt?.release();
  }
}

/**
 * Re-hashes a password stored with weaker scrypt parameters than the current ones, now that
 * the plaintext is at hand. Skipped if the password changed meanwhile; best effort — a
 * failure here never fails the login.
 */
async function upgradeHash(ctx: UserpassContext, req: LogicalRequest, username: string, old: PasswordRecord, password: string): Promise<void> {
  if (!needsRehash(old, ctx.kdf)) return;
  try {
    const upgraded = await hashPassword(password, ctx.kdf);
    await ctx.users.run(username, async () => {
      const current: UserEntry | null = await getUser(req.storage, username);
      if (current === null || !samePasswordRecord(current.password, old)) return;
      await putUser(req.storage, username, { ...current, password: upgraded });
    });
  } catch {
    // The old record still works; the next login tries again.
  }
}
