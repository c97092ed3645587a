/**
 * revoke, revoke-with-key, crl/rotate, config/crl, config/urls, tidy and tidy-status.
 */
import { createPublicKey } from 'node:crypto';
import { parseDurationSeconds } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import { definePath, f, putJson, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec, type Storage } from '../../sdk/index.js';
import { certDer, certSpki, parseCertificate, type Certificate } from './certs.js';
import type { PkiContext } from './context.js';
import { readRevoked, rebuildAllCrls, revokeCertificate, serialOf } from './crl.js';
import { parsePrivateKeyPem } from './keys.js';
import { parseSerial, storageSerial } from './serial.js';
import { K, readCrlConfig, readUrls, type CrlConfig, type UrlsConfig } from './store.js';

const revokeFields = {
  serial_number: f.string({ description: 'Serial of the certificate to revoke.', default: '' }),
  certificate: f.string({ description: 'The certificate to revoke (PEM), instead of its serial.', default: '' }),
};

async function targetOf(req: LogicalRequest, v: FieldValues<typeof revokeFields>): Promise<{ serial: string; cert?: Certificate }> {
  if (v.serial_number !== '' && v.certificate !== '') throw new UserError('Must provide either the certificate or the serial to revoke; not both.');
  if (v.serial_number === '' && v.certificate === '') throw new UserError('The serial number must be provided');
  if (v.serial_number !== '') return { serial: parseSerial(v.serial_number) };
  const cert = parseCertificate(v.certificate);
  const serial = serialOf(cert);
  const stored = await req.storage.get(K.cert(storageSerial(serial)));
  if (stored && !Buffer.from(stored).equals(certDer(cert))) {
    throw new UserError('certificate with same serial but unique contents was found in storage; refusing to revoke it');
  }
  return { serial, cert };
}

async function revoke(ctx: PkiContext, req: LogicalRequest, target: { serial: string; cert?: Certificate }): Promise<LogicalResponse> {
  const result = await revokeCertificate(ctx, req.storage, target.serial, target.cert ? { cert: target.cert } : {});
  if (!result) throw new UserError(`certificate with serial ${target.serial} not found.`);
  return {
    data: {
      revocation_time: result.entry.revocation_time,
      revocation_time_rfc3339: result.entry.revocation_time_rfc3339,
      state: 'revoked',
    },
  };
}

function checkUrls(name: string, urls: readonly string[]): string[] {
  const clean = urls.filter((u) => u !== '');
  for (const u of clean) {
    if (!URL.canParse(u)) throw new UserError(`invalid URL found in ${name}: ${u}`);
  }
  return clean;
}

function crlConfigData(c: CrlConfig): Record<string, unknown> {
  return {
    expiry: c.expiry,
    disable: c.disable,
    ocsp_disable: false,
    ocsp_expiry: '12h',
    auto_rebuild: false,
    auto_rebuild_grace_period: '12h',
    enable_delta: false,
    delta_rebuild_interval: '15m',
    cross_cluster_revocation: false,
    unified_crl: false,
    unified_crl_on_existing_paths: false,
  };
}

const tidyFields = {
  tidy_cert_store: f.bool({ description: 'Delete expired certificates from the store.', default: false }),
  tidy_revoked_certs: f.bool({ description: 'Delete expired revoked certificates (and drop them from the CRL).', default: false }),
  tidy_revoked_cert_issuer_associations: f.bool({ description: 'Accepted; associations are always kept.', default: false }),
  safety_buffer: f.durationSecond({ description: 'How long past expiry a certificate is kept.', default: 259200 }),
  pause_duration: f.string({ description: 'Accepted for compatibility.', default: '0s' }),
};

async function runTidy(ctx: PkiContext, storage: Storage, v: FieldValues<typeof tidyFields>): Promise<void> {
  const cutoffMs = ctx.now() - v.safety_buffer * 1000;
  const expired = (der: Uint8Array): boolean => {
    try {
      return parseCertificate(der).notAfter.getTime() < cutoffMs;
    } catch {
      // An unreadable entry can never be served or revoked: tidy it.
      return true;
    }
  };
  if (v.tidy_cert_store) {
    for (const key of await storage.list('certs/')) {
      if (key.endsWith('/')) continue;
      const der = await storage.get(K.cert(key));
      if (der && expired(der) && (await storage.get(K.revoked(key))) === null) {
        await storage.delete(K.cert(key));
        ctx.tidy.cert_store_deleted_count += 1;
      }
    }
  }
  if (v.tidy_revoked_certs) {
    let removed = 0;
    for (const entry of await readRevoked(storage)) {
      if (!expired(Buffer.from(entry.certificate, 'base64'))) continue;
      const dash = storageSerial(entry.serial_number);
      await storage.transaction([
        { op: 'delete', key: K.revoked(dash) },
        { op: 'delete', key: K.cert(dash) },
      ]);
      removed += 1;
      ctx.tidy.revoked_cert_deleted_count += 1;
    }
    if (removed > 0) await rebuildAllCrls(ctx, storage);
  }
}

export function pathsRevoke(ctx: PkiContext): PathSpec<any>[] {
  return [
    definePath({
      pattern: 'revoke',
      fields: revokeFields,
      operations: { update: async (req, v) => revoke(ctx, req, await targetOf(req, v)) },
      synopsis: 'Revoke a certificate by serial number or by the certificate itself.',
    }),
    definePath({
      pattern: 'revoke-with-key',
      fields: { ...revokeFields, private_key: f.string({ description: 'The private key of the certificate (PEM).', default: '' }) },
      operations: {
        update: async (req, v) => {
          if (v.private_key === '') throw new UserError('private key must be provided to revoke-with-key');
          const target = await targetOf(req, v);
          const der = target.cert ? certDer(target.cert) : await req.storage.get(K.cert(storageSerial(target.serial)));
          if (!der) throw new UserError(`certificate with serial ${target.serial} not found.`);
          const cert = target.cert ?? parseCertificate(der);
          const keySpki = createPublicKey(parsePrivateKeyPem(v.private_key)).export({ type: 'spki', format: 'der' });
          if (!keySpki.equals(certSpki(cert))) throw new UserError('failed to validate private key match to certificate: public keys differ');
          return revoke(ctx, req, target);
        },
      },
      synopsis: 'Revoke a certificate, proving possession of its private key.',
    }),
    definePath({
      pattern: 'crl/rotate',
      fields: {},
      operations: {
        read: async (req) => {
          await rebuildAllCrls(ctx, req.storage);
          return { data: { success: true } };
        },
      },
      synopsis: 'Force a rebuild of the CRLs.',
    }),
    definePath({
      pattern: 'config/crl',
      fields: {
        expiry: f.string({ description: 'How long CRLs are valid (Go duration).' }),
        disable: f.bool({ description: 'Publish empty CRLs.' }),
      },
      operations: {
        read: async (req) => ({ data: crlConfigData(await readCrlConfig(req.storage)) }),
        update: async (req, v) => {
          const config = await readCrlConfig(req.storage);
          if (v.expiry !== undefined) {
            let seconds: number;
            try {
              seconds = parseDurationSeconds(v.expiry);
            } catch {
              throw new UserError(`given time for expiry (${v.expiry}) could not be decoded`);
            }
            if (seconds <= 0) throw new UserError('expiry must be a positive duration');
            config.expiry = v.expiry;
          }
          if (v.disable !== undefined) config.disable = v.disable;
          await putJson(req.storage, K.crlConfig, config);
          await rebuildAllCrls(ctx, req.storage);
          return { data: crlConfigData(config) };
        },
      },
      synopsis: 'Configure the CRL expiration.',
    }),
    definePath({
      pattern: 'config/urls',
      fields: {
        issuing_certificates: f.commaStringSlice({ description: 'URLs of the issuing certificate (AIA caIssuers).' }),
        crl_distribution_points: f.commaStringSlice({ description: 'URLs of the CRL (CRL distribution points).' }),
        ocsp_servers: f.commaStringSlice({ description: 'URLs of OCSP responders (AIA OCSP).' }),
        enable_templating: f.bool({ description: 'Not supported; must be false.' }),
      },
      operations: {
        read: async (req) => ({ data: { ...(await readUrls(req.storage)), enable_templating: false } }),
        update: async (req, v) => {
          if (v.enable_templating) throw new UserError('enable_templating is not supported by this server');
          const current = await readUrls(req.storage);
          const next: UrlsConfig = {
            issuing_certificates: v.issuing_certificates ? checkUrls('issuing_certificates', v.issuing_certificates) : current.issuing_certificates,
            crl_distribution_points: v.crl_distribution_points ? checkUrls('crl_distribution_points', v.crl_distribution_points) : current.crl_distribution_points,
            ocsp_servers: v.ocsp_servers ? checkUrls('ocsp_servers', v.ocsp_servers) : current.ocsp_servers,
          };
          await putJson(req.storage, K.urls, next);
          return { data: { ...next, enable_templating: false } };
        },
      },
      synopsis: 'Set the URLs put into issued certificates.',
    }),
    definePath({
      pattern: 'tidy',
      fields: tidyFields,
      operations: {
        update: async (req, v) => {
          if (!v.tidy_cert_store && !v.tidy_revoked_certs && !v.tidy_revoked_cert_issuer_associations) {
            throw new UserError('at least one of tidy_cert_store or tidy_revoked_certs must be true');
          }
          if (v.safety_buffer < 1) throw new UserError('safety_buffer must be greater than zero');
          if (ctx.tidy.state === 'Running') throw new UserError('tidy operation already in progress');
          ctx.tidy = {
            safety_buffer: v.safety_buffer,
            tidy_cert_store: v.tidy_cert_store,
            tidy_revoked_certs: v.tidy_revoked_certs,
            state: 'Running',
            error: null,
            time_started: new Date(ctx.now()).toISOString(),
            time_finished: null,
            message: 'Tidying certificate store',
            cert_store_deleted_count: 0,
            revoked_cert_deleted_count: 0,
          };
          const storage = req.storage;
          ctx.tidyRun = runTidy(ctx, storage, v).then(
            () => {
              ctx.tidy = { ...ctx.tidy, state: 'Finished', message: null, time_finished: new Date(ctx.now()).toISOString() };
            },
            (err: unknown) => {
              ctx.tidy = {
                ...ctx.tidy,
                state: 'Error',
                error: err instanceof Error ? err.message : String(err),
                message: null,
                time_finished: new Date(ctx.now()).toISOString(),
              };
            },
          );
          return {
            httpStatus: 202,
            warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."],
          };
        },
      },
      synopsis: 'Tidy up the certificate store and the revocation list.',
    }),
    definePath({
      pattern: 'tidy-status',
      fields: {},
      operations: {
        read: async (req) => ({
          data: {
            ...ctx.tidy,
            current_cert_store_count: (await req.storage.list('certs/')).length,
            current_revoked_cert_count: (await req.storage.list('revoked/')).length,
          },
        }),
      },
      synopsis: 'Status of the last tidy operation.',
    }),
  ];
}
