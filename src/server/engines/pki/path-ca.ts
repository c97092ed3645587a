/**
 * CA setup: root/generate, root/sign-intermediate, intermediate/generate,
 * intermediate/set-signed, config/ca, DELETE root, issuers and config/issuers.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { webcrypto } from 'node:crypto';
import { UserError } from '../../../shared/errors.js';
import { definePath, f, putJson, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec, type Storage } from '../../sdk/index.js';
import { formatFields, keyGenFields, subjectFields, validityFields } from './ca-fields.js';
import {
  buildSubject,
  certDer,
  certSpki,
  certToPem,
  checkIp,
  isCaCert,
  maxPathLen,
  parseCertificate,
  parseCsr,
  pemBlocks,
  signCertificate,
  toPem,
  type Certificate,
  type SanSet,
  type Signer,
} from './certs.js';
import type { PkiContext } from './context.js';
import { certificateNotAfter, type OutputFormat } from './issue.js';
import {
  describeKey,
  exportPrivateKey,
  generateKey,
  importSigningKey,
  normalizeKeyParams,
  parsePrivateKeyPem,
  signingParams,
  spkiDer,
  toPkcs8Pem,
  type KeyType,
  type PrivateKeyFormat,
} from './keys.js';
import { isHostname, toAsciiHostname } from './names.js';
import { formatSerial, newSerialHex, storageSerial } from './serial.js';
import { K, readAllIssuers, readAllKeys, readIssuersConfig, readUrls, type IssuerEntry, type KeyEntry, type LeafNotAfterBehavior } from './store.js';
import { x509 } from './x509.js';

const CA_KEY_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
const NAME_RE = /^[\w-]+$/;

type SubjectValues = FieldValues<typeof subjectFields>;

/** SANs of a CA certificate or CSR from the request (no role restricts them). */
function caSans(v: SubjectValues): SanSet {
  const dns: string[] = [];
  const email: string[] = [];
  const add = (name: string, fromCn: boolean): void => {
    if (name.includes('@')) return void email.push(name);
    const ascii = toAsciiHostname(name);
    if (ascii !== null && isHostname(ascii)) dns.push(ascii);
    else if (!fromCn) throw new UserError(`subject alternate name ${name} is not a valid DNS name and cannot be included as a SAN`);
  };
  if (v.common_name !== '' && !v.exclude_cn_from_sans) add(v.common_name, true);
  for (const name of v.alt_names.filter((n) => n !== '')) add(name, false);
  for (const uri of v.uri_sans) {
    if (!URL.canParse(uri)) throw new UserError(`the provided URI Subject Alternative Name "${uri}" is not a valid URI`);
  }
  if (v.other_sans.length > 0) throw new UserError('other_sans are not supported by this server');
  return { dns: [...new Set(dns)], email: [...new Set(email)], ip: v.ip_sans.map(checkIp), uri: [...v.uri_sans] };
}

function subjectOf(v: SubjectValues): x509.Name {
  return buildSubject({ ...v, serial_number: v.serial_number });
}

function checkUnsupported(fields: { use_pss: boolean; permitted_dns_domains?: readonly string[] }): void {
  if (fields.use_pss) throw new UserError('use_pss is not supported by this server');
  if ((fields.permitted_dns_domains ?? []).length > 0) throw new UserError('permitted_dns_domains is not supported by this server');
}

async function checkName(storage: Storage, kind: 'issuer' | 'key', name: string, selfId = ''): Promise<void> {
  if (name === '') return;
  if (name === 'default') throw new UserError(`reserved keyword 'default' can not be used as ${kind} name`);
  if (name.length > 128 || !NAME_RE.test(name)) throw new UserError(`${kind} name contained invalid characters`);
  const taken =
    kind === 'issuer'
      ? (await readAllIssuers(storage)).some((i) => i.issuer_name === name && i.issuer_id !== selfId)
      : (await readAllKeys(storage)).some((k) => k.key_name === name && k.key_id !== selfId);
  if (taken) throw new UserError(`${kind} name already in use`);
}

/** The key for a new CA: generated, or `existing` by reference. */
async function caKey(
  storage: Storage,
  type: string,
  fields: FieldValues<typeof keyGenFields>,
): Promise<{ key: KeyObject; entry: KeyEntry | null; keyType: KeyType; keyBits: number }> {
  if (type === 'existing') {
    const keys = await readAllKeys(storage);
    const ref = fields.key_ref;
    const entry = keys.find((k) => k.key_id === ref || (k.key_name !== '' && k.key_name === ref)) ?? null;
    if (!entry) throw new UserError(`unable to find PKI key for reference: ${ref}`);
    const key = parsePrivateKeyPem(entry.private_key);
    const info = describeKey(key);
    return { key, entry, keyType: info.keyType, keyBits: info.keyBits };
  }
  if (type !== 'internal' && type !== 'exported') {
    throw new UserError(type === 'kms' ? 'managed keys (kms) are not supported by this server' : `invalid type "${type}": must be internal, exported or existing`);
  }
  const params = normalizeKeyParams(fields.key_type, fields.key_bits, fields.signature_bits);
  const keyType = params.keyType as KeyType;
  // A CA key must be able to sign here (rules out EC P-224).
  signingParams({ keyType, keyBits: params.keyBits }, params.signatureBits);
  return { key: await generateKey(keyType, params.keyBits), entry: null, keyType, keyBits: params.keyBits };
}

function newKeyEntry(key: KeyObject, name: string): KeyEntry {
  const info = describeKey(key);
  return { key_id: randomUUID(), key_name: name, key_type: info.keyType, key_bits: info.keyBits, private_key: toPkcs8Pem(key) };
}

function encode(pem: string, format: OutputFormat): string {
  return format === 'der' ? certDer(parseCertificate(pem)).toString('base64') : pem;
}

function newIssuer(cert: Certificate, keyId: string, name: string, nowMs: number): IssuerEntry {
  const pem = certToPem(cert);
  return {
    issuer_id: randomUUID(),
    issuer_name: name,
    key_id: keyId,
    certificate: pem,
    ca_chain: [pem],
    serial_number: formatSerial(cert.serialNumber),
    leaf_not_after_behavior: 'err',
    created: nowMs,
  };
}

async function setDefaultIfUnset(storage: Storage, issuerId: string): Promise<void> {
  const config = await readIssuersConfig(storage);
  const existing = config.default !== '' ? await storage.get(K.issuer(config.default)) : null;
  if (!existing) await putJson(storage, K.issuersConfig, { default: issuerId });
}

// ---------------------------------------------------------------------------------------
// root/generate

const rootFields = {
  type: f.string({ description: 'internal, exported or existing.', required: true }),
  issuer_name: f.string({ description: 'A name for the new issuer.', default: '' }),
  ...subjectFields,
  ...keyGenFields,
  ...validityFields,
  ...formatFields,
};

async function generateRoot(ctx: PkiContext, req: LogicalRequest, v: FieldValues<typeof rootFields>): Promise<LogicalResponse> {
  checkUnsupported(v);
  if (v.common_name === '') throw new UserError('the common_name field is required');
  await checkName(req.storage, 'issuer', v.issuer_name);
  await checkName(req.storage, 'key', v.key_name);
  const sans = caSans(v);
  const { key, entry: existingKey, keyType, keyBits } = await caKey(req.storage, v.type, v);
  const nowMs = ctx.now();
  const times = certificateNotAfter(nowMs, req.mount, { ttl: v.ttl, notAfter: v.not_after, roleTtl: 0, roleMaxTtl: 0, notBeforeDuration: v.not_before_duration }, null);
  const { importAlg, signAlg } = signingParams({ keyType, keyBits }, keyType === 'rsa' ? v.signature_bits : 0);
  const subject = subjectOf(v);
  const spki = spkiDer(key);
  const signer: Signer = { name: subject, key: await importSigningKey(toPkcs8Pem(key), importAlg), signAlg, spki, cert: null };
  const serialHex = newSerialHex();
  const cert = await signCertificate(
    {
      serialHex,
      subject,
      spki,
      notBefore: times.notBefore,
      notAfter: times.notAfter,
      ca: { maxPathLength: v.max_path_length },
      keyUsage: CA_KEY_USAGE,
      extKeyUsageOids: [],
      sans,
      urls: await readUrls(req.storage),
    },
    signer,
  );
  const keyEntry = existingKey ?? newKeyEntry(key, v.key_name);
  const issuer = newIssuer(cert, keyEntry.key_id, v.issuer_name, nowMs);
  await ctx.mutateIssuers(req.storage, async () => {
    await req.storage.transaction([
      ...(existingKey ? [] : [{ op: 'put' as const, key: K.key(keyEntry.key_id), value: Buffer.from(JSON.stringify(keyEntry)) }]),
      { op: 'put', key: K.issuer(issuer.issuer_id), value: Buffer.from(JSON.stringify(issuer)) },
      { op: 'put', key: K.cert(storageSerial(issuer.serial_number)), value: certDer(cert) },
    ]);
    await setDefaultIfUnset(req.storage, issuer.issuer_id);
  });
  const format = v.format as OutputFormat;
  const pem = certToPem(cert);
  const data: Record<string, unknown> = {
    certificate: encode(pem, format),
    issuing_ca: encode(pem, format),
    serial_number: issuer.serial_number,
    expiration: Math.floor(cert.notAfter.getTime() / 1000),
    issuer_id: issuer.issuer_id,
    issuer_name: issuer.issuer_name,
    key_id: keyEntry.key_id,
    key_name: keyEntry.key_name,
  };
  if (v.type === 'exported') {
    data['private_key'] = exportPrivateKey(key, format, v.private_key_format as PrivateKeyFormat);
    data['private_key_type'] = keyType;
    if (format === 'pem_bundle') data['certificate'] = `${String(data['private_key'])}\n${pem}`;
  }
  return { data, ...(times.warnings.length > 0 ? { warnings: times.warnings } : {}) };
}

// ---------------------------------------------------------------------------------------
// root/sign-intermediate

const signIntermediateFields = {
  csr: f.string({ description: 'PEM CSR of the intermediate.', default: '' }),
  use_csr_values: f.bool({ description: "Use the CSR's subject and SANs.", default: false }),
  issuer_ref: f.string({ description: 'The issuer that signs.', default: 'default' }),
  ...subjectFields,
  ...validityFields,
  ...formatFields,
  signature_bits: f.int({ description: 'Hash size of RSA signatures; 0 = 256.', default: 0 }),
  use_pss: f.bool({ description: 'Not supported; must be false.', default: false }),
};

async function signIntermediate(ctx: PkiContext, req: LogicalRequest, v: FieldValues<typeof signIntermediateFields>): Promise<LogicalResponse> {
  checkUnsupported(v);
  if (v.csr === '') throw new UserError('"csr" is empty');
  const csr = await parseCsr(v.csr);
  const issuerEntry = await ctx.resolveIssuer(req.storage, v.issuer_ref);
  const signer = await ctx.signer(req.storage, issuerEntry, v.signature_bits);
  const cn = v.use_csr_values ? csr.commonName : v.common_name;
  if (cn === '') throw new UserError('the common_name field is required, or must be provided in a CSR with "use_csr_values" set to true');
  const subject = v.use_csr_values ? csr.subject : subjectOf({ ...v, common_name: cn });
  const sans = v.use_csr_values ? csr.sans : caSans({ ...v, common_name: cn });
  if (v.use_csr_values && cn !== '' && !v.exclude_cn_from_sans && !cn.includes('@')) {
    const ascii = toAsciiHostname(cn);
    if (ascii !== null && isHostname(ascii) && !sans.dns.includes(ascii)) sans.dns.unshift(ascii);
  }
  let pathLen = v.max_path_length;
  if (pathLen < 0) {
    const parent = maxPathLen(signer.cert);
    if (parent === 0) throw new UserError('signing CA has a max path length of zero; cannot sign another CA');
    pathLen = parent < 0 ? -1 : parent - 1;
  }
  const nowMs = ctx.now();
  const times = certificateNotAfter(
    nowMs,
    req.mount,
    { ttl: v.ttl, notAfter: v.not_after, roleTtl: 0, roleMaxTtl: 0, notBeforeDuration: v.not_before_duration },
    { entry: issuerEntry, cert: signer.cert },
  );
  const cert = await signCertificate(
    {
      serialHex: newSerialHex(),
      subject,
      spki: csr.spki,
      notBefore: times.notBefore,
      notAfter: times.notAfter,
      ca: { maxPathLength: pathLen },
      keyUsage: CA_KEY_USAGE,
      extKeyUsageOids: [],
      sans,
      urls: await readUrls(req.storage),
    },
    signer,
  );
  const serial = formatSerial(cert.serialNumber);
  await req.storage.put(K.cert(storageSerial(serial)), certDer(cert));
  const format = v.format as OutputFormat;
  const pem = certToPem(cert);
  const chain = issuerEntry.ca_chain.length > 0 ? issuerEntry.ca_chain : [issuerEntry.certificate];
  return {
    data: {
      certificate: format === 'pem_bundle' ? [pem, ...chain].join('\n') : encode(pem, format),
      issuing_ca: encode(issuerEntry.certificate, format),
      ca_chain: [pem, ...chain].map((c) => encode(c, format)),
      serial_number: serial,
      expiration: Math.floor(cert.notAfter.getTime() / 1000),
    },
    ...(times.warnings.length > 0 ? { warnings: times.warnings } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// intermediate/generate

const intermediateFields = {
  type: f.string({ description: 'internal, exported or existing.', required: true }),
  ...subjectFields,
  ...keyGenFields,
  ...formatFields,
  add_basic_constraints: f.bool({ description: 'Add basicConstraints CA:TRUE to the CSR.', default: false }),
};

async function generateIntermediate(ctx: PkiContext, req: LogicalRequest, v: FieldValues<typeof intermediateFields>): Promise<LogicalResponse> {
  checkUnsupported(v);
  await checkName(req.storage, 'key', v.key_name);
  const sans = caSans(v);
  const { key, entry: existingKey, keyType, keyBits } = await caKey(req.storage, v.type, v);
  const { importAlg, signAlg } = signingParams({ keyType, keyBits }, 0);
  const pkcs8 = toPkcs8Pem(key);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, importAlg as never, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spkiDer(key), importAlg as never, true, ['verify']);
  const names: x509.JsonGeneralName[] = [
    ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...sans.email.map((value) => ({ type: 'email' as const, value })),
    ...sans.ip.map((value) => ({ type: 'ip' as const, value })),
    ...sans.uri.map((value) => ({ type: 'url' as const, value })),
  ];
  const extensions: x509.Extension[] = [];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  if (v.add_basic_constraints) extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectOf(v),
    keys: { privateKey, publicKey } as never,
    signingAlgorithm: signAlg,
    extensions,
  });
  const keyEntry = existingKey ?? { ...newKeyEntry(key, v.key_name), private_key: pkcs8 };
  if (!existingKey) {
    await ctx.mutateIssuers(req.storage, () => putJson(req.storage, K.key(keyEntry.key_id), keyEntry));
  }
  const format = v.format as OutputFormat;
  const data: Record<string, unknown> = {
    csr: format === 'der' ? Buffer.from(csr.rawData).toString('base64') : toPem(csr.rawData, 'CERTIFICATE REQUEST'),
    key_id: keyEntry.key_id,
    key_name: keyEntry.key_name,
  };
  if (v.type === 'exported') {
    data['private_key'] = exportPrivateKey(key, format, v.private_key_format as PrivateKeyFormat);
    data['private_key_type'] = keyType;
  }
  return { data };
}

// ---------------------------------------------------------------------------------------
// intermediate/set-signed and config/ca

interface ImportResult {
  imported_issuers: string[] | null;
  imported_keys: string[] | null;
  mapping: Record<string, string>;
  existing_issuers: string[] | null;
  existing_keys: string[] | null;
}

/** Imports certificates (and keys) into the mount; certificates are linked to the keys the mount holds. */
async function importBundle(ctx: PkiContext, storage: Storage, certs: Certificate[], keys: KeyObject[]): Promise<ImportResult> {
  return ctx.mutateIssuers(storage, async () => {
    const allKeys = await readAllKeys(storage);
    const spkiOf = new Map(allKeys.map((k) => [spkiDer(parsePrivateKeyPem(k.private_key)).toString('base64'), k.key_id]));
    const importedKeys: string[] = [];
    const existingKeys: string[] = [];
    for (const key of keys) {
      const spki = spkiDer(key).toString('base64');
      const found = spkiOf.get(spki);
      if (found) {
        existingKeys.push(found);
        continue;
      }
      const entry = newKeyEntry(key, '');
      await putJson(storage, K.key(entry.key_id), entry);
      spkiOf.set(spki, entry.key_id);
      importedKeys.push(entry.key_id);
    }
    const issuers = await readAllIssuers(storage);
    const importedIssuers: string[] = [];
    const existingIssuers: string[] = [];
    const mapping: Record<string, string> = {};
    const nowMs = ctx.now();
    let firstWithKey = '';
    for (const [i, cert] of certs.entries()) {
      const pem = certToPem(cert);
      const keyId = spkiOf.get(certSpki(cert).toString('base64')) ?? '';
      const existing = issuers.find((e) => e.certificate === pem);
      if (existing) {
        existingIssuers.push(existing.issuer_id);
        if (existing.key_id === '' && keyId !== '') await putJson(storage, K.issuer(existing.issuer_id), { ...existing, key_id: keyId });
        mapping[existing.issuer_id] = keyId || existing.key_id;
        continue;
      }
      // Keep import order stable for LIST issuers.
      const entry = newIssuer(cert, keyId, '', nowMs + i);
      await putJson(storage, K.issuer(entry.issuer_id), entry);
      await storage.put(K.cert(storageSerial(entry.serial_number)), certDer(cert));
      importedIssuers.push(entry.issuer_id);
      mapping[entry.issuer_id] = keyId;
      if (firstWithKey === '' && keyId !== '') firstWithKey = entry.issuer_id;
    }
    if (firstWithKey !== '') await setDefaultIfUnset(storage, firstWithKey);
    const orNull = (a: string[]): string[] | null => (a.length > 0 ? a : null);
    return {
      imported_issuers: orNull(importedIssuers),
      imported_keys: orNull(importedKeys),
      mapping,
      existing_issuers: orNull(existingIssuers),
      existing_keys: orNull(existingKeys),
    };
  });
}

function parseBundle(text: string, allowKeys: boolean): { certs: Certificate[]; keys: KeyObject[] } {
  const certs: Certificate[] = [];
  const keys: KeyObject[] = [];
  for (const block of pemBlocks(text)) {
    if (block.type === 'CERTIFICATE') certs.push(parseCertificate(block.der));
    else if (block.type.endsWith('PRIVATE KEY')) {
      if (!allowKeys) throw new UserError('private keys are not accepted here; import them with config/ca');
      keys.push(parsePrivateKeyPem(toPem(block.der, block.type)));
    } else throw new UserError(`unsupported PEM block type "${block.type}" in bundle`);
  }
  for (const cert of certs) {
    if (!isCaCert(cert)) throw new UserError(`certificate with serial ${formatSerial(cert.serialNumber)} is not a CA certificate (basicConstraints CA:TRUE is missing)`);
  }
  return { certs, keys };
}

// ---------------------------------------------------------------------------------------
// issuers

function issuerData(issuer: IssuerEntry): Record<string, unknown> {
  return {
    issuer_id: issuer.issuer_id,
    issuer_name: issuer.issuer_name,
    key_id: issuer.key_id,
    certificate: issuer.certificate,
    ca_chain: issuer.ca_chain,
    manual_chain: null,
    leaf_not_after_behavior: issuer.leaf_not_after_behavior,
    usage: 'crl-signing,issuing-certificates,ocsp-signing,read-only',
    revocation_signature_algorithm: '',
    revoked: false,
    issuing_certificates: [],
    crl_distribution_points: [],
    ocsp_servers: [],
    enable_aia_url_templating: false,
    serial_number: issuer.serial_number,
  };
}

const LEAF_BEHAVIORS: readonly LeafNotAfterBehavior[] = ['err', 'truncate', 'permit'];

export function pathsCa(ctx: PkiContext): PathSpec<any>[] {
  return [
    definePath({
      pattern: '(?:root/generate|issuers/generate/root|root/rotate)/(?<type>\\w+)',
      fields: rootFields,
      operations: { update: (req, v) => generateRoot(ctx, req, v) },
      synopsis: 'Generate a new CA certificate and private key used for signing.',
    }),
    definePath({
      pattern: '(?:root/sign-intermediate|issuer/(?<issuer_ref>[\\w-]+)/sign-intermediate)',
      fields: signIntermediateFields,
      operations: { update: (req, v) => signIntermediate(ctx, req, v) },
      synopsis: 'Issue an intermediate CA certificate based on the provided CSR.',
    }),
    definePath({
      pattern: '(?:intermediate/generate|issuers/generate/intermediate)/(?<type>\\w+)',
      fields: intermediateFields,
      operations: { update: (req, v) => generateIntermediate(ctx, req, v) },
      synopsis: 'Generate a new CSR and private key used for signing.',
    }),
    definePath({
      pattern: 'intermediate/set-signed',
      fields: { certificate: f.string({ description: 'PEM certificate (a chain is allowed).', default: '' }) },
      operations: {
        update: async (req, v) => {
          const { certs } = parseBundle(v.certificate, false);
          if (certs.length === 0) throw new UserError('no certificate found in "certificate"');
          return { data: { ...(await importBundle(ctx, req.storage, certs, [])) } };
        },
      },
      synopsis: 'Provide the signed intermediate CA cert.',
    }),
    definePath({
      pattern: '(?:config/ca|issuers/import/(?:cert|bundle))',
      fields: { pem_bundle: f.string({ description: 'PEM certificates and private keys.', default: '' }) },
      operations: {
        update: async (req, v) => {
          const { certs, keys } = parseBundle(v.pem_bundle, true);
          if (certs.length === 0 && keys.length === 0) throw new UserError('no data found in PEM bundle');
          return { data: { ...(await importBundle(ctx, req.storage, certs, keys)) } };
        },
      },
      synopsis: 'Import a CA certificate and its private key.',
    }),
    definePath({
      pattern: 'root',
      fields: {},
      operations: {
        delete: async (req) => {
          await ctx.mutateIssuers(req.storage, async () => {
            const keys = [
              ...(await req.storage.list('issuer/')).map((k) => `issuer/${k}`),
              ...(await req.storage.list('key/')).map((k) => `key/${k}`),
              ...(await req.storage.list('crls/')).map((k) => `crls/${k}`),
            ];
            await req.storage.transaction([...keys.map((key) => ({ op: 'delete' as const, key })), { op: 'delete', key: K.issuersConfig }]);
          });
          return null;
        },
      },
      synopsis: 'Deletes every issuer and key of the mount.',
    }),
    definePath({
      pattern: 'issuers/?',
      fields: {},
      operations: {
        list: async (req) => {
          const snap = await ctx.issuers(req.storage);
          const keyInfo: Record<string, unknown> = {};
          for (const i of snap.list) {
            keyInfo[i.issuer_id] = { issuer_name: i.issuer_name, is_default: i.issuer_id === snap.defaultId, key_id: i.key_id, serial_number: i.serial_number };
          }
          return { data: { keys: snap.list.map((i) => i.issuer_id), key_info: keyInfo } };
        },
      },
      synopsis: 'List the issuers of this mount.',
    }),
    definePath({
      pattern: 'issuer/(?<issuer_ref>[\\w-]+)',
      fields: {
        issuer_ref: f.string({ description: 'Issuer id, name or "default".', required: true }),
        issuer_name: f.string({ description: 'New name of the issuer.' }),
        leaf_not_after_behavior: f.string({ description: 'err, truncate or permit.' }),
      },
      operations: {
        read: async (req, v) => {
          const issuer = await ctx.findIssuer(req.storage, v.issuer_ref);
          return issuer ? { data: issuerData(issuer) } : null;
        },
        update: async (req, v) => {
          const issuer = await ctx.resolveIssuer(req.storage, v.issuer_ref);
          if (v.leaf_not_after_behavior !== undefined && !LEAF_BEHAVIORS.includes(v.leaf_not_after_behavior as LeafNotAfterBehavior)) {
            throw new UserError(`invalid leaf_not_after_behavior "${v.leaf_not_after_behavior}": must be err, truncate or permit`);
          }
          if (v.issuer_name !== undefined) await checkName(req.storage, 'issuer', v.issuer_name, issuer.issuer_id);
          const updated: IssuerEntry = {
            ...issuer,
            ...(v.issuer_name !== undefined ? { issuer_name: v.issuer_name } : {}),
            ...(v.leaf_not_after_behavior !== undefined ? { leaf_not_after_behavior: v.leaf_not_after_behavior as LeafNotAfterBehavior } : {}),
          };
          await ctx.mutateIssuers(req.storage, () => putJson(req.storage, K.issuer(issuer.issuer_id), updated));
          return { data: issuerData(updated) };
        },
        delete: async (req, v) => {
          const issuer = await ctx.findIssuer(req.storage, v.issuer_ref);
          if (!issuer) return null;
          const warnings: string[] = [];
          await ctx.mutateIssuers(req.storage, async () => {
            const config = await readIssuersConfig(req.storage);
            const ops: { op: 'delete' | 'put'; key: string; value?: Uint8Array }[] = [
              { op: 'delete', key: K.issuer(issuer.issuer_id) },
              { op: 'delete', key: K.crl(issuer.issuer_id) },
            ];
            if (config.default === issuer.issuer_id) {
              ops.push({ op: 'put', key: K.issuersConfig, value: Buffer.from(JSON.stringify({ default: '' })) });
              warnings.push('Deleted issuer which was previously the default; no default issuer is set now');
            }
            await req.storage.transaction(ops.map((o) => (o.op === 'put' ? { op: 'put', key: o.key, value: o.value ?? new Uint8Array() } : { op: 'delete', key: o.key })));
          });
          return warnings.length > 0 ? { warnings } : null;
        },
      },
      synopsis: 'Read, rename or delete an issuer.',
    }),
    definePath({
      pattern: 'config/issuers',
      fields: {
        default: f.string({ description: 'The default issuer (id or name).', default: '' }),
        default_follows_latest_issuer: f.bool({ description: 'Not supported; must be false.', default: false }),
      },
      operations: {
        read: async (req) => ({ data: { default: (await readIssuersConfig(req.storage)).default, default_follows_latest_issuer: false } }),
        update: async (req, v) => {
          if (v.default_follows_latest_issuer) throw new UserError('default_follows_latest_issuer is not supported by this server');
          if (v.default === '') throw new UserError('invalid issuer specification; must be non-empty and can\'t be "default".');
          const issuer = await ctx.resolveIssuer(req.storage, v.default);
          await ctx.mutateIssuers(req.storage, () => putJson(req.storage, K.issuersConfig, { default: issuer.issuer_id }));
          return { data: { default: issuer.issuer_id, default_follows_latest_issuer: false } };
        },
      },
      synopsis: 'Read and set the default issuer.',
    }),
  ];
}

