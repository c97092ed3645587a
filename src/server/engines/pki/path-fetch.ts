/**
 * Fetching CA certificates, chains, CRLs and issued certificates: the raw (unauthenticated)
 * endpoints answer with Vault's content types, the JSON ones with Vault's fields.
 */
import { UserError } from '../../../shared/errors.js';
import { definePath, f, getJson, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { certDer, parseCertificate, toPem } from './certs.js';
import type { PkiContext } from './context.js';
import { currentCrl } from './crl.js';
import { formatSerial, parseSerial, storageSerial } from './serial.js';
import { K, type IssuerEntry, type RevokedEntry } from './store.js';

export const CONTENT_TYPES = {
  der: 'application/pkix-cert',
  pemChain: 'application/pem-certificate-chain',
  crl: 'application/pkix-crl',
  pemFile: 'application/x-pem-file',
};

/**
 * A response sent as it is with its own Content-Type; an empty body is a 204 (Vault).
 * DER bodies are Buffers.
 */
export function rawResponse(body: string | Buffer, contentType: string): LogicalResponse {
  return { raw: { status: body.length === 0 ? 204 : 200, body, contentType } };
}

async function defaultIssuer(ctx: PkiContext, req: LogicalRequest): Promise<IssuerEntry | null> {
  return ctx.findIssuer(req.storage, 'default');
}

async function crlDer(ctx: PkiContext, req: LogicalRequest, issuer: IssuerEntry | null): Promise<Buffer | null> {
  return issuer ? currentCrl(ctx, req.storage, issuer) : null;
}

const crlPem = (der: Buffer | null): string => (der ? toPem(der, 'X509 CRL') : '');

/** `cert/:serial` (JSON), including the special serials Vault accepts. */
async function readCert(ctx: PkiContext, req: LogicalRequest, serialInput: string): Promise<LogicalResponse | null> {
  if (serialInput === 'ca' || serialInput === 'ca_chain') {
    const issuer = await defaultIssuer(ctx, req);
    if (!issuer) return null;
    const chain = issuer.ca_chain.join('\n');
    return {
      data: {
        certificate: serialInput === 'ca' ? issuer.certificate : chain,
        ca_chain: issuer.ca_chain,
        issuer_id: issuer.issuer_id,
        revocation_time: 0,
      },
    };
  }
  if (serialInput === 'crl' || serialInput === 'delta-crl') {
    const der = serialInput === 'crl' ? await crlDer(ctx, req, await defaultIssuer(ctx, req)) : null;
    return { data: { certificate: crlPem(der), revocation_time: 0 } };
  }
  const serial = parseSerial(serialInput);
  const der = await req.storage.get(K.cert(storageSerial(serial)));
  if (!der) return null;
  const revoked = await getJson<RevokedEntry>(req.storage, K.revoked(storageSerial(serial)));
  const data: Record<string, unknown> = {
    certificate: toPem(der, 'CERTIFICATE'),
    revocation_time: revoked?.revocation_time ?? 0,
  };
  if (revoked) {
    data['revocation_time_rfc3339'] = revoked.revocation_time_rfc3339;
    data['issuer_id'] = revoked.issuer_id;
  }
  return { data };
}

async function rawCert(req: LogicalRequest, serialInput: string, pem: boolean): Promise<LogicalResponse> {
  const der = await req.storage.get(K.cert(storageSerial(parseSerial(serialInput))));
  if (!der) return rawResponse('', pem ? CONTENT_TYPES.pemChain : CONTENT_TYPES.der);
  return pem ? rawResponse(`${toPem(der, 'CERTIFICATE')}\n`, CONTENT_TYPES.pemChain) : rawResponse(Buffer.from(der), CONTENT_TYPES.der);
}

export function pathsFetch(ctx: PkiContext): PathSpec<any>[] {
  const serialField = { serial: f.string({ description: 'Serial number (colon or dash separated hex), or ca, ca_chain, crl.', required: true }) };
  const refField = { issuer_ref: f.string({ description: 'Issuer id, name or "default".', required: true }) };
  const issuerOr404 = async (req: LogicalRequest, ref: string): Promise<IssuerEntry> => {
    const issuer = await ctx.findIssuer(req.storage, ref);
    if (!issuer) throw new UserError(`unable to find PKI issuer for reference: ${ref}`);
    return issuer;
  };
  return [
    definePath({
      pattern: 'ca(?<pem>/pem)?',
      fields: { pem: f.string({ description: '' }) },
      operations: {
        read: async (req, v) => {
          const issuer = await defaultIssuer(ctx, req);
          if (v.pem) return rawResponse(issuer ? `${issuer.certificate}\n` : '', CONTENT_TYPES.pemChain);
          return rawResponse(issuer ? certDer(parseCertificate(issuer.certificate)) : Buffer.alloc(0), CONTENT_TYPES.der);
        },
      },
      synopsis: 'Fetch the default CA certificate (DER, or PEM under ca/pem).',
    }),
    definePath({
      pattern: 'ca_chain',
      fields: {},
      operations: {
        read: async (req) => {
          const issuer = await defaultIssuer(ctx, req);
          return rawResponse(issuer ? `${issuer.ca_chain.join('\n')}\n` : '', CONTENT_TYPES.der);
        },
      },
      synopsis: 'Fetch the CA chain of the default issuer (PEM).',
    }),
    definePath({
      pattern: 'crl(?<pem>/pem)?',
      fields: { pem: f.string({ description: '' }) },
      operations: {
        read: async (req, v) => {
          const der = await crlDer(ctx, req, await defaultIssuer(ctx, req));
          return v.pem ? rawResponse(der ? `${crlPem(der)}\n` : '', CONTENT_TYPES.pemFile) : rawResponse(der ?? Buffer.alloc(0), CONTENT_TYPES.crl);
        },
      },
      synopsis: 'Fetch the CRL of the default issuer (DER, or PEM under crl/pem).',
    }),
    definePath({
      pattern: 'cert/(?<serial>[\\w:-]+)',
      fields: serialField,
      operations: { read: (req, v) => readCert(ctx, req, v.serial) },
      synopsis: 'Fetch a certificate (or ca, ca_chain, crl) as JSON.',
    }),
    definePath({
      pattern: 'cert/(?<serial>[\\w:-]+)/raw(?<pem>/pem)?',
      fields: { ...serialField, pem: f.string({ description: '' }) },
      operations: { read: (req, v) => rawCert(req, v.serial, v.pem !== undefined && v.pem !== '') },
      synopsis: 'Fetch a certificate as DER (or PEM under /raw/pem).',
    }),
    definePath({
      pattern: 'certs/?',
      fields: {},
      operations: {
        list: async (req) => ({ data: { keys: (await req.storage.list('certs/')).filter((k) => !k.endsWith('/')).map(formatSerial) } }),
      },
      synopsis: 'List the serials of stored certificates.',
    }),
    definePath({
      pattern: 'certs/revoked/?',
      fields: {},
      operations: {
        list: async (req) => ({ data: { keys: (await req.storage.list('revoked/')).filter((k) => !k.endsWith('/')).map(formatSerial) } }),
      },
      synopsis: 'List the serials of revoked certificates.',
    }),
    definePath({
      pattern: 'issuer/(?<issuer_ref>[\\w-]+)/(?<fmt>pem|der|json)',
      fields: { ...refField, fmt: f.string({ description: 'pem, der or json.', required: true }) },
      operations: {
        read: async (req, v) => {
          const issuer = await issuerOr404(req, v.issuer_ref);
          if (v.fmt === 'pem') return rawResponse(`${issuer.certificate}\n`, CONTENT_TYPES.pemChain);
          if (v.fmt === 'der') return rawResponse(certDer(parseCertificate(issuer.certificate)), CONTENT_TYPES.der);
          return { data: { certificate: issuer.certificate, ca_chain: issuer.ca_chain, issuer_id: issuer.issuer_id, issuer_name: issuer.issuer_name } };
        },
      },
      synopsis: "Fetch an issuer's certificate.",
    }),
    definePath({
      pattern: 'issuer/(?<issuer_ref>[\\w-]+)/crl(?:/(?<fmt>pem|der))?',
      fields: { ...refField, fmt: f.string({ description: 'pem or der.' }) },
      operations: {
        read: async (req, v) => {
          const der = await crlDer(ctx, req, await issuerOr404(req, v.issuer_ref));
          if (v.fmt === 'der') return rawResponse(der ?? Buffer.alloc(0), CONTENT_TYPES.crl);
          if (v.fmt === 'pem') return rawResponse(der ? `${crlPem(der)}\n` : '', CONTENT_TYPES.pemFile);
          return { data: { crl: crlPem(der) } };
        },
      },
      synopsis: "Fetch an issuer's CRL.",
    }),
  ];
}
