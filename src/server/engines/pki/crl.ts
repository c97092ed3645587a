/**
 * Revocation and CRLs: a revoked certificate gets a record under `revoked/`, and every
 * issuer's CRL is rebuilt (signed by that issuer, valid for `config/crl` expiry) whenever
 * the set changes.
 */
import { parseDurationSeconds } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import type { Storage } from '../../sdk/index.js';
import { certDer, keyIdentifier, parseCertificate, verifiedBy, type Certificate } from './certs.js';
import type { PkiContext } from './context.js';
import { formatSerial, storageSerial } from './serial.js';
import { getJson, K, putJson, readCrlConfig, type CrlEntry, type IssuerEntry, type RevokedEntry } from './store.js';
import { x509 } from './x509.js';

const CRL_NUMBER_OID = '2.5.29.20';

/** DER INTEGER of a non-negative number. */
function derInteger(n: number): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  const body = Buffer.from(hex, 'hex');
  return Uint8Array.from([0x02, body.length, ...body]);
}

/** The issuer among `issuers` whose key signed `cert`, or null. */
export async function findSigningIssuer(cert: Certificate, issuers: readonly IssuerEntry[]): Promise<IssuerEntry | null> {
  for (const issuer of issuers) {
    if (await verifiedBy(cert, parseCertificate(issuer.certificate))) return issuer;
  }
  return null;
}

export interface RevokeResult {
  entry: RevokedEntry;
  /** False when it was already revoked (the first revocation time stands). */
  changed: boolean;
}

/**
 * Revokes a certificate by serial (colon form). `cert` is given when the caller has the
 * certificate itself (a `no_store` certificate revoked by PEM). Returns null when no such
 * certificate is known and `missingOk` is set (a lease whose certificate was tidied away).
 */
export async function revokeCertificate(
  ctx: PkiContext,
  storage: Storage,
  serial: string,
  options: { cert?: Certificate; missingOk?: boolean } = {},
): Promise<RevokeResult | null> {
  const dash = storageSerial(serial);
  const result = await ctx.locks.run('crl', async (): Promise<RevokeResult | null> => {
    const existing = await getJson<RevokedEntry>(storage, K.revoked(dash));
    if (existing) return { entry: existing, changed: false };
    const snap = await ctx.issuers(storage);
    const issuerWithSerial = snap.list.find((i) => i.serial_number === serial);
    if (issuerWithSerial) {
      throw new UserError(`adding issuer (id: ${issuerWithSerial.issuer_id}) to its own CRL is not allowed`);
    }
    let cert = options.cert ?? null;
    if (!cert) {
      const der = await storage.get(K.cert(dash));
      if (!der) {
        if (options.missingOk) return null;
        throw new UserError(`certificate with serial ${serial} not found.`);
      }
      cert = parseCertificate(der);
    }
    const issuer = await findSigningIssuer(cert, snap.list);
    if (!issuer) throw new UserError('unable to find the issuer of this certificate in this mount');
    const nowMs = ctx.now();
    const entry: RevokedEntry = {
      serial_number: serial,
      certificate: certDer(cert).toString('base64'),
      revocation_time: Math.floor(nowMs / 1000),
      revocation_time_rfc3339: new Date(nowMs).toISOString(),
      issuer_id: issuer.issuer_id,
    };
    await putJson(storage, K.revoked(dash), entry);
    await buildCrlLocked(ctx, storage, issuer);
    return { entry, changed: true };
  });
  return result;
}

export async function readRevoked(storage: Storage): Promise<RevokedEntry[]> {
  const out: RevokedEntry[] = [];
  for (const key of await storage.list('revoked/')) {
    if (key.endsWith('/')) continue;
    const entry = await getJson<RevokedEntry>(storage, K.revoked(key));
    if (entry) out.push(entry);
  }
  return out;
}

/** Rebuilds the CRL of every issuer that has a key (crl/rotate, config/crl, tidy). */
export async function rebuildAllCrls(ctx: PkiContext, storage: Storage): Promise<void> {
  await ctx.locks.run('crl', async () => {
    const snap = await ctx.issuers(storage);
    for (const issuer of snap.list) {
      if (issuer.key_id !== '') await buildCrlLocked(ctx, storage, issuer);
    }
  });
}

/** The issuer's current CRL (DER), built on first use. */
export async function currentCrl(ctx: PkiContext, storage: Storage, issuer: IssuerEntry): Promise<Buffer | null> {
  const stored = await getJson<CrlEntry>(storage, K.crl(issuer.issuer_id));
  if (stored) return Buffer.from(stored.der, 'base64');
  if (issuer.key_id === '') return null;
  return ctx.locks.run('crl', async () => {
    const again = await getJson<CrlEntry>(storage, K.crl(issuer.issuer_id));
    if (again) return Buffer.from(again.der, 'base64');
    return buildCrlLocked(ctx, storage, issuer);
  });
}

/** Builds and stores one issuer's CRL; the caller holds the `crl` lock. */
async function buildCrlLocked(ctx: PkiContext, storage: Storage, issuer: IssuerEntry): Promise<Buffer> {
  const config = await readCrlConfig(storage);
  const signer = await ctx.signer(storage, issuer);
  const previous = await getJson<CrlEntry>(storage, K.crl(issuer.issuer_id));
  const number = (previous?.crl_number ?? 0) + 1;
  // Vault still publishes a (empty) CRL when building is disabled.
  const revoked = config.disable ? [] : (await readRevoked(storage)).filter((r) => r.issuer_id === issuer.issuer_id);
  const nowMs = ctx.now();
  let expiry = 72 * 3600;
  try {
    expiry = parseDurationSeconds(config.expiry);
  } catch {
    // A stored expiry was validated on write; keep the default if it is somehow bad.
  }
  const crl = await x509.X509CrlGenerator.create({
    issuer: signer.name,
    thisUpdate: new Date(nowMs),
    nextUpdate: new Date(nowMs + expiry * 1000),
    signingAlgorithm: signer.signAlg,
    signingKey: signer.key,
    entries: revoked.map((r) => ({
      serialNumber: parseCertificate(Buffer.from(r.certificate, 'base64')).serialNumber,
      revocationDate: new Date(r.revocation_time * 1000),
    })),
    extensions: [new x509.AuthorityKeyIdentifierExtension(keyIdentifier(signer.spki)), new x509.Extension(CRL_NUMBER_OID, false, derInteger(number))],
  });
  const der = Buffer.from(crl.rawData);
  await putJson(storage, K.crl(issuer.issuer_id), { crl_number: number, der: der.toString('base64') } satisfies CrlEntry);
  return der;
}

/** The serial of a certificate in Vault's colon form. */
export function serialOf(cert: Certificate): string {
  return formatSerial(cert.serialNumber);
}
