/**
 * Per-mount state of the PKI engine: the clock, locks, and caches of the parsed issuers and
 * their imported signing keys (importing a key costs more than signing with it).
 */
import { UserError } from '../../../shared/errors.js';
import { KeyedMutex } from '../../../shared/keyed-mutex.js';
import type { Storage } from '../../sdk/index.js';
import { computeChains, parseCertificate, certSpki, type Certificate, type Signer } from './certs.js';
import { describeKey, importSigningKey, parsePrivateKeyPem, signingParams, type KeyInfo } from './keys.js';
import { getJson, K, putJson, readAllIssuers, readIssuersConfig, type IssuerEntry, type KeyEntry } from './store.js';

export interface TidyStatus {
  safety_buffer: number;
  tidy_cert_store: boolean;
  tidy_revoked_certs: boolean;
  state: 'Inactive' | 'Running' | 'Finished' | 'Error';
  error: string | null;
  time_started: string | null;
  time_finished: string | null;
  message: string | null;
  cert_store_deleted_count: number;
  revoked_cert_deleted_count: number;
}

export interface IssuersSnapshot {
  defaultId: string;
  list: IssuerEntry[];
  byId: Map<string, IssuerEntry>;
}

/** A loaded issuer that can sign. */
export interface LoadedSigner extends Signer {
  issuer: IssuerEntry;
  cert: Certificate;
  keyInfo: KeyInfo;
}

export class PkiContext {
  readonly locks = new KeyedMutex();
  tidy: TidyStatus = {
    safety_buffer: 0,
    tidy_cert_store: false,
    tidy_revoked_certs: false,
    state: 'Inactive',
    error: null,
    time_started: null,
    time_finished: null,
    message: null,
    cert_store_deleted_count: 0,
    revoked_cert_deleted_count: 0,
  };
  /** Settles when the running tidy ends. */
  tidyRun: Promise<void> = Promise.resolve();

  private snapshot: Promise<IssuersSnapshot> | null = null;
  private readonly signers = new Map<string, Promise<LoadedSigner>>();

  constructor(readonly now: () => number) {}

  /** Drops every cache: call after any write to issuers, keys or config/issuers. */
  invalidate(): void {
    this.snapshot = null;
    this.signers.clear();
  }

  issuers(storage: Storage): Promise<IssuersSnapshot> {
    if (!this.snapshot) {
      const loading = (async () => {
        const list = await readAllIssuers(storage);
        const config = await readIssuersConfig(storage);
        return { defaultId: config.default, list, byId: new Map(list.map((i) => [i.issuer_id, i])) };
      })();
      loading.catch(() => {
        if (this.snapshot === loading) this.snapshot = null;
      });
      this.snapshot = loading;
    }
    return this.snapshot;
  }

  /** Resolves `default`, an issuer id or an issuer name; `UserError` when nothing matches. */
  async resolveIssuer(storage: Storage, ref: string): Promise<IssuerEntry> {
    const found = await this.findIssuer(storage, ref);
    if (found) return found;
    if (ref === 'default' || ref === '') throw new UserError('no default issuer currently configured');
    throw new UserError(`unable to find PKI issuer for reference: ${ref}`);
  }

  async findIssuer(storage: Storage, ref: string): Promise<IssuerEntry | null> {
    const snap = await this.issuers(storage);
    if (ref === 'default' || ref === '') return snap.byId.get(snap.defaultId) ?? null;
    return snap.byId.get(ref) ?? snap.list.find((i) => i.issuer_name === ref) ?? null;
  }

  /** The issuer's certificate and imported key, signing with `signatureBits` (RSA issuers only). */
  signer(storage: Storage, issuer: IssuerEntry, signatureBits = 0): Promise<LoadedSigner> {
    const cacheKey = `${issuer.issuer_id}:${signatureBits}`;
    let loading = this.signers.get(cacheKey);
    if (!loading) {
      loading = (async () => {
        if (issuer.key_id === '') {
          throw new UserError(`issuer ${issuer.issuer_name || issuer.issuer_id} has no private key in this mount and cannot sign`);
        }
        const key = await getJson<KeyEntry>(storage, K.key(issuer.key_id));
        if (!key) throw new UserError(`the key of issuer ${issuer.issuer_name || issuer.issuer_id} is missing`);
        const keyInfo = describeKey(parsePrivateKeyPem(key.private_key));
        const { importAlg, signAlg } = signingParams(keyInfo, signatureBits);
        const cert = parseCertificate(issuer.certificate);
        const cryptoKey = await importSigningKey(key.private_key, importAlg);
        return { issuer, cert, keyInfo, key: cryptoKey, signAlg, name: cert.subjectName, spki: certSpki(cert) };
      })();
      const pending = loading;
      pending.catch(() => {
        if (this.signers.get(cacheKey) === pending) this.signers.delete(cacheKey);
      });
      this.signers.set(cacheKey, pending);
    }
    return loading;
  }

  /**
   * Runs a change to issuers/keys under the mount-wide lock, then recomputes every
   * issuer's chain (a new parent or child changes them) and drops the caches.
   */
  async mutateIssuers<T>(storage: Storage, fn: () => Promise<T>): Promise<T> {
    return this.locks.run('issuers', async () => {
      try {
        const result = await fn();
        await this.rebuildChains(storage);
        return result;
      } finally {
        this.invalidate();
      }
    });
  }

  private async rebuildChains(storage: Storage): Promise<void> {
    const issuers = await readAllIssuers(storage);
    const chains = await computeChains(issuers);
    for (const issuer of issuers) {
      const chain = chains.get(issuer.issuer_id) ?? [issuer.certificate];
      if (JSON.stringify(chain) !== JSON.stringify(issuer.ca_chain)) await putJson(storage, K.issuer(issuer.issuer_id), { ...issuer, ca_chain: chain });
    }
  }
}
