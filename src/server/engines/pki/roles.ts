/**
 * `roles/:name` (POST, PATCH, GET, DELETE) and `LIST roles`: Vault's PKI roles with its
 * defaults (path_roles.go). POST replaces the role; PATCH changes only the fields sent.
 */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, getJson, putJson, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import type { PkiContext } from './context.js';
import { normalizeKeyParams } from './keys.js';
import type { NameRules } from './names.js';
import { K } from './store.js';

export interface RoleEntry extends NameRules {
  ttl: number;
  max_ttl: number;
  allowed_domains: string[];
  allowed_domains_template: boolean;
  allow_token_displayname: boolean;
  allowed_uri_sans: string[];
  allowed_other_sans: string[];
  allowed_serial_numbers: string[];
  allow_ip_sans: boolean;
  server_flag: boolean;
  client_flag: boolean;
  code_signing_flag: boolean;
  email_protection_flag: boolean;
  key_type: string;
  key_bits: number;
  signature_bits: number;
  use_pss: boolean;
  key_usage: string[];
  ext_key_usage: string[];
  ext_key_usage_oids: string[];
  ou: string[];
  organization: string[];
  country: string[];
  locality: string[];
  province: string[];
  street_address: string[];
  postal_code: string[];
  generate_lease: boolean;
  no_store: boolean;
  require_cn: boolean;
  cn_validations: string[];
  use_csr_common_name: boolean;
  use_csr_sans: boolean;
  policy_identifiers: string[];
  basic_constraints_valid_for_non_ca: boolean;
  not_before_duration: number;
  not_after: string;
  issuer_ref: string;
}

export const DEFAULT_KEY_USAGE = ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'];

export const roleFields = {
  name: f.nameString({ description: 'Name of the role.', required: true }),
  ttl: f.durationSecond({ description: 'Default TTL of issued certificates (the mount default when unset).', default: 0 }),
  max_ttl: f.durationSecond({ description: 'Maximum TTL of issued certificates (the mount maximum when unset).', default: 0 }),
  allow_localhost: f.bool({ description: 'Allow "localhost" and "localdomain" as names.', default: true }),
  allowed_domains: f.commaStringSlice({ description: 'Domains this role issues for.', default: [] }),
  allowed_domains_template: f.bool({ description: 'Accepted for compatibility; templates are not expanded.', default: false }),
  allow_bare_domains: f.bool({ description: 'Allow the allowed_domains themselves as names.', default: false }),
  allow_subdomains: f.bool({ description: 'Allow subdomains (and wildcards) of allowed_domains.', default: false }),
  allow_glob_domains: f.bool({ description: 'Treat allowed_domains containing "*" as globs.', default: false }),
  allow_wildcard_certificates: f.bool({ description: 'Allow wildcard names.', default: true }),
  allow_any_name: f.bool({ description: 'Allow any name (enforce_hostnames still applies).', default: false }),
  allow_token_displayname: f.bool({ description: "Allow the requesting token's display name.", default: false }),
  enforce_hostnames: f.bool({ description: 'Only allow valid hostnames (and email addresses).', default: true }),
  allow_ip_sans: f.bool({ description: 'Allow IP subject alternative names.', default: true }),
  allowed_uri_sans: f.commaStringSlice({ description: 'Globs of URI SANs this role allows.', default: [] }),
  allowed_other_sans: f.commaStringSlice({ description: 'Stored for compatibility; other SANs are not issued.', default: [] }),
  allowed_serial_numbers: f.commaStringSlice({ description: 'Globs of subject serial numbers this role allows.', default: [] }),
  server_flag: f.bool({ description: 'Add the serverAuth extended key usage.', default: true }),
  client_flag: f.bool({ description: 'Add the clientAuth extended key usage.', default: true }),
  code_signing_flag: f.bool({ description: 'Add the codeSigning extended key usage.', default: false }),
  email_protection_flag: f.bool({ description: 'Add the emailProtection extended key usage.', default: false }),
  key_type: f.string({ description: 'rsa, ec, ed25519 or any (sign only).', default: 'rsa' }),
  key_bits: f.int({ description: 'Key size; 0 = 2048 for RSA, 256 for EC.', default: 0 }),
  signature_bits: f.int({ description: 'Hash size of RSA signatures (256, 384, 512); 0 = default.', default: 0 }),
  use_pss: f.bool({ description: 'Not supported; must be false.', default: false }),
  key_usage: f.commaStringSlice({ description: 'Key usages of issued certificates.', default: DEFAULT_KEY_USAGE }),
  ext_key_usage: f.commaStringSlice({ description: 'Extra extended key usages by name.', default: [] }),
  ext_key_usage_oids: f.commaStringSlice({ description: 'Extra extended key usages by OID.', default: [] }),
  ou: f.commaStringSlice({ description: 'OU of issued certificates.', default: [] }),
  organization: f.commaStringSlice({ description: 'O of issued certificates.', default: [] }),
  country: f.commaStringSlice({ description: 'C of issued certificates.', default: [] }),
  locality: f.commaStringSlice({ description: 'L of issued certificates.', default: [] }),
  province: f.commaStringSlice({ description: 'ST of issued certificates.', default: [] }),
  street_address: f.commaStringSlice({ description: 'Street address of issued certificates.', default: [] }),
  postal_code: f.commaStringSlice({ description: 'Postal code of issued certificates.', default: [] }),
  generate_lease: f.bool({ description: 'Attach a lease to issued certificates (revoked with the lease).', default: false }),
  no_store: f.bool({ description: 'Do not store issued certificates (they cannot be revoked by serial).', default: false }),
  require_cn: f.bool({ description: 'Require a common name.', default: true }),
  cn_validations: f.commaStringSlice({ description: 'email, hostname, or disabled.', default: ['email', 'hostname'] }),
  use_csr_common_name: f.bool({ description: "Use the CSR's common name when signing.", default: true }),
  use_csr_sans: f.bool({ description: "Use the CSR's SANs when signing.", default: true }),
  policy_identifiers: f.commaStringSlice({ description: 'Certificate policy OIDs.', default: [] }),
  basic_constraints_valid_for_non_ca: f.bool({ description: 'Add basicConstraints CA:FALSE to leaf certificates.', default: false }),
  not_before_duration: f.durationSecond({ description: 'How far NotBefore is back-dated.', default: 30 }),
  not_after: f.string({ description: 'A fixed NotAfter (RFC 3339) instead of a TTL.', default: '' }),
  issuer_ref: f.string({ description: 'The issuer that signs for this role.', default: 'default' }),
};

type RoleFields = FieldValues<typeof roleFields>;
type RoleKey = Exclude<keyof RoleFields, 'name'>;

const OID = /^[0-2](\.\d+)+$/;
const CN_VALIDATIONS = new Set(['email', 'hostname', 'disabled']);

/** Checks a role and fills in key size defaults (Vault's validateRole). Returns warnings. */
export function validateRole(role: RoleEntry): string[] {
  const warnings: string[] = [];
  if (role.max_ttl > 0 && role.ttl > role.max_ttl) throw new UserError('"ttl" value must be less than "max_ttl" value');
  if (role.ttl < 0 || role.max_ttl < 0 || role.not_before_duration < 0) throw new UserError('ttl, max_ttl and not_before_duration cannot be negative');
  if (role.use_pss) throw new UserError('use_pss is not supported by this server');
  const key = normalizeKeyParams(role.key_type, role.key_bits, role.signature_bits, true);
  role.key_type = key.keyType;
  role.key_bits = key.keyBits;
  role.signature_bits = key.signatureBits;
  for (const oid of role.ext_key_usage_oids) {
    if (!OID.test(oid)) throw new UserError(`"${oid}" could not be parsed as a valid oid for an extended key usage`);
  }
  for (const oid of role.policy_identifiers) {
    if (!OID.test(oid)) throw new UserError(`"${oid}" could not be parsed as a valid oid for a policy identifier`);
  }
  for (const v of role.cn_validations) {
    if (!CN_VALIDATIONS.has(v)) throw new UserError(`invalid cn_validations value "${v}": must be email, hostname or disabled`);
  }
  if (role.cn_validations.includes('disabled') && role.cn_validations.length > 1) {
    throw new UserError('cn_validations value "disabled" cannot be combined with other values');
  }
  if (role.not_after !== '' && Number.isNaN(Date.parse(role.not_after))) throw new UserError(`invalid not_after "${role.not_after}": expected RFC 3339`);
  if (role.issuer_ref === '') role.issuer_ref = 'default';
  if (role.no_store && role.generate_lease) {
    role.generate_lease = false;
    warnings.push('mutually exclusive values no_store=true and generate_lease=true were both specified; no_store=true takes priority');
  }
  return warnings;
}

/** The role as `GET roles/:name` shows it (Vault's ToResponseData). */
export function roleResponse(role: RoleEntry): Record<string, unknown> {
  const { allow_token_displayname, ...rest } = role;
  return { ...rest, allow_token_displayname, allowed_uri_sans_template: false, no_store_metadata: false, allowed_user_ids: [] };
}

export async function readRole(req: LogicalRequest, name: string): Promise<RoleEntry | null> {
  return getJson<RoleEntry>(req.storage, K.role(name));
}

function fromFields(fields: RoleFields): RoleEntry {
  const { name: _name, ...rest } = fields;
  return { ...(rest as Omit<RoleFields, 'name'>) } as RoleEntry;
}

export function pathRoles(ctx: PkiContext): PathSpec<any>[] {
  const write = async (req: LogicalRequest, fields: RoleFields): Promise<LogicalResponse> => {
    const role = fromFields(fields);
    return ctx.locks.run(`role:${fields.name}`, async () => {
      const warnings = await checkIssuerRef(req, role, validateRole(role));
      await putJson(req.storage, K.role(fields.name), role);
      return { data: roleResponse(role), ...(warnings.length > 0 ? { warnings } : {}) };
    });
  };
  const patch = async (req: LogicalRequest, fields: RoleFields): Promise<LogicalResponse> =>
    ctx.locks.run(`role:${fields.name}`, async () => {
      const existing = await readRole(req, fields.name);
      if (!existing) throw new UserError('Unable to fetch role entry to patch');
      const merged: RoleEntry = { ...existing };
      const target = merged as unknown as Record<string, unknown>;
      for (const key of Object.keys(roleFields) as (RoleKey | 'name')[]) {
        if (key === 'name' || !Object.prototype.hasOwnProperty.call(req.data, key)) continue;
        target[key] = fields[key];
      }
      const warnings = await checkIssuerRef(req, merged, validateRole(merged));
      await putJson(req.storage, K.role(fields.name), merged);
      return { data: roleResponse(merged), ...(warnings.length > 0 ? { warnings } : {}) };
    });

  /** Vault warns (does not fail) when issuer_ref does not resolve yet: it floats. */
  const checkIssuerRef = async (req: LogicalRequest, role: RoleEntry, warnings: string[]): Promise<string[]> => {
    if (!(await ctx.findIssuer(req.storage, role.issuer_ref))) {
      warnings.push(
        role.issuer_ref === 'default'
          ? 'Issuing Certificate was set to default, but no default issuing certificate (configurable at /config/issuers) is currently set'
          : `Issuing Certificate was set to ${role.issuer_ref} but no issuing certificate currently has that name`,
      );
    }
    return warnings;
  };

  return [
    definePath({
      pattern: 'roles/?',
      fields: {},
      operations: {
        list: async (req) => ({ data: { keys: (await req.storage.list('role/')).filter((k) => !k.endsWith('/')) } }),
      },
      synopsis: 'List the existing roles in this backend',
    }),
    definePath({
      pattern: 'roles/(?<name>\\w(([\\w-.]+)?\\w)?)',
      fields: roleFields,
      existenceCheck: async (req, fields) => (await readRole(req, fields.name)) !== null,
      operations: {
        read: async (req, fields) => {
          const role = await readRole(req, fields.name);
          return role ? { data: roleResponse(role) } : null;
        },
        create: write,
        update: write,
        patch,
        delete: async (req, fields) => {
          await req.storage.delete(K.role(fields.name));
          return null;
        },
      },
      synopsis: 'Manage the roles that can be created with this backend.',
    }),
  ];
}
