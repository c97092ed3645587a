/**
 * issue/:role, sign/:role and sign-verbatim(/:role), also under issuer/:ref/.
 */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { formatFields } from './ca-fields.js';
import { certDer, certToPem, parseCertificate, parseCsr, type ParsedCsr } from './certs.js';
import type { PkiContext } from './context.js';
import { issueLeaf, leafResponse, type IssueInput, type OutputFormat } from './issue.js';
import { generateKey, normalizeKeyParams, spkiDer, type KeyType, type PrivateKeyFormat } from './keys.js';
import { DEFAULT_KEY_USAGE, readRole, roleFields, type RoleEntry } from './roles.js';

const issueFields = {
  role: f.string({ description: 'The role to issue against.', default: '' }),
  issuer_ref: f.string({ description: 'Overrides the role’s issuer.', default: '' }),
  common_name: f.string({ description: 'The requested common name.', default: '' }),
  alt_names: f.commaStringSlice({ description: 'DNS names and email addresses for the SAN extension.', default: [] }),
  ip_sans: f.commaStringSlice({ description: 'IP addresses for the SAN extension.', default: [] }),
  uri_sans: f.commaStringSlice({ description: 'URIs for the SAN extension.', default: [] }),
  other_sans: f.commaStringSlice({ description: 'Not supported: must be empty.', default: [] }),
  ttl: f.durationSecond({ description: 'Requested lifetime (capped by the role).', default: 0 }),
  not_after: f.string({ description: 'A fixed NotAfter (RFC 3339) instead of a TTL.', default: '' }),
  exclude_cn_from_sans: f.bool({ description: 'Keep the common name out of the SANs.', default: false }),
  remove_roots_from_chain: f.bool({ description: 'Leave self-signed certificates out of ca_chain.', default: false }),
  serial_number: f.string({ description: "The subject's serialNumber attribute.", default: '' }),
  user_ids: f.commaStringSlice({ description: 'Not supported: must be empty.', default: [] }),
  ...formatFields,
};

const issueOnlyFields = {
  ...issueFields,
  key_type: f.string({ description: 'Key type, for roles with key_type "any".', default: '' }),
  key_bits: f.int({ description: 'Key size, for roles with key_type "any".', default: 0 }),
};

const signFields = { ...issueFields, csr: f.string({ description: 'PEM CSR.', default: '' }) };

const verbatimFields = {
  ...signFields,
  key_usage: f.commaStringSlice({ description: 'Key usages of the certificate.', default: DEFAULT_KEY_USAGE }),
  ext_key_usage: f.commaStringSlice({ description: 'Extended key usages by name.', default: [] }),
  ext_key_usage_oids: f.commaStringSlice({ description: 'Extended key usages by OID.', default: [] }),
  signature_bits: f.int({ description: 'Hash size of RSA signatures; 0 = 256.', default: 0 }),
};

type IssueValues = FieldValues<typeof issueFields>;

function inputOf(v: IssueValues): IssueInput {
  if (v.user_ids.length > 0) throw new UserError('user_ids are not supported by this server');
  return {
    common_name: v.common_name,
    alt_names: v.alt_names,
    ip_sans: v.ip_sans,
    uri_sans: v.uri_sans,
    other_sans: v.other_sans,
    ttl: v.ttl,
    not_after: v.not_after,
    exclude_cn_from_sans: v.exclude_cn_from_sans,
  };
}

async function loadRole(req: LogicalRequest, v: IssueValues): Promise<RoleEntry> {
  const role = await readRole(req, v.role);
  if (!role) throw new UserError(`unknown role: ${v.role}`);
  return v.issuer_ref !== '' ? { ...role, issuer_ref: v.issuer_ref } : role;
}

function trimChain(resp: LogicalResponse, v: IssueValues, selfSigned: readonly string[]): LogicalResponse {
  if (v.remove_roots_from_chain && resp.data && Array.isArray(resp.data['ca_chain'])) {
    resp.data['ca_chain'] = (resp.data['ca_chain'] as string[]).filter((c) => !selfSigned.includes(c));
  }
  return resp;
}

/** The self-signed certificates of a chain, encoded as the response encodes them. */
function rootsOf(chain: readonly string[], format: OutputFormat): string[] {
  return chain
    .map((pem) => parseCertificate(pem))
    .filter((cert) => cert.issuer === cert.subject)
    .map((cert) => (format === 'der' ? certDer(cert).toString('base64') : certToPem(cert)));
}

/** Vault's checks of a CSR key against the role's key_type/key_bits. */
function checkCsrKey(role: RoleEntry, csr: ParsedCsr): void {
  if (role.key_type === 'any') return;
  const { keyType, keyBits } = csr.keyInfo;
  if (keyType !== role.key_type) throw new UserError(`role requires keys of type ${role.key_type}`);
  if (keyType !== 'ed25519' && keyBits < role.key_bits) {
    throw new UserError(`the CSR's ${keyType.toUpperCase()} key has ${keyBits} bits; the role requires at least ${role.key_bits}`);
  }
}

/** Vault's SignVerbatimRole, with a named role's TTLs, storage and lease settings when one is given. */
function verbatimRole(base: RoleEntry | null, v: FieldValues<typeof verbatimFields>): RoleEntry {
  const defaults = Object.fromEntries(
    Object.entries(roleFields)
      .filter(([k]) => k !== 'name')
      .map(([k, schema]) => [k, structuredClone((schema as { default?: unknown }).default)]),
  ) as unknown as RoleEntry;
  return {
    ...defaults,
    allow_any_name: true,
    enforce_hostnames: false,
    allow_ip_sans: true,
    allowed_uri_sans: ['*'],
    cn_validations: ['disabled'],
    key_type: 'any',
    server_flag: false,
    client_flag: false,
    require_cn: false,
    key_usage: v.key_usage,
    ext_key_usage: v.ext_key_usage,
    ext_key_usage_oids: v.ext_key_usage_oids,
    signature_bits: v.signature_bits,
    ttl: base?.ttl ?? 0,
    max_ttl: base?.max_ttl ?? 0,
    generate_lease: base?.generate_lease ?? false,
    no_store: base?.no_store ?? false,
    not_before_duration: base?.not_before_duration ?? 30,
    issuer_ref: v.issuer_ref !== '' ? v.issuer_ref : (base?.issuer_ref ?? 'default'),
  };
}

export function pathsIssue(ctx: PkiContext): PathSpec<any>[] {
  const issue = async (req: LogicalRequest, v: FieldValues<typeof issueOnlyFields>): Promise<LogicalResponse> => {
    const role = await loadRole(req, v);
    let keyType = role.key_type;
    let keyBits = role.key_bits;
    if (role.key_type === 'any') {
      const params = normalizeKeyParams(v.key_type === '' ? 'rsa' : v.key_type, v.key_bits);
      keyType = params.keyType;
      keyBits = params.keyBits;
    }
    const key = await generateKey(keyType as KeyType, keyBits);
    const issued = await issueLeaf(ctx, req, role, inputOf(v), { spki: spkiDer(key) });
    const format = v.format as OutputFormat;
    const resp = leafResponse(issued, role, format, ctx.now(), { key, format: v.private_key_format as PrivateKeyFormat });
    return trimChain(resp, v, rootsOf(issued.signer.issuer.ca_chain, format));
  };
  const sign = async (req: LogicalRequest, v: FieldValues<typeof signFields>): Promise<LogicalResponse> => {
    const role = await loadRole(req, v);
    if (v.csr === '') throw new UserError('"csr" is empty');
    const csr = await parseCsr(v.csr);
    checkCsrKey(role, csr);
    const issued = await issueLeaf(ctx, req, role, inputOf(v), { spki: csr.spki, csr });
    const format = v.format as OutputFormat;
    return trimChain(leafResponse(issued, role, format, ctx.now()), v, rootsOf(issued.signer.issuer.ca_chain, format));
  };
  const verbatim = async (req: LogicalRequest, v: FieldValues<typeof verbatimFields>): Promise<LogicalResponse> => {
    const base = v.role !== '' ? await readRole(req, v.role) : null;
    if (v.role !== '' && !base) throw new UserError(`unknown role: ${v.role}`);
    if (v.csr === '') throw new UserError('"csr" is empty');
    const csr = await parseCsr(v.csr);
    const role = verbatimRole(base, v);
    const issued = await issueLeaf(ctx, req, role, inputOf(v), { spki: csr.spki, csr, verbatim: true });
    const format = v.format as OutputFormat;
    return trimChain(leafResponse(issued, role, format, ctx.now()), v, rootsOf(issued.signer.issuer.ca_chain, format));
  };
  const ROLE = '(?<role>\\w(([\\w-.]+)?\\w)?)';
  const ISSUER = '(?:issuer/(?<issuer_ref>[\\w-]+)/)?';
  return [
    definePath({
      pattern: `${ISSUER}issue/${ROLE}`,
      fields: issueOnlyFields,
      operations: { update: issue },
      synopsis: 'Request a certificate (and its private key) using a certain role.',
    }),
    definePath({
      pattern: `${ISSUER}sign/${ROLE}`,
      fields: signFields,
      operations: { update: sign },
      synopsis: 'Request certificates using a certain role with the provided details.',
    }),
    definePath({
      pattern: `${ISSUER}sign-verbatim(?:/${ROLE})?`,
      fields: verbatimFields,
      operations: { update: verbatim },
      synopsis: 'Request a certificate with the values of the CSR as they are.',
    }),
  ];
}
