/**
 * Secret IDs of a role (Vault's path_role.go, the secret-id half): generate
 * (`role/:name/secret-id`), assign a custom one (`custom-secret-id`), list accessors, look up
 * and destroy by secret ID or by accessor.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError, PermissionDeniedError, UserError } from '../../../shared/errors.js';
import { formatRfc3339Nano } from '../../../shared/time.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec, type StorageOp } from '../../sdk/index.js';
import { blocksSubset, goQuoteList, renderAddr, validateCidrList } from './cidr.js';
import { ROLE_NAME, roleNameField, roleNameOf } from './path-role.js';
import {
  deleteOp,
  deriveSecretIdTtl,
  putOp,
  readAccessorEntry,
  readRole,
  readSecretEntry,
  secretKey,
  secretPrefixes,
  type AccessorEntry,
  type ApproleContext,
  type RoleEntry,
  type SecretIdEntry,
} from './store.js';

/** Go's zero `time.Time`, which Vault shows for a secret ID that never expires. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

const issueFields = {
  ...roleNameField,
  metadata: f.any({
    description: `Metadata to be tied to the SecretID. This should be a JSON formatted string containing the metadata in key value pairs.`,
  }),
  cidr_list: f.commaStringSlice({
    description: `Comma separated string or list of CIDR blocks enforcing secret IDs to be used from specific set of IP addresses. If 'secret_id_bound_cidrs' is set on the role, then the list of CIDR blocks listed here should be a subset of the CIDR blocks listed on the role.`,
  }),
  token_bound_cidrs: f.commaStringSlice({
    description: `Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP addresses which can use the returned token. Should be a subset of the token CIDR blocks listed on the role, if any.`,
  }),
  num_uses: f.int({
    description: `Number of times this SecretID can be used, after which the SecretID expires. Overrides secret_id_num_uses role option when supplied. May not be higher than role's secret_id_num_uses.`,
  }),
  ttl: f.durationSecond({
    description: `Duration in seconds after which this SecretID expires. Overrides secret_id_ttl role option when supplied. May not be longer than role's secret_id_ttl.`,
  }),
};

const customFields = { ...issueFields, secret_id: f.string({ description: 'SecretID to be attached to the role.' }) };

type IssueValues = FieldValues<typeof issueFields>;

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/**
 * Vault's `strutil.ParseArbitraryKeyValues`: a JSON object of strings (optionally base64
 * encoded) or `k1=v1,k2=v2`. A JSON object sent as-is (not as a string) is accepted too.
 */
export function parseMetadata(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const fail = (reason: string): never => {
    throw new UserError(`failed to parse metadata: ${reason}`);
  };
  if (raw === undefined || raw === null) return out;
  if (typeof raw === 'object') {
    if (!isStringMap(raw)) fail('metadata values must be strings');
    Object.assign(out, raw);
  } else if (typeof raw !== 'string') {
    fail('expected a JSON object or key=value pairs');
  } else {
    let input = raw.trim();
    if (input === '') return out;
    if (STD_BASE64.test(input)) input = Buffer.from(input, 'base64').toString('utf8');
    let parsed: unknown;
    let json = true;
    try {
      parsed = JSON.parse(input);
    } catch {
      json = false;
    }
    if (json && parsed !== null && isStringMap(parsed)) {
      Object.assign(out, parsed);
    } else if (!json || parsed !== null) {
      for (const pair of input.split(',')) {
        if (pair.trim() === '') continue;
        const shards = pair.split('=');
        if (shards.length !== 2) fail('failed to parse the input: invalid <key,value> format');
        const key = (shards[0] ?? '').trim();
        const value = (shards[1] ?? '').trim();
        if (key === '' || value === '') fail(`failed to parse the input: invalid <key,value> pair ${JSON.stringify(pair)}`);
        out[key] = value;
      }
    }
  }
  for (const [key, value] of Object.entries(out)) {
    if (key !== '' && value === '') fail(`invalid value for key ${JSON.stringify(key)}`);
  }
  return out;
}

/** Vault's `verifyCIDRRoleSecretIDSubset` error. */
export function subsetError(roleCidrs: readonly string[], secretIdCidrs: readonly string[]): UserError {
  return new UserError(
    `failed to verify subset relationship between CIDR blocks on the role ${goQuoteList(roleCidrs)} and CIDR blocks on the secret ID ${goQuoteList(secretIdCidrs)}`,
  );
}

function cleanList(items: readonly string[] | undefined): string[] {
  return (items ?? []).map((i) => i.trim()).filter((i) => i !== '');
}

async function missingRole(name: string): Promise<never> {
  throw new UserError(`role "${name}" does not exist`);
}

async function issueSecretId(ctx: ApproleContext, req: LogicalRequest, fields: IssueValues, secretId: string): Promise<LogicalResponse> {
  const name = roleNameOf(fields.role_name);
  if (secretId === '') throw new UserError('missing secret_id');
  const storage = req.storage;
  return ctx.roleLocks.run(name, async () => {
    const role = await readRole(storage, name);
    if (!role) throw new NotFoundError(`role "${name}" does not exist`);
    if (!role.bind_secret_id) throw new UserError('bind_secret_id is not set on the role');

    const cidrList = cleanList(fields.cidr_list);
    const cidrsValid = validateCidrList(cidrList);
    if (!cidrsValid.ok) throw new UserError(`failed to validate CIDR blocks: ${cidrsValid.error}`);
    if (cidrList.length > 0 && role.secret_id_bound_cidrs.length > 0 && !blocksSubset(role.secret_id_bound_cidrs, cidrList)) {
      throw subsetError(role.secret_id_bound_cidrs, cidrList);
    }

    const tokenCidrs = cleanList(fields.token_bound_cidrs);
    const tokenCidrsValid = validateCidrList(tokenCidrs);
    if (!tokenCidrsValid.ok) throw new UserError(`failed to validate token CIDR blocks: ${tokenCidrsValid.error}`);
    if (tokenCidrs.length > 0 && role.token_bound_cidrs.length > 0 && !blocksSubset(role.token_bound_cidrs, tokenCidrs)) {
      throw subsetError(role.token_bound_cidrs.map(renderAddr), tokenCidrs);
    }

    let numUses = role.secret_id_num_uses;
    if (fields.num_uses !== undefined) {
      numUses = fields.num_uses;
      if (numUses < 0) throw new UserError('num_uses cannot be negative');
      const limit = role.secret_id_num_uses;
      if ((numUses === 0 && limit > 0) || (limit > 0 && numUses > limit)) {
        throw new UserError("num_uses cannot be higher than the role's secret_id_num_uses");
      }
    }

    let ttl = role.secret_id_ttl;
    if (fields.ttl !== undefined) {
      ttl = fields.ttl;
      const limit = role.secret_id_ttl;
      if ((ttl === 0 && limit > 0) || (limit > 0 && ttl > limit)) {
        throw new UserError("ttl cannot be longer than the role's secret_id_ttl");
      }
    }

    const metadata = parseMetadata(fields.metadata);
    const secretIdHmac = await ctx.hmac(storage, secretId);
    const roleNameHmac = await ctx.hmac(storage, role.name);
    const { secrets, accessors } = secretPrefixes(role);
    const key = secretKey(secrets, roleNameHmac, secretIdHmac);

    return ctx.secretLocks.run(secretIdHmac, async () => {
      if ((await storage.get(key)) !== null) throw new UserError('failed to store secret_id: SecretID is already registered');
      const now = ctx.now();
      const effectiveTtl = deriveSecretIdTtl(ttl, req.mount.maxLeaseTtl());
      const accessor = randomUUID();
      const entry: SecretIdEntry = {
        secret_id_hmac: secretIdHmac,
        secret_id_accessor: accessor,
        secret_id_num_uses: numUses,
        secret_id_ttl: ttl,
        creation_time: now,
        expiration_time: effectiveTtl !== 0 ? now + effectiveTtl * 1000 : 0,
        last_updated_time: now,
        metadata,
        cidr_list: cidrList,
        token_bound_cidrs: tokenCidrs,
      };
      const accessorEntry: AccessorEntry = { secret_id_hmac: secretIdHmac, role_name_hmac: roleNameHmac };
      // The accessor and the secret ID appear together or not at all.
      await storage.transaction([putOp(accessors + (await ctx.hmac(storage, accessor)), accessorEntry), putOp(key, entry)]);
      return {
        data: {
          secret_id: secretId,
          secret_id_accessor: accessor,
          secret_id_ttl: effectiveTtl,
          secret_id_num_uses: numUses,
        },
      };
    });
  });
}

/** A secret ID's properties as Vault's `ToResponseData` shows them. */
export function renderSecretIdEntry(entry: SecretIdEntry): Record<string, unknown> {
  return {
    cidr_list: [...entry.cidr_list],
    creation_time: formatRfc3339Nano(new Date(entry.creation_time)),
    expiration_time: entry.expiration_time > 0 ? formatRfc3339Nano(new Date(entry.expiration_time)) : ZERO_TIME,
    last_updated_time: formatRfc3339Nano(new Date(entry.last_updated_time)),
    metadata: { ...entry.metadata },
    secret_id_accessor: entry.secret_id_accessor,
    secret_id_num_uses: entry.secret_id_num_uses,
    secret_id_ttl: entry.secret_id_ttl,
    token_bound_cidrs: [...entry.token_bound_cidrs],
  };
}

interface Located {
  role: RoleEntry;
  roleNameHmac: string;
  secrets: string;
  accessors: string;
}

async function locateRole(ctx: ApproleContext, req: LogicalRequest, rawName: string | undefined): Promise<Located> {
  const name = roleNameOf(rawName);
  const role = await readRole(req.storage, name);
  if (!role) return missingRole(name);
  const { secrets, accessors } = secretPrefixes(role);
  return { role, roleNameHmac: await ctx.hmac(req.storage, role.name), secrets, accessors };
}

async function listSecretIds(ctx: ApproleContext, req: LogicalRequest, fields: { role_name: string | undefined }): Promise<LogicalResponse> {
  const { roleNameHmac, secrets } = await locateRole(ctx, req, fields.role_name);
  const folder = `${secrets}${roleNameHmac}/`;
  const keys: string[] = [];
  for (const secretIdHmac of await req.storage.list(folder)) {
    if (secretIdHmac.endsWith('/')) continue;
    const entry = await readSecretEntry(req.storage, folder + secretIdHmac);
    if (entry) keys.push(entry.secret_id_accessor);
  }
  return { data: keys.length > 0 ? { keys } : {} };
}

async function lookupSecretId(ctx: ApproleContext, req: LogicalRequest, fields: { role_name: string | undefined; secret_id: string | undefined }): Promise<LogicalResponse | null> {
  const secretId = fields.secret_id ?? '';
  if (secretId === '') throw new UserError('missing secret_id');
  const { roleNameHmac, secrets, accessors } = await locateRole(ctx, req, fields.role_name);
  const secretIdHmac = await ctx.hmac(req.storage, secretId);
  const key = secretKey(secrets, roleNameHmac, secretIdHmac);
  return ctx.secretLocks.run(secretIdHmac, async () => {
    const entry = await readSecretEntry(req.storage, key);
    if (!entry) return null;
    const accessor = await readAccessorEntry(req.storage, accessors + (await ctx.hmac(req.storage, entry.secret_id_accessor)));
    if (!accessor) {
      // A secret ID without its accessor is revoked on sight (Vault does the same).
      await req.storage.delete(key);
      throw new UserError('invalid secret id');
    }
    return { data: renderSecretIdEntry(entry) };
  });
}

async function destroySecretId(ctx: ApproleContext, req: LogicalRequest, fields: { role_name: string | undefined; secret_id: string | undefined }): Promise<null> {
  const secretId = fields.secret_id ?? '';
  if (secretId === '') throw new UserError('missing secret_id');
  const { roleNameHmac, secrets, accessors } = await locateRole(ctx, req, fields.role_name);
  const secretIdHmac = await ctx.hmac(req.storage, secretId);
  const key = secretKey(secrets, roleNameHmac, secretIdHmac);
  return ctx.secretLocks.run(secretIdHmac, async () => {
    const entry = await readSecretEntry(req.storage, key);
    if (!entry) return null;
    await req.storage.transaction([deleteOp(accessors + (await ctx.hmac(req.storage, entry.secret_id_accessor))), deleteOp(key)]);
    return null;
  });
}

async function findAccessor(ctx: ApproleContext, req: LogicalRequest, located: Located, accessor: string): Promise<{ accessorKey: string; entry: AccessorEntry }> {
  const accessorKey = located.accessors + (await ctx.hmac(req.storage, accessor));
  const entry = await readAccessorEntry(req.storage, accessorKey);
  if (!entry) throw new NotFoundError(`failed to find accessor entry for secret_id_accessor: ${JSON.stringify(accessor)}`);
  return { accessorKey, entry };
}

async function lookupByAccessor(ctx: ApproleContext, req: LogicalRequest, fields: { role_name: string | undefined; secret_id_accessor: string | undefined }): Promise<LogicalResponse | null> {
  const accessor = fields.secret_id_accessor ?? '';
  if (accessor === '') throw new UserError('missing secret_id_accessor');
  const located = await locateRole(ctx, req, fields.role_name);
  const { entry: accessorEntry } = await findAccessor(ctx, req, located, accessor);
  const key = secretKey(located.secrets, located.roleNameHmac, accessorEntry.secret_id_hmac);
  return ctx.secretLocks.run(accessorEntry.secret_id_hmac, async () => {
    const entry = await readSecretEntry(req.storage, key);
    return entry ? { data: renderSecretIdEntry(entry) } : null;
  });
}

async function destroyByAccessor(ctx: ApproleContext, req: LogicalRequest, fields: { role_name: string | undefined; secret_id_accessor: string | undefined }): Promise<null> {
  const accessor = fields.secret_id_accessor ?? '';
  if (accessor === '') throw new UserError('missing secret_id_accessor');
  const located = await locateRole(ctx, req, fields.role_name);
  const { accessorKey, entry: accessorEntry } = await findAccessor(ctx, req, located, accessor);
  const key = secretKey(located.secrets, located.roleNameHmac, accessorEntry.secret_id_hmac);
  return ctx.secretLocks.run(accessorEntry.secret_id_hmac, async () => {
    const entry = await readSecretEntry(req.storage, key);
    if (!entry) throw new PermissionDeniedError('invalid secret id accessor');
    const ops: StorageOp[] = [deleteOp(accessorKey), deleteOp(key)];
    await req.storage.transaction(ops);
    return null;
  });
}

export function pathsSecretId(ctx: ApproleContext): PathSpec<any>[] {
  const secretIdField = { ...roleNameField, secret_id: f.string({ description: 'SecretID attached to the role.' }) };
  const accessorField = { ...roleNameField, secret_id_accessor: f.string({ description: 'Accessor of the SecretID' }) };
  return [
    definePath({
      pattern: `role/${ROLE_NAME}/secret-id/?`,
      fields: issueFields,
      operations: {
        update: { handler: (req, v) => issueSecretId(ctx, req, v, randomUUID()), summary: 'Generate a SecretID against this role.' },
        list: { handler: (req, v) => listSecretIds(ctx, req, v), summary: 'List the accessors of the SecretIDs issued against the role.' },
      },
      synopsis: 'Generate a SecretID against this role.',
      description: `The SecretID generated using this endpoint will be scoped to access just this role
and none else. It expires after the 'ttl' field or the role's 'secret_id_ttl', capped by
the mount's maximum TTL.`,
    }),
    definePath({
      pattern: `role/${ROLE_NAME}/custom-secret-id`,
      fields: customFields,
      operations: {
        update: { handler: (req, v) => issueSecretId(ctx, req, v, v.secret_id ?? ''), summary: 'Assign a SecretID of choice against the role.' },
      },
      synopsis: 'Assign a SecretID of choice against the role.',
    }),
    definePath({
      pattern: `role/${ROLE_NAME}/secret-id/lookup/?`,
      fields: secretIdField,
      operations: { update: { handler: (req, v) => lookupSecretId(ctx, req, v), summary: 'Read the properties of an issued secret_id' } },
      synopsis: 'Read the properties of an issued secret_id',
    }),
    definePath({
      pattern: `role/${ROLE_NAME}/secret-id/destroy/?`,
      fields: secretIdField,
      operations: {
        update: { handler: (req, v) => destroySecretId(ctx, req, v), summary: 'Invalidate an issued secret_id' },
        delete: { handler: (req, v) => destroySecretId(ctx, req, v), summary: 'Invalidate an issued secret_id' },
      },
      synopsis: 'Invalidate an issued secret_id',
    }),
    definePath({
      pattern: `role/${ROLE_NAME}/secret-id-accessor/lookup/?`,
      fields: accessorField,
      operations: { update: { handler: (req, v) => lookupByAccessor(ctx, req, v), summary: 'Read an issued secret_id, using its accessor' } },
      synopsis: 'Read an issued secret_id, using its accessor',
    }),
    definePath({
      pattern: `role/${ROLE_NAME}/secret-id-accessor/destroy/?`,
      fields: accessorField,
      operations: {
        update: { handler: (req, v) => destroyByAccessor(ctx, req, v), summary: 'Delete an issued secret_id, using its accessor' },
        delete: { handler: (req, v) => destroyByAccessor(ctx, req, v), summary: 'Delete an issued secret_id, using its accessor' },
      },
      synopsis: 'Delete an issued secret_id, using its accessor',
    }),
  ];
}
