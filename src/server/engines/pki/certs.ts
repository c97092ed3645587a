/**
 * Certificates, CSRs and PEM with @peculiar/x509: subject names in Go's attribute order,
 * the extensions Vault puts in CA and leaf certificates, CSR parsing and chain building.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { UserError } from '../../../shared/errors.js';
import { describeKey, publicKeyFromSpki, type KeyInfo } from './keys.js';
import type { IssuerEntry, UrlsConfig } from './store.js';
import { x509, type SignAlgorithm, type WebCryptoKey } from './x509.js';

export type Certificate = x509.X509Certificate;

// ---------------------------------------------------------------------------------------
// PEM

export interface PemBlock {
  type: string;
  der: Buffer;
}

/** Every PEM block in `text`, in order. */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    const body = (m[2] ?? '').replace(/\s+/g, '');
    out.push({ type: m[1] ?? '', der: Buffer.from(body, 'base64') });
  }
  return out;
}

export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`;
}

export function certDer(cert: Certificate): Buffer {
  return Buffer.from(cert.rawData);
}

export function certToPem(cert: Certificate): string {
  return toPem(cert.rawData, 'CERTIFICATE');
}

/** Parses one certificate (PEM or DER); `UserError` naming `what` when it is not one. */
export function parseCertificate(input: string | Uint8Array, what = 'certificate'): Certificate {
  try {
    if (typeof input === 'string') {
      const block = pemBlocks(input).find((b) => b.type === 'CERTIFICATE');
      if (!block) throw new Error('no PEM block');
      return new x509.X509Certificate(block.der);
    }
    return new x509.X509Certificate(input);
  } catch {
    throw new UserError(`unable to parse ${what}: expected a PEM-encoded X.509 certificate`);
  }
}

// ---------------------------------------------------------------------------------------
// Names

export interface SubjectInput {
  common_name: string;
  country: readonly string[];
  province: readonly string[];
  locality: readonly string[];
  street_address: readonly string[];
  postal_code: readonly string[];
  organization: readonly string[];
  ou: readonly string[];
  serial_number?: string;
}

/** Go's pkix.Name.ToRDNSequence order; one RDN per attribute type. */
const SUBJECT_OIDS: [keyof SubjectInput, string][] = [
  ['country', '2.5.4.6'],
  ['province', '2.5.4.8'],
  ['locality', '2.5.4.7'],
  ['street_address', '2.5.4.9'],
  ['postal_code', '2.5.4.17'],
  ['organization', '2.5.4.10'],
  ['ou', '2.5.4.11'],
  ['common_name', '2.5.4.3'],
  ['serial_number', '2.5.4.5'],
];

export function buildSubject(input: SubjectInput): x509.Name {
  const rdns: Record<string, string[]>[] = [];
  for (const [field, oid] of SUBJECT_OIDS) {
    const raw = input[field];
    const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw as string]).filter((v: string) => v !== '');
    const unique = [...new Set(values)];
    if (unique.length > 0) rdns.push({ [oid]: unique });
  }
  return new x509.Name(rdns);
}

export function isEmptyName(name: x509.Name): boolean {
  return name.toJSON().length === 0;
}

// ---------------------------------------------------------------------------------------
// Extensions and signing

export interface SanSet {
  dns: string[];
  email: string[];
  ip: string[];
  uri: string[];
}

export const emptySans = (): SanSet => ({ dns: [], email: [], ip: [], uri: [] });

export const KEY_USAGE_BITS: Record<string, number> = {
  digitalsignature: x509.KeyUsageFlags.digitalSignature,
  contentcommitment: x509.KeyUsageFlags.nonRepudiation,
  keyencipherment: x509.KeyUsageFlags.keyEncipherment,
  dataencipherment: x509.KeyUsageFlags.dataEncipherment,
  keyagreement: x509.KeyUsageFlags.keyAgreement,
  certsign: x509.KeyUsageFlags.keyCertSign,
  crlsign: x509.KeyUsageFlags.cRLSign,
  encipheronly: x509.KeyUsageFlags.encipherOnly,
  decipheronly: x509.KeyUsageFlags.decipherOnly,
};

export const EXT_KEY_USAGE_OIDS: Record<string, string> = {
  any: '2.5.29.37.0',
  serverauth: '1.3.6.1.5.5.7.3.1',
  clientauth: '1.3.6.1.5.5.7.3.2',
  codesigning: '1.3.6.1.5.5.7.3.3',
  emailprotection: '1.3.6.1.5.5.7.3.4',
  ipsecendsystem: '1.3.6.1.5.5.7.3.5',
  ipsectunnel: '1.3.6.1.5.5.7.3.6',
  ipsecuser: '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  ocspsigning: '1.3.6.1.5.5.7.3.9',
  microsoftservergatedcrypto: '1.3.6.1.4.1.311.10.3.3',
  netscapeservergatedcrypto: '2.16.840.1.113730.4.1',
  microsoftcommercialcodesigning: '1.3.6.1.4.1.311.2.1.22',
  microsoftkernelcodesigning: '1.3.6.1.4.1.311.61.1.1',
};

/** What signs a certificate or CRL: the issuer's name, key and algorithm. */
export interface Signer {
  name: x509.Name;
  key: WebCryptoKey;
  signAlg: SignAlgorithm;
  /** SubjectPublicKeyInfo DER of the issuer, for the Authority Key Identifier. */
  spki: Buffer;
  /** Null while signing a self-signed certificate. */
  cert: Certificate | null;
}

export interface CertTemplate {
  serialHex: string;
  subject: x509.Name;
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** Present for CA certificates; -1 = no path length constraint. */
  ca?: { maxPathLength: number };
  keyUsage: number;
  extKeyUsageOids: readonly string[];
  sans: SanSet;
  urls: UrlsConfig;
  /** Leaf certificates: add basicConstraints CA:FALSE (role basic_constraints_valid_for_non_ca). */
  leafBasicConstraints?: boolean;
  /** Certificate policy OIDs. */
  policies?: readonly string[];
}

/** RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey BIT STRING. */
export function keyIdentifier(spki: Buffer): string {
  return createHash('sha1').update(spkiKeyBits(spki)).digest('hex');
}

/** The subjectPublicKey bytes of a SubjectPublicKeyInfo: SEQUENCE { algorithm, BIT STRING }. */
function spkiKeyBits(spki: Buffer): Buffer {
  const header = (at: number): { len: number; body: number } => {
    const first = spki[at + 1] ?? 0;
    if (first < 0x80) return { len: first, body: at + 2 };
    const n = first & 0x7f;
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (spki[at + 2 + i] ?? 0);
    return { len, body: at + 2 + n };
  };
  const outer = header(0);
  const alg = header(outer.body);
  const bitString = header(alg.body + alg.len);
  // Skip the unused-bits byte.
  return spki.subarray(bitString.body + 1, bitString.body + bitString.len);
}

export async function signCertificate(t: CertTemplate, signer: Signer): Promise<Certificate> {
  const extensions: x509.Extension[] = [];
  if (t.keyUsage !== 0) extensions.push(new x509.KeyUsagesExtension(t.keyUsage, true));
  if (t.extKeyUsageOids.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension([...t.extKeyUsageOids], false));
  if (t.ca) extensions.push(new x509.BasicConstraintsExtension(true, t.ca.maxPathLength >= 0 ? t.ca.maxPathLength : undefined, true));
  else if (t.leafBasicConstraints) extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
  extensions.push(new x509.SubjectKeyIdentifierExtension(keyIdentifier(t.spki)));
  extensions.push(new x509.AuthorityKeyIdentifierExtension(keyIdentifier(signer.spki)));
  if (t.urls.issuing_certificates.length > 0 || t.urls.ocsp_servers.length > 0) {
    extensions.push(
      new x509.AuthorityInfoAccessExtension({
        ...(t.urls.ocsp_servers.length > 0 ? { ocsp: t.urls.ocsp_servers.map((u) => new x509.GeneralName('url', u)) } : {}),
        ...(t.urls.issuing_certificates.length > 0 ? { caIssuers: t.urls.issuing_certificates.map((u) => new x509.GeneralName('url', u)) } : {}),
      }),
    );
  }
  const names: x509.JsonGeneralName[] = [
    ...t.sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...t.sans.email.map((value) => ({ type: 'email' as const, value })),
    ...t.sans.ip.map((value) => ({ type: 'ip' as const, value })),
    ...t.sans.uri.map((value) => ({ type: 'url' as const, value })),
  ];
  // RFC 5280 4.2.1.6: the SAN extension is critical when the subject is empty.
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, isEmptyName(t.subject)));
  if (t.policies && t.policies.length > 0) extensions.push(new x509.CertificatePolicyExtension([...t.policies], false));
  if (t.urls.crl_distribution_points.length > 0) extensions.push(new x509.CRLDistributionPointsExtension(t.urls.crl_distribution_points));
  return x509.X509CertificateGenerator.create({
    serialNumber: t.serialHex,
    subject: t.subject,
    issuer: signer.name,
    notBefore: t.notBefore,
    notAfter: t.notAfter,
    publicKey: t.spki,
    signingKey: signer.key,
    signingAlgorithm: signer.signAlg,
    extensions,
  });
}

// ---------------------------------------------------------------------------------------
// Certificate details

const SAN_OID = '2.5.29.17';

export function certSans(cert: Certificate | x509.Pkcs10CertificateRequest): SanSet {
  const out = emptySans();
  const found = cert.getExtension(SAN_OID);
  const ext = found instanceof x509.SubjectAlternativeNameExtension ? found : found ? new x509.SubjectAlternativeNameExtension(found.rawData) : null;
  for (const name of ext?.names.items ?? []) {
    if (name.type === 'dns') out.dns.push(name.value);
    else if (name.type === 'email') out.email.push(name.value);
    else if (name.type === 'ip') out.ip.push(name.value);
    else if (name.type === 'url') out.uri.push(name.value);
  }
  return out;
}

export function commonNameOf(name: x509.Name): string {
  return name.getField('CN')[0] ?? '';
}

export function isCaCert(cert: Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

/** Path length of a CA certificate: -1 when unconstrained. */
export function maxPathLen(cert: Certificate): number {
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  return bc?.pathLength ?? -1;
}

export function certSpki(cert: Certificate | x509.Pkcs10CertificateRequest): Buffer {
  return Buffer.from(cert.publicKey.rawData);
}

export async function verifiedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  if (cert.issuer !== issuer.subject) return false;
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

export function isSelfSigned(cert: Certificate): Promise<boolean> {
  return verifiedBy(cert, cert);
}

/**
 * The chain of every issuer (itself first, then its parents among `issuers`, up to a
 * self-signed root), as Vault builds it for `ca_chain`.
 */
export async function computeChains(issuers: readonly IssuerEntry[]): Promise<Map<string, string[]>> {
  const parsed = issuers.map((i) => ({ entry: i, cert: parseCertificate(i.certificate) }));
  const parentOf = new Map<string, string | null>();
  for (const child of parsed) {
    let parent: string | null = null;
    if (!(await isSelfSigned(child.cert))) {
      for (const candidate of parsed) {
        if (candidate.entry.issuer_id !== child.entry.issuer_id && (await verifiedBy(child.cert, candidate.cert))) {
          parent = candidate.entry.issuer_id;
          break;
        }
      }
    }
    parentOf.set(child.entry.issuer_id, parent);
  }
  const byId = new Map(issuers.map((i) => [i.issuer_id, i]));
  const chains = new Map<string, string[]>();
  for (const issuer of issuers) {
    const chain = [issuer.certificate];
    const seen = new Set([issuer.issuer_id]);
    let next = parentOf.get(issuer.issuer_id) ?? null;
    while (next !== null && !seen.has(next)) {
      seen.add(next);
      const parent = byId.get(next);
      if (!parent) break;
      chain.push(parent.certificate);
      next = parentOf.get(next) ?? null;
    }
    chains.set(issuer.issuer_id, chain);
  }
  return chains;
}

// ---------------------------------------------------------------------------------------
// CSRs

export interface ParsedCsr {
  csr: x509.Pkcs10CertificateRequest;
  subject: x509.Name;
  commonName: string;
  sans: SanSet;
  spki: Buffer;
  publicKey: KeyObject;
  keyInfo: KeyInfo;
}

/** Parses and checks a PEM CSR; `UserError` with Vault's messages when it is bad. */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  const block = pemBlocks(pem).find((b) => b.type === 'CERTIFICATE REQUEST' || b.type === 'NEW CERTIFICATE REQUEST');
  if (!block) throw new UserError('certificate request could not be parsed: no PEM-encoded CERTIFICATE REQUEST found');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(block.der);
  } catch {
    throw new UserError('certificate request could not be parsed');
  }
  const spki = certSpki(csr);
  let publicKey: KeyObject;
  try {
    publicKey = publicKeyFromSpki(spki);
  } catch {
    throw new UserError('certificate request could not be parsed: unsupported public key');
  }
  const keyInfo = describeKey(publicKey);
  let valid = false;
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw new UserError('request signature invalid');
  return { csr, subject: csr.subjectName, commonName: commonNameOf(csr.subjectName), sans: certSans(csr), spki, publicKey, keyInfo };
}

/** Checks an IP SAN, returning its canonical text. */
export function checkIp(value: string): string {
  if (isIP(value) === 0) throw new UserError(`the value "${value}" is not a valid IP address`);
  return value;
}
