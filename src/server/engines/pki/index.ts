/**
 * The PKI secrets engine (Vault's `pki`): CAs (root, intermediate, imported), roles,
 * issuing and signing certificates, revocation with CRLs, and tidy. Keys live in the
 * mount's storage, under the barrier.
 */
import { defineBackend, type BackendFactory, type SecretKind } from '../../sdk/index.js';
import { PkiContext } from './context.js';
import { revokeCertificate } from './crl.js';
import { pathsCa } from './path-ca.js';
import { pathsFetch } from './path-fetch.js';
import { pathsIssue } from './path-issue.js';
import { pathsRevoke } from './path-revoke.js';
import { pathRoles } from './roles.js';
import { parseSerial } from './serial.js';

export const PKI_HELP = `The PKI backend dynamically generates X509 server and client certificates.

After mounting this backend, configure the CA using the "pem_bundle" endpoint within
the "config/" path, or generate a root with "root/generate/:type".`;

/** Vault's PathsSpecial.Unauthenticated for pki, as far as prefix matching can express it. */
export const PKI_UNAUTHENTICATED_PATHS = [
  'cert/*',
  'ca/pem',
  'ca_chain',
  'ca',
  'crl/pem',
  'crl',
  'issuers',
  'issuers/',
  'issuer/+/pem',
  'issuer/+/der',
  'issuer/+/json',
  'issuer/+/crl',
  'issuer/+/crl/pem',
  'issuer/+/crl/der',
] as const;

export interface PkiFactoryOptions {
  /** Clock in epoch milliseconds (tests move it to exercise tidy). */
  now?: () => number;
}

export function createPkiFactory(options: PkiFactoryOptions = {}): BackendFactory {
  return () => {
    const ctx = new PkiContext(options.now ?? Date.now);
    /** Revoking the lease of a generate_lease certificate revokes the certificate. */
    const pkiSecret: SecretKind = {
      type: 'pki',
      async revoke(lease) {
        const serial = lease.internalData['serial_number'];
        if (typeof serial !== 'string' || serial === '') return;
        await revokeCertificate(ctx, lease.storage, parseSerial(serial), { missingOk: true });
      },
    };
    return defineBackend({
      kind: 'logical',
      help: PKI_HELP,
      paths: [...pathsCa(ctx), ...pathRoles(ctx), ...pathsIssue(ctx), ...pathsFetch(ctx), ...pathsRevoke(ctx)],
      specialPaths: { unauthenticated: PKI_UNAUTHENTICATED_PATHS },
      secrets: [pkiSecret],
    });
  };
}

/** The `pki` backend factory. */
export const pkiFactory: BackendFactory = createPkiFactory();
