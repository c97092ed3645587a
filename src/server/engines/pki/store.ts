/**
 * What the PKI engine keeps in its mount's storage (the barrier encrypts all of it):
 *
 *   config/issuers, config/urls, config/crl     mount-wide settings
 *   issuer/<id>                                  a CA certificate, its chain and its key's id
 *   key/<id>                                     a private key (PKCS#8 PEM), never returned
 *   role/<name>                                  roles
 *   certs/<serial-with-dashes>                   DER of every stored certificate (Vault's layout)
 *   revoked/<serial-with-dashes>                 revocation records
 *   crls/<issuer id>                             the issuer's current CRL (DER) and its number
 */
import { getJson, putJson, type Storage } from '../../sdk/index.js';

export type LeafNotAfterBehavior = 'err' | 'truncate' | 'permit';

export interface IssuerEntry {
  issuer_id: string;
  issuer_name: string;
  /** '' when the mount holds no key for this certificate (an imported parent). */
  key_id: string;
  /** PEM. */
  certificate: string;
  /** PEM chain starting with `certificate`, up to a root when the mount holds the parents. */
  ca_chain: string[];
  serial_number: string;
  leaf_not_after_behavior: LeafNotAfterBehavior;
  /** Unix ms; orders `LIST issuers` and picks the newest default. */
  created: number;
}

export interface KeyEntry {
  key_id: string;
  key_name: string;
  key_type: string;
  key_bits: number;
  /** PKCS#8 PEM. */
  private_key: string;
}

export interface IssuersConfig {
  /** Issuer id, or '' when no default is set. */
  default: string;
}

export interface UrlsConfig {
  issuing_certificates: string[];
  crl_distribution_points: string[];
  ocsp_servers: string[];
}

export interface CrlConfig {
  /** Go duration string, as Vault stores it. */
  expiry: string;
  disable: boolean;
}

export interface RevokedEntry {
  serial_number: string;
  /** Base64 DER. */
  certificate: string;
  /** Unix seconds. */
  revocation_time: number;
  revocation_time_rfc3339: string;
  issuer_id: string;
}

export interface CrlEntry {
  crl_number: number;
  /** Base64 DER. */
  der: string;
}

export const DEFAULT_CRL_CONFIG: CrlConfig = { expiry: '72h', disable: false };
export const DEFAULT_URLS: UrlsConfig = { issuing_certificates: [], crl_distribution_points: [], ocsp_servers: [] };

export const K = {
  issuersConfig: 'config/issuers',
  urls: 'config/urls',
  crlConfig: 'config/crl',
  issuer: (id: string) => `issuer/${id}`,
  key: (id: string) => `key/${id}`,
  role: (name: string) => `role/${name}`,
  cert: (dashSerial: string) => `certs/${dashSerial}`,
  revoked: (dashSerial: string) => `revoked/${dashSerial}`,
  crl: (issuerId: string) => `crls/${issuerId}`,
};

export async function readUrls(storage: Storage): Promise<UrlsConfig> {
  return { ...DEFAULT_URLS, ...((await getJson<UrlsConfig>(storage, K.urls)) ?? {}) };
}

export async function readCrlConfig(storage: Storage): Promise<CrlConfig> {
  return { ...DEFAULT_CRL_CONFIG, ...((await getJson<CrlConfig>(storage, K.crlConfig)) ?? {}) };
}

export async function readIssuersConfig(storage: Storage): Promise<IssuersConfig> {
  return (await getJson<IssuersConfig>(storage, K.issuersConfig)) ?? { default: '' };
}

export async function readAllIssuers(storage: Storage): Promise<IssuerEntry[]> {
  const ids = (await storage.list('issuer/')).filter((k) => !k.endsWith('/'));
  const out: IssuerEntry[] = [];
  for (const id of ids) {
    const entry = await getJson<IssuerEntry>(storage, K.issuer(id));
    if (entry) out.push(entry);
  }
  return out.sort((a, b) => a.created - b.created || a.issuer_id.localeCompare(b.issuer_id));
}

export async function readAllKeys(storage: Storage): Promise<KeyEntry[]> {
  const ids = (await storage.list('key/')).filter((k) => !k.endsWith('/'));
  const out: KeyEntry[] = [];
  for (const id of ids) {
    const entry = await getJson<KeyEntry>(storage, K.key(id));
    if (entry) out.push(entry);
  }
  return out;
}

export { getJson, putJson };
