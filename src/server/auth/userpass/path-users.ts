/**
 * `users/:username` (create/update/read/delete), `users/` (list),
 * `users/:username/password` and `users/:username/policies`.
 */
import { UserError } from '../../../shared/errors.js';
import {
  DEFAULT_TOKEN_PARAMS,
  applyTokenFields,
  definePath,
  f,
  tokenFields,
  type LogicalRequest,
  type PathSpec,
  type TokenFieldValues,
  type TokenParams,
} from '../../sdk/index.js';
import { parseCidrs as normaliseCidrs } from '../../../shared/cidr.js';
import { USERNAME_PATTERN, type UserpassContext } from './context.js';
import { unlockUser } from './lockout.js';
import { passwordRecordFromInput } from './password.js';
import { USER_PREFIX, getUser, putUser, renderUser, updateLegacy, userKey } from './user-store.js';

const USERNAME_FIELD = f.string({ description: 'Username for this user.', required: true });
const PASSWORD_FIELD = f.string({ description: 'Password for this user.' });
const PASSWORD_HASH_FIELD = f.string({
  description: 'Pre-hashed password for this user, in bcrypt format. Mutually exclusive with password.',
});

function withCidrs(params: TokenParams): TokenParams {
  return { ...params, token_bound_cidrs: normaliseCidrs(params.token_bound_cidrs) };
}


export function pathUsersList(): PathSpec<Record<string, never>> {
  return definePath({
    pattern: 'users/?',
    fields: {},
    operations: {
      list: async (req) => ({ data: { keys: await req.storage.list(USER_PREFIX) } }),
    },
    synopsis: 'Manage users allowed to authenticate.',
  });
}

export function pathUsers(ctx: UserpassContext) {
  return definePath({
    pattern: `users/(?<username>${USERNAME_PATTERN})`,
    fields: {
      username: USERNAME_FIELD,
      password: PASSWORD_FIELD,
      password_hash: PASSWORD_HASH_FIELD,
      ...tokenFields(),
    },
    existenceCheck: async (req, fields) => (await getUser(req.storage, fields.username.toLowerCase())) !== null,
    operations: {
      read: async (req, fields) => {
        const user = await getUser(req.storage, fields.username.toLowerCase());
        return user === null ? null : { data: renderUser(user) };
      },
      create: async (req, fields) => writeUser(ctx, req, fields),
      update: async (req, fields) => writeUser(ctx, req, fields),
      delete: async (req, fields) => {
        const username = fields.username.toLowerCase();
        await ctx.users.run(username, async () => {
          await req.storage.delete(userKey(username));
          await unlockUser(req.storage, username);
        });
        return null;
      },
    },
    synopsis: 'Manage users allowed to authenticate.',
    description:
      'Create, read, update and delete users. Deleting a user does not revoke tokens it logged in for; ' +
      'revoke those by prefix (auth/<mount>/login/<username>).',
  });
}

type UserWriteFields = {
  readonly username: string;
  readonly password: string | undefined;
  readonly password_hash: string | undefined;
} & TokenFieldValues;

async function writeUser(ctx: UserpassContext, req: LogicalRequest, fields: UserWriteFields): Promise<null> {
  const username = fields.username.toLowerCase();
  await ctx.users.run(username, async () => {
    const existing = await getUser(req.storage, username);
    if (existing === null && !fields.password && !fields.password_hash) throw new UserError('missing password');
    const token = withCidrs(applyTokenFields(existing?.token ?? DEFAULT_TOKEN_PARAMS, fields));
    let password = existing?.password;
    if (existing === null || fields.password !== undefined || fields.password_hash !== undefined) {
      password = await passwordRecordFromInput({ password: fields.password, passwordHash: fields.password_hash }, ctx.kdf);
    }
    if (password === undefined) throw new UserError('missing password');
    await putUser(req.storage, username, { token, password, legacy: updateLegacy(existing?.legacy ?? [], req.data) });
  });
  return null;
}

export function pathUserPassword(ctx: UserpassContext) {
  return definePath({
    pattern: `users/(?<username>${USERNAME_PATTERN})/password`,
    fields: { username: USERNAME_FIELD, password: PASSWORD_FIELD, password_hash: PASSWORD_HASH_FIELD },
    operations: {
      update: async (req, fields) => {
        const username = fields.username.toLowerCase();
        await ctx.users.run(username, async () => {
          const existing = await getUser(req.storage, username);
          if (existing === null) throw new UserError('username does not exist');
          const password = await passwordRecordFromInput({ password: fields.password, passwordHash: fields.password_hash }, ctx.kdf);
          await putUser(req.storage, username, { ...existing, password });
        });
        return null;
      },
    },
    synopsis: "Reset user's password.",
  });
}

export function pathUserPolicies(ctx: UserpassContext) {
  const { token_policies, policies } = tokenFields();
  return definePath({
    pattern: `users/(?<username>${USERNAME_PATTERN})/policies`,
    fields: { username: USERNAME_FIELD, token_policies, policies },
    operations: {
      update: async (req, fields) => {
        const username = fields.username.toLowerCase();
        await ctx.users.run(username, async () => {
          const existing = await getUser(req.storage, username);
          if (existing === null) throw new UserError('username does not exist');
          // New name wins over the deprecated one (Vault's UpgradeValue); nothing sent, nothing changes.
          const sentPolicies = fields.token_policies ?? fields.policies;
          const token = sentPolicies === undefined ? existing.token : { ...existing.token, token_policies: sentPolicies.filter((p) => p !== '') };
          const sent = { policies: req.data['policies'], token_policies: req.data['token_policies'] };
          await putUser(req.storage, username, { ...existing, token, legacy: updateLegacy(existing.legacy, sent) });
        });
        return null;
      },
    },
    synopsis: 'Update the policies associated with the username.',
  });
}
