/**
 * Leaf issuance shared by `issue`, `sign` and `sign-verbatim`: Vault's
 * GenerateCreationBundle (names, SANs, TTL) and signIssueApiResponse (the response shape).
 */
import type { KeyObject } from 'node:crypto';
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import type { LogicalRequest, LogicalResponse, MountView } from '../../sdk/index.js';
import {
  buildSubject,
  certDer,
  certToPem,
  checkIp,
  EXT_KEY_USAGE_OIDS,
  KEY_USAGE_BITS,
  parseCertificate,
  signCertificate,
  type Certificate,
  type ParsedCsr,
  type SanSet,
} from './certs.js';
import type { LoadedSigner, PkiContext } from './context.js';
import { exportPrivateKey, keyTypeName, type PrivateKeyFormat } from './keys.js';
import { commonNameRefusal, glob, isHostname, nameRefusal, toAsciiHostname } from './names.js';
import type { RoleEntry } from './roles.js';
import { formatSerial, newSerialHex, storageSerial } from './serial.js';
import { K, readUrls, type IssuerEntry } from './store.js';

export type OutputFormat = 'pem' | 'der' | 'pem_bundle';

export interface IssueInput {
  common_name: string;
  alt_names: readonly string[];
  ip_sans: readonly string[];
  uri_sans: readonly string[];
  other_sans: readonly string[];
  ttl: number;
  not_after: string;
  exclude_cn_from_sans: boolean;
}

function refused(message: string, reason: string | null): UserError {
  return new UserError(message, reason ? { details: [`refused because ${reason}`] } : undefined);
}

/** Go's `fmt.Sprint` of a string slice: `[a b]`. */
const goSlice = (values: readonly string[]): string => `[${values.join(' ')}]`;

/**
 * The NotAfter of a new certificate (Vault's GetCertificateNotAfter): the requested TTL or
 * not_after, else the role's, else the mount default; capped at the role's or mount's max
 * (with a warning) and by the issuer's leaf_not_after_behavior.
 */
export function certificateNotAfter(
  nowMs: number,
  mount: MountView,
  opts: { ttl: number; notAfter: string; roleTtl: number; roleMaxTtl: number; notBeforeDuration: number },
  issuer: { entry: IssuerEntry; cert: Certificate } | null,
): { notBefore: Date; notAfter: Date; warnings: string[] } {
  const warnings: string[] = [];
  let ttl = opts.ttl;
  if (ttl < 0) throw new UserError('ttl cannot be negative');
  if (ttl > 0 && opts.notAfter !== '') throw new UserError('Either ttl or not_after should be provided. Both should not be provided in the same request.');
  if (ttl === 0 && opts.roleTtl > 0) ttl = opts.roleTtl;
  const maxTtl = opts.roleMaxTtl > 0 ? opts.roleMaxTtl : mount.maxLeaseTtl();
  if (ttl === 0) ttl = mount.defaultLeaseTtl();
  if (ttl > maxTtl) {
    warnings.push(`TTL "${formatDuration(ttl)}" is longer than permitted maxTTL "${formatDuration(maxTtl)}", so maxTTL is being used`);
    ttl = maxTtl;
  }
  let notAfterMs: number;
  if (opts.notAfter !== '') {
    notAfterMs = Date.parse(opts.notAfter);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(opts.notAfter) || Number.isNaN(notAfterMs)) throw new UserError(`invalid not_after "${opts.notAfter}": expected RFC 3339`);
  } else {
    notAfterMs = nowMs + ttl * 1000;
  }
  // Certificates carry whole seconds.
  notAfterMs = Math.floor(notAfterMs / 1000) * 1000;
  if (issuer && notAfterMs > issuer.cert.notAfter.getTime()) {
    const behavior = issuer.entry.leaf_not_after_behavior;
    if (behavior === 'truncate') notAfterMs = issuer.cert.notAfter.getTime();
    else if (behavior !== 'permit') {
      throw new UserError(
        `cannot satisfy request, as TTL would result in notAfter of ${new Date(notAfterMs).toISOString().replace('.000Z', 'Z')} that is beyond the expiration of the CA certificate at ${issuer.cert.notAfter.toISOString().replace('.000Z', 'Z')}`,
      );
    }
  }
  const notBeforeMs = Math.floor((nowMs - opts.notBeforeDuration * 1000) / 1000) * 1000;
  if (notAfterMs < notBeforeMs) throw new UserError('notAfter before notBefore');
  return { notBefore: new Date(notBeforeMs), notAfter: new Date(notAfterMs), warnings };
}

/** Key usage flags from Vault's names (case-insensitive; unknown names are ignored, as in Vault). */
export function keyUsageFlags(names: readonly string[]): number {
  return names.reduce((acc, n) => acc | (KEY_USAGE_BITS[n.trim().toLowerCase()] ?? 0), 0);
}

export function extKeyUsageOids(role: Pick<RoleEntry, 'server_flag' | 'client_flag' | 'code_signing_flag' | 'email_protection_flag' | 'ext_key_usage' | 'ext_key_usage_oids'>): string[] {
  const oids: string[] = [];
  const add = (oid: string | undefined): void => {
    if (oid !== undefined && !oids.includes(oid)) oids.push(oid);
  };
  if (role.server_flag) add(EXT_KEY_USAGE_OIDS['serverauth']);
  if (role.client_flag) add(EXT_KEY_USAGE_OIDS['clientauth']);
  if (role.code_signing_flag) add(EXT_KEY_USAGE_OIDS['codesigning']);
  if (role.email_protection_flag) add(EXT_KEY_USAGE_OIDS['emailprotection']);
  for (const name of role.ext_key_usage) add(EXT_KEY_USAGE_OIDS[name.trim().toLowerCase()]);
  for (const oid of role.ext_key_usage_oids) add(oid);
  return oids;
}

export interface LeafOptions {
  /** The public key of the certificate (SubjectPublicKeyInfo DER). */
  spki: Buffer;
  csr?: ParsedCsr;
  /** sign-verbatim: the CSR's subject as it is. */
  verbatim?: boolean;
}

export interface IssuedLeaf {
  cert: Certificate;
  signer: LoadedSigner;
  serial: string;
  warnings: string[];
}

/** Checks the request against the role, signs the certificate and stores it (unless no_store). */
export async function issueLeaf(ctx: PkiContext, req: LogicalRequest, role: RoleEntry, input: IssueInput, opts: LeafOptions): Promise<IssuedLeaf> {
  const csr = opts.csr;
  const displayName = role.allow_token_displayname ? (req.displayName ?? '') : '';
  let cn = csr && role.use_csr_common_name ? csr.commonName : '';
  if (cn === '') {
    cn = input.common_name;
    if (cn === '' && role.require_cn) {
      throw new UserError('the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false');
    }
  }
  const fromCsr = csr !== undefined && role.use_csr_sans;
  const dns: string[] = fromCsr ? [...csr.sans.dns] : [];
  const emails: string[] = fromCsr ? [...csr.sans.email] : [];
  if (cn !== '' && !input.exclude_cn_from_sans) {
    if (cn.includes('@')) emails.push(cn);
    else {
      const ascii = toAsciiHostname(cn);
      if (ascii === null) throw new UserError(`common name ${cn} cannot be converted to a DNS name; set exclude_cn_from_sans to keep it out of the SANs`);
      if (isHostname(ascii)) dns.push(ascii);
    }
  }
  if (!fromCsr) {
    for (const v of [...new Set(input.alt_names.map((n) => n.trim()).filter((n) => n !== ''))].sort()) {
      if (v.includes('@')) emails.push(v);
      else {
        const ascii = toAsciiHostname(v);
        if (ascii === null || !isHostname(ascii)) throw new UserError(`subject alternate name ${v} is not a valid DNS name and cannot be included as a SAN`);
        dns.push(ascii);
      }
    }
  }
  if (cn !== '') {
    const reason = commonNameRefusal(role, cn, displayName);
    if (reason !== null) throw refused(`common name ${cn} not allowed by this role`, reason);
  }
  for (const name of dns) {
    const reason = nameRefusal(role, name, displayName);
    if (reason !== null) throw refused(`subject alternate name ${name} not allowed by this role`, reason);
  }
  for (const name of emails) {
    const reason = nameRefusal(role, name, displayName);
    if (reason !== null) throw refused(`email address ${name} not allowed by this role`, reason);
  }
  if (input.other_sans.length > 0) throw new UserError('other_sans are not supported by this server');

  let ips: string[] = [];
  if (fromCsr) {
    if (csr.sans.ip.length > 0 && !role.allow_ip_sans) {
      throw new UserError('IP Subject Alternative Names are not allowed in this role, but was provided some via CSR');
    }
    ips = [...csr.sans.ip];
  } else if (input.ip_sans.length > 0) {
    if (!role.allow_ip_sans) throw new UserError(`IP Subject Alternative Names are not allowed in this role, but was provided ${goSlice(input.ip_sans)}`);
    ips = input.ip_sans.map(checkIp);
  }

  const uris: string[] = [];
  const requestedUris = fromCsr ? csr.sans.uri : input.uri_sans;
  if (requestedUris.length > 0) {
    const via = fromCsr ? 'via CSR' : 'via the API';
    if (role.allowed_uri_sans.length === 0) {
      throw new UserError(`URI Subject Alternative Names are not allowed in this role, but were provided ${via}`);
    }
    for (const uri of requestedUris) {
      if (!role.allowed_uri_sans.some((pattern) => glob(pattern, uri))) {
        throw new UserError(`URI Subject Alternative Names were provided ${via} which are not valid for this role`, {
          details: [`refused because ${uri} matches none of allowed_uri_sans [${role.allowed_uri_sans.join(', ')}]`],
        });
      }
      if (!URL.canParse(uri)) throw new UserError(`the provided URI Subject Alternative Name "${uri}" is not a valid URI`);
      uris.push(uri);
    }
  }

  const issuerEntry = await ctx.resolveIssuer(req.storage, role.issuer_ref);
  const signer = await ctx.signer(req.storage, issuerEntry, role.signature_bits);
  const times = certificateNotAfter(
    ctx.now(),
    req.mount,
    { ttl: input.ttl, notAfter: role.not_after !== '' ? role.not_after : input.not_after, roleTtl: role.ttl, roleMaxTtl: role.max_ttl, notBeforeDuration: role.not_before_duration },
    { entry: issuerEntry, cert: signer.cert },
  );
  if (times.notBefore.getTime() < signer.cert.notBefore.getTime()) throw new UserError("notBefore before signer's notBefore");

  const subject =
    opts.verbatim && csr
      ? csr.subject
      : buildSubject({
          common_name: cn,
          country: role.country,
          province: role.province,
          locality: role.locality,
          street_address: role.street_address,
          postal_code: role.postal_code,
          organization: role.organization,
          ou: role.ou,
        });
  const sans: SanSet = { dns: [...new Set(dns)], email: [...new Set(emails)], ip: ips, uri: uris };
  const serialHex = newSerialHex();
  const urls = await readUrls(req.storage);
  const cert = await signCertificate(
    {
      serialHex,
      subject,
      spki: opts.spki,
      notBefore: times.notBefore,
      notAfter: times.notAfter,
      keyUsage: keyUsageFlags(role.key_usage),
      extKeyUsageOids: extKeyUsageOids(role),
      sans,
      urls,
      ...(role.basic_constraints_valid_for_non_ca ? { leafBasicConstraints: true } : {}),
      policies: role.policy_identifiers,
    },
    signer,
  );
  const serial = formatSerial(serialHex);
  if (!role.no_store) await req.storage.put(K.cert(storageSerial(serial)), certDer(cert));
  return { cert, signer, serial, warnings: times.warnings };
}

function encodeCert(pem: string, format: OutputFormat): string {
  return format === 'der' ? certDer(parseCertificate(pem)).toString('base64') : pem;
}

/** The response of issue/sign (Vault's signIssueApiResponse), with the lease when the role asks. */
export function leafResponse(
  issued: IssuedLeaf,
  role: Pick<RoleEntry, 'generate_lease'>,
  format: OutputFormat,
  nowMs: number,
  privateKey?: { key: KeyObject; format: PrivateKeyFormat },
): LogicalResponse {
  const { cert, signer } = issued;
  const certPem = certToPem(cert);
  const chain = signer.issuer.ca_chain.length > 0 ? signer.issuer.ca_chain : [signer.issuer.certificate];
  const data: Record<string, unknown> = {
    certificate: format === 'der' ? certDer(cert).toString('base64') : certPem,
    issuing_ca: encodeCert(signer.issuer.certificate, format),
    ca_chain: chain.map((c) => encodeCert(c, format)),
    serial_number: issued.serial,
    expiration: Math.floor(cert.notAfter.getTime() / 1000),
  };
  if (privateKey) {
    data['private_key'] = exportPrivateKey(privateKey.key, format, privateKey.format);
    data['private_key_type'] = keyTypeName(privateKey.key);
  }
  if (format === 'pem_bundle') {
    data['certificate'] = [...(privateKey ? [data['private_key'] as string] : []), certPem, ...chain].join('\n');
  }
  const resp: LogicalResponse = { data };
  if (issued.warnings.length > 0) resp.warnings = issued.warnings;
  if (role.generate_lease) {
    resp.secret = {
      kind: 'pki',
      ttl: Math.max(1, Math.floor((cert.notAfter.getTime() - nowMs) / 1000)),
      renewable: false,
      internalData: { serial_number: issued.serial },
    };
  }
  return resp;
}

