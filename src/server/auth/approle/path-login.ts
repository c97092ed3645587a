/**
 * `login` — exchanges a role_id (and, with `bind_secret_id`, a secret_id) for a token
 * (Vault's builtin/credential/approle/path_login.go). The backend only validates the
 * credentials and describes the token; the core creates it, with the entity and alias.
 *
 * Differences from Vault, on purpose: CIDR restrictions are checked before a secret ID's
 * use is spent (Vault decrements first), and an expired secret ID is refused at once rather
 * than when the periodic tidy gets to it.
 */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, loginTokenSettings, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { addrInBlocks, blocksSubset, normaliseAddrs, normaliseRemoteAddr } from './cidr.js';
import { subsetError } from './path-secret-id.js';
import {
  MAX_HMAC_INPUT_LENGTH,
  deleteOp,
  getRoleIdIndex,
  isExpired,
  putOp,
  readAccessorEntry,
  readRole,
  readSecretEntry,
  safeEqual,
  secretKey,
  secretPrefixes,
  type ApproleContext,
  type SecretIdEntry,
} from './store.js';

/** The one answer to every wrong credential, so a caller cannot tell which part was wrong. */
export const INVALID_CREDENTIALS = 'invalid role or secret ID';

const loginFields = {
  role_id: f.string({ description: "Unique identifier of the Role. Required to be supplied when the 'bind_secret_id' constraint is set." }),
  secret_id: f.string({ description: 'SecretID belong to the App role', default: '' }),
};

type LoginValues = FieldValues<typeof loginFields>;

function requireRemoteAddr(req: LogicalRequest): string {
  if (!req.remoteAddr) throw new UserError('failed to get connection information');
  return normaliseRemoteAddr(req.remoteAddr);
}

/**
 * Validates and spends one use of a secret ID. Holds the secret ID's lock across the
 * read-modify-write, so N concurrent logins with a secret ID of N uses: exactly N succeed.
 */
async function consumeSecretId(
  ctx: ApproleContext,
  req: LogicalRequest,
  role: { name: string; local_secret_ids: boolean; secret_id_bound_cidrs: string[] },
  secretId: string,
): Promise<SecretIdEntry> {
  const storage = req.storage;
  if (Buffer.byteLength(secretId, 'utf8') > MAX_HMAC_INPUT_LENGTH) throw new UserError(INVALID_CREDENTIALS);
  const secretIdHmac = await ctx.hmac(storage, secretId);
  const roleNameHmac = await ctx.hmac(storage, role.name);
  const { secrets, accessors } = secretPrefixes(role);
  const key = secretKey(secrets, roleNameHmac, secretIdHmac);
  return ctx.secretLocks.run(secretIdHmac, async () => {
    const entry = await readSecretEntry(storage, key);
    if (!entry || !safeEqual(entry.secret_id_hmac ?? secretIdHmac, secretIdHmac)) throw new UserError(INVALID_CREDENTIALS);
    const accessorKey = accessors + (await ctx.hmac(storage, entry.secret_id_accessor));
    const accessor = await readAccessorEntry(storage, accessorKey);
    if (!accessor) {
      // A secret ID without its accessor is revoked on sight.
      await storage.delete(key);
      throw new UserError(INVALID_CREDENTIALS);
    }
    if (isExpired(entry, ctx.now())) {
      await storage.transaction([deleteOp(accessorKey), deleteOp(key)]);
      throw new UserError(INVALID_CREDENTIALS);
    }
    // The secret ID's CIDRs must still sit inside the role's (the role may have narrowed).
    if (entry.cidr_list.length > 0 && role.secret_id_bound_cidrs.length > 0 && !blocksSubset(role.secret_id_bound_cidrs, entry.cidr_list)) {
      throw subsetError(role.secret_id_bound_cidrs, entry.cidr_list);
    }
    if (entry.cidr_list.length > 0) {
      const remote = requireRemoteAddr(req);
      if (!addrInBlocks(remote, entry.cidr_list)) {
        throw new UserError(`source address ${JSON.stringify(remote)} unauthorized through CIDR restrictions on the secret ID`);
      }
    }
    if (entry.secret_id_num_uses === 1) {
      await storage.transaction([deleteOp(accessorKey), deleteOp(key)]);
    } else if (entry.secret_id_num_uses > 1) {
      const updated: SecretIdEntry = { ...entry, secret_id_num_uses: entry.secret_id_num_uses - 1, last_updated_time: ctx.now() };
      await storage.transaction([putOp(key, updated)]);
    }
    return entry;
  });
}

async function login(ctx: ApproleContext, req: LogicalRequest, fields: LoginValues): Promise<LogicalResponse> {
  const roleId = (fields.role_id ?? '').trim();
  if (roleId === '') throw new UserError('missing role_id');
  if (Buffer.byteLength(roleId, 'utf8') > MAX_HMAC_INPUT_LENGTH) throw new UserError(INVALID_CREDENTIALS);

  const index = await getRoleIdIndex(ctx, req.storage, roleId);
  if (!index) throw new UserError(INVALID_CREDENTIALS);
  const role = await readRole(req.storage, index.name);
  if (!role || !safeEqual(role.role_id, roleId)) throw new UserError(INVALID_CREDENTIALS);

  if (role.secret_id_bound_cidrs.length > 0) {
    const remote = requireRemoteAddr(req);
    if (!addrInBlocks(remote, role.secret_id_bound_cidrs)) {
      throw new UserError(`source address ${JSON.stringify(remote)} unauthorized by CIDR restrictions on the role`);
    }
  }

  let metadata: Record<string, string> = {};
  let tokenBoundCidrs = role.token_bound_cidrs;
  if (role.bind_secret_id) {
    const secretId = fields.secret_id.trim();
    if (secretId === '') throw new UserError('missing secret_id');
    const entry = await consumeSecretId(ctx, req, role, secretId);
    metadata = { ...entry.metadata };
    if (entry.token_bound_cidrs.length > 0) {
      const parsed = normaliseAddrs(entry.token_bound_cidrs);
      if (!parsed.ok) throw new UserError(`failed to parse token_bound_cidrs: invalid address or CIDR block "${parsed.item}"`);
      tokenBoundCidrs = parsed.value;
    }
  }
  // Always include the role name, for later filtering (and for templated policies).
  metadata['role_name'] = role.name;

  return {
    login: {
      ...loginTokenSettings(role),
      metadata,
      // Vault's approle sets no display name; the core makes it the mount name (`approle`).
      displayName: '',
      alias: { name: role.role_id, metadata: { ...metadata } },
      boundCidrs: [...tokenBoundCidrs],
    },
  };
}

export function pathLogin(ctx: ApproleContext): PathSpec<typeof loginFields> {
  return definePath({
    pattern: 'login',
    fields: loginFields,
    operations: { update: { handler: (req, v) => login(ctx, req, v), summary: 'Issue a token based on the credentials supplied' } },
    synopsis: 'Issue a token based on the credentials supplied',
    description: `While the credential 'role_id' is required at all times, other credentials
required depends on the properties App role to which the 'role_id' belongs to. The
'bind_secret_id' constraint (enabled by default) on the App role requires the 'secret_id'
credential to be presented.

'role_id' is fetched using the 'role/<role_name>/role-id' endpoint and 'secret_id' is
fetched using the 'role/<role_name>/secret-id' endpoint.`,
  });
}
