/**
 * The Vault `SecretsClient` (ESO's `providers/v1/vault/client_get*.go`): KV v1/v2 reads,
 * `metadataPolicy: Fetch` (custom_metadata), gjson-like properties, and `find` by LIST
 * recursion over `metadata/` with a name regexp and custom_metadata tags.
 */
import { UserError } from '../../../shared/errors.js';
import {
  NoSecretError,
  lookupProperty,
  propertyToString,
  toBytes,
  type FindSpec,
  type PushRemoteRef,
  type PushSecretData,
  type RemoteRef,
  type SecretsClient,
  type ValidationResult,
} from '../types.js';
import { vaultErrors, type VaultHttp, type VaultResponse } from './http.js';
import {
  CUSTOM_METADATA_KEY,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  NOT_MANAGED,
  currentVersionOf,
  extractSecretData,
  parseVaultPushMetadata,
  reconcileData,
  reconcileKv2Metadata,
} from './push.js';

export type KvVersion = 'v1' | 'v2';

export interface VaultClientOptions {
  http: VaultHttp;
  token: string;
  /** The store's KV mount (`spec.provider.vault.path`). */
  path?: string;
  version: KvVersion;
  /** A ClusterSecretStore with referent auth cannot be validated (ESO answers Unknown). */
  referent?: boolean;
  /** Called when Vault rejects the token during validation. */
  onTokenRejected?: () => void;
  /** The store's `checkAndSet.required`: KV v2 writes carry `options.cas`. */
  checkAndSetRequired?: boolean;
}

type Data = Record<string, unknown>;

function isRecord(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const missingKey = (property: string): UserError => new UserError(`cannot find secret data for key: ${JSON.stringify(property)}`);

/** The value of `property`: an exact key wins over the gjson-like path (ESO's compatibility rule). */
function extract(data: Data, property: string): unknown {
  if (Object.hasOwn(data, property)) return data[property];
  return lookupProperty(data, property);
}

export class VaultSecretsClient implements SecretsClient {
  private closed = false;

  constructor(private readonly options: VaultClientOptions) {}

  /** ESO's buildPath: `<mount>[/data]/<key>`, stripping a repeated mount prefix. */
  dataPath(key: string): string {
    return this.buildPath(key, 'data');
  }

  /** Change events name the data path (`data_path`), for KV v1 and v2 alike. */
  canonicalPath(key: string): string {
    return this.dataPath(key);
  }

  metadataPath(key: string): string {
    if (this.options.version === 'v1') throw new UserError('cannot perform metadata operations with kv version v1');
    return this.buildPath(key, 'metadata');
  }

  private buildPath(key: string, segment: 'data' | 'metadata'): string {
    const v2 = this.options.version === 'v2';
    const mount = this.options.path?.replace(/^\/+|\/+$/g, '');
    let out = key.replace(/^\/+/, '');
    if (mount !== undefined && mount !== '') {
      const cut = `${mount}/`;
      if (out.startsWith(cut)) {
        out = out.slice(cut.length);
        if (v2 && out.startsWith(`${segment}/`)) out = out.slice(segment.length + 1);
      }
      return v2 ? `${mount}/${segment}/${out}` : `${mount}/${out}`;
    }
    if (!v2 || out.includes(`/${segment}/`)) return out;
    const slash = out.indexOf('/');
    return slash === -1 ? `${out}/${segment}` : `${out.slice(0, slash)}/${segment}/${out.slice(slash + 1)}`;
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error('the Vault client is closed');
  }

  /** The secret's data; NoSecretError when it (or the version) does not exist or is deleted. */
  async readSecret(key: string, version: string | undefined, signal?: AbortSignal): Promise<Data> {
    this.ensureOpen();
    const v2 = this.options.version === 'v2';
    if (version !== undefined && version !== '' && !/^\d+$/.test(version)) throw new UserError(`invalid secret version ${JSON.stringify(version)}: must be a number`);
    const res = await this.options.http.request('GET', this.dataPath(key), {
      token: this.options.token,
      ...(v2 && version !== undefined && version !== '' ? { query: { version } } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
    if (res.status === 404) throw new NoSecretError();
    if (res.status < 200 || res.status >= 300) throw new Error(`cannot read secret data from Vault: ${vaultErrors(res)}`);
    const data = res.body?.['data'];
    if (!v2) {
      if (!isRecord(data)) throw new NoSecretError();
      return data;
    }
    if (!isRecord(data)) throw new Error('cannot read secret data from Vault: the answer has no data field');
    const inner = data['data'];
    // A deleted or destroyed version answers data: null.
    if (!isRecord(inner)) throw new NoSecretError();
    return inner;
  }

  /** The secret's custom_metadata (KV v2 only). */
  async readMetadata(key: string, signal?: AbortSignal): Promise<Data> {
    this.ensureOpen();
    const res = await this.options.http.request('GET', this.metadataPath(key), { token: this.options.token, ...(signal !== undefined ? { signal } : {}) });
    if (res.status === 404) throw new NoSecretError();
    if (res.status < 200 || res.status >= 300) throw new Error(`cannot read secret metadata from Vault: ${vaultErrors(res)}`);
    const data = res.body?.['data'];
    const custom = isRecord(data) ? data['custom_metadata'] : undefined;
    return isRecord(custom) ? custom : {};
  }

  async getSecret(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array> {
    if (ref.metadataPolicy === 'Fetch') {
      const metadata = await this.readMetadata(ref.key, signal);
      if (ref.property === undefined || ref.property === '') return toBytes(JSON.stringify(metadata));
      const value = metadata[ref.property];
      if (value === undefined) throw new UserError(`key ${JSON.stringify(ref.property)} does not exist in metadata`);
      return toBytes(propertyToString(value));
    }
    const data = await this.readSecret(ref.key, ref.version, signal);
    if (ref.property === undefined || ref.property === '') return toBytes(JSON.stringify(data));
    const value = extract(data, ref.property);
    if (value === undefined) throw missingKey(ref.property);
    return toBytes(propertyToString(value));
  }

  async getSecretMap(ref: RemoteRef, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    let data = ref.metadataPolicy === 'Fetch' ? await this.readMetadata(ref.key, signal) : await this.readSecret(ref.key, ref.version, signal);
    if (ref.property !== undefined && ref.property !== '') {
      let value = extract(data, ref.property);
      if (value === undefined) throw missingKey(ref.property);
      // A JSON string holding an object counts as the object (ESO unmarshals it).
      if (typeof value === 'string') {
        try {
          value = JSON.parse(value) as unknown;
        } catch {
          // Reported below as not an object.
        }
      }
      if (!isRecord(value)) throw new UserError(`the value of property ${JSON.stringify(ref.property)} is not a JSON object`);
      data = value;
    }
    const out: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(data)) out[k] = toBytes(propertyToString(v));
    return out;
  }

  /** Every secret name (relative to the mount) under `folder`, depth first. */
  private async listAll(folder: string, signal?: AbortSignal): Promise<string[]> {
    const res = await this.options.http.request('LIST', this.metadataPath(folder), { token: this.options.token, ...(signal !== undefined ? { signal } : {}) });
    if (res.status === 404) return [];
    if (res.status < 200 || res.status >= 300) throw new Error(`cannot list secrets in Vault: ${vaultErrors(res)}`);
    const data = res.body?.['data'];
    const keys = isRecord(data) && Array.isArray(data['keys']) ? data['keys'].filter((k): k is string => typeof k === 'string') : [];
    const out: string[] = [];
    for (const k of keys) {
      const full = `${folder}${k}`;
      if (k.endsWith('/')) out.push(...(await this.listAll(full, signal)));
      else out.push(full);
    }
    return out;
  }

  async getAllSecrets(find: FindSpec, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    this.ensureOpen();
    if (this.options.version === 'v1') throw new UserError('cannot perform find operations with kv version v1');
    if (this.options.path === undefined || this.options.path === '') throw new UserError('a store path is required to find secrets');
    if (find.name === undefined && find.tags === undefined) throw new UserError('find needs name or tags');
    let matcher: RegExp | undefined;
    if (find.name !== undefined) {
      try {
        matcher = new RegExp(find.name.regexp);
      } catch (err) {
        throw new UserError(`invalid name regexp: ${(err as Error).message}`, { cause: err });
      }
    }
    const folder = find.path === undefined || find.path === '' ? '' : `${find.path.replace(/^\/+|\/+$/g, '')}/`;
    const out: Record<string, Uint8Array> = {};
    for (const name of await this.listAll(folder, signal)) {
      if (matcher !== undefined && !matcher.test(name)) continue;
      if (find.tags !== undefined) {
        const metadata = await this.readMetadata(name, signal).catch((err: unknown) => {
          if (err instanceof NoSecretError) return undefined;
          throw err;
        });
        if (metadata === undefined || !Object.entries(find.tags).every(([k, v]) => metadata[k] === v)) continue;
      }
      try {
        out[name] = await this.getSecret({ key: name }, signal);
      } catch (err) {
        // The latest version may be deleted: such a secret is not there.
        if (!(err instanceof NoSecretError)) throw err;
      }
    }
    return out;
  }

  async validate(): Promise<ValidationResult> {
    // The namespace of referent credentials is unknown until an ExternalSecret uses the store.
    if (this.options.referent === true) return 'Unknown';
    this.ensureOpen();
    try {
      const res = await this.options.http.request('GET', 'auth/token/lookup-self', { token: this.options.token });
      if (res.status >= 200 && res.status < 300) return 'Ready';
      if (res.status === 403) this.options.onTokenRejected?.();
      return 'Error';
    } catch {
      return 'Error';
    }
  }

  // ---- writes (PushSecret), ESO `client_push.go` ----------------------------------------

  private async send(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<VaultResponse> {
    this.ensureOpen();
    return this.options.http.request(method, path, { token: this.options.token, ...(body !== undefined ? { body } : {}), ...(signal !== undefined ? { signal } : {}) });
  }

  private async mustSend(what: string, method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<void> {
    const res = await this.send(method, path, body, signal);
    if (res.status < 200 || res.status >= 300) throw new Error(`${what}: ${vaultErrors(res)}`);
  }

  /** The secret's data, or undefined when it does not exist (ESO: NoSecretError is not an error here). */
  private async readIfExists(key: string, signal: AbortSignal | undefined): Promise<Data | undefined> {
    try {
      return await this.readSecret(key, undefined, signal);
    } catch (err) {
      if (err instanceof NoSecretError) return undefined;
      throw err;
    }
  }

  /** KV v2 metadata (`current_version`, `custom_metadata`, ...), undefined when there is none. */
  private async readFullMetadata(key: string, signal: AbortSignal | undefined): Promise<Data | undefined> {
    const res = await this.send('GET', this.metadataPath(key), undefined, signal);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300) throw new Error(`cannot read secret metadata from Vault: ${vaultErrors(res)}`);
    const data = res.body?.['data'];
    return isRecord(data) ? data : undefined;
  }

  /** ESO readSecretMetadata: custom_metadata (KV v1 keeps it inside the secret's data). */
  private async customMetadataOf(key: string, v1Data: Data | undefined, signal: AbortSignal | undefined): Promise<Data | undefined> {
    if (this.options.version === 'v1') {
      const custom = v1Data?.[CUSTOM_METADATA_KEY];
      return isRecord(custom) ? custom : undefined;
    }
    const meta = await this.readFullMetadata(key, signal);
    if (meta === undefined) throw new Error('secret not found');
    const custom = meta['custom_metadata'];
    return isRecord(custom) ? custom : undefined;
  }

  /** ESO getCASVersion: 0 for a new secret, else the current version. */
  private async casVersion(key: string, exists: boolean, signal: AbortSignal | undefined): Promise<number> {
    if (!exists) return 0;
    try {
      return currentVersionOf(await this.readFullMetadata(key, signal));
    } catch (err) {
      throw new Error(`failed to get CAS version: ${(err as Error).message}`, { cause: err });
    }
  }

  async pushSecret(secret: { data: Record<string, Uint8Array> }, data: PushSecretData, signal?: AbortSignal): Promise<void> {
    this.ensureOpen();
    const value = extractSecretData(secret, data);
    const key = data.remoteRef.remoteKey;
    const property = data.remoteRef.property ?? '';
    const remote = await this.readIfExists(key, signal);
    const path = this.dataPath(key);
    if (this.options.version === 'v1') {
      let current = remote;
      if (current !== undefined) {
        const custom = current[CUSTOM_METADATA_KEY];
        if (custom === undefined || custom === null) throw new UserError(`${NOT_MANAGED} (no custom_metadata found)`);
        if (!isRecord(custom) || custom[MANAGED_BY_KEY] !== MANAGED_BY_VALUE) throw new UserError(NOT_MANAGED);
        current = { ...current };
        delete current[CUSTOM_METADATA_KEY];
      }
      const merged = reconcileData(current, value, property);
      if (current !== undefined && !merged.needsUpdate) return;
      // KV v1 has no metadata endpoint: ESO keeps its ownership mark inside the data.
      const body = { ...merged.data, [CUSTOM_METADATA_KEY]: { [MANAGED_BY_KEY]: MANAGED_BY_VALUE } };
      await this.mustSend('failed to write secret data', 'POST', path, body, signal);
      return;
    }
    const exists = remote !== undefined;
    const merged = reconcileData(remote, value, property);
    const remoteCustom = exists ? await this.customMetadataOf(key, undefined, signal) : undefined;
    const meta = reconcileKv2Metadata(exists, remoteCustom, parseVaultPushMetadata(data.metadata));
    if (!merged.needsUpdate && !meta.needsUpdate) return;
    // Metadata first: a new secret is marked as ours before it has data, so a retry after a
    // failed data write proceeds (as ESO).
    if (meta.needsUpdate) await this.mustSend('failed to write secret metadata', 'POST', this.metadataPath(key), { custom_metadata: meta.customMetadata }, signal);
    if (merged.needsUpdate) {
      const body: Data = { data: merged.data };
      if (this.options.checkAndSetRequired === true) body['options'] = { cas: await this.casVersion(key, exists, signal) };
      await this.mustSend('failed to write secret data', 'POST', path, body, signal);
    }
  }

  async deleteSecret(ref: PushRemoteRef, signal?: AbortSignal): Promise<void> {
    this.ensureOpen();
    const key = ref.remoteKey;
    const remote = await this.readIfExists(key, signal);
    if (remote === undefined) return;
    const custom = await this.customMetadataOf(key, remote, signal);
    // Never delete what external-secrets did not create.
    if (custom?.[MANAGED_BY_KEY] !== MANAGED_BY_VALUE) return;
    const path = this.dataPath(key);
    const property = ref.property ?? '';
    if (property !== '') {
      const rest: Data = { ...remote };
      delete rest[property];
      if (this.options.version === 'v1' && Object.hasOwn(rest, CUSTOM_METADATA_KEY) && Object.keys(rest).length === 1) delete rest[CUSTOM_METADATA_KEY];
      if (Object.keys(rest).length > 0) {
        const body: Data = this.options.version === 'v2' ? { data: rest } : rest;
        // ESO sends no cas here, which a cas_required mount refuses; send it when the store requires it.
        if (this.options.version === 'v2' && this.options.checkAndSetRequired === true) body['options'] = { cas: await this.casVersion(key, true, signal) };
        await this.mustSend(`could not delete property ${JSON.stringify(property)} of secret ${key}`, 'POST', path, body, signal);
        return;
      }
    }
    await this.mustSend(`could not delete secret ${key}`, 'DELETE', path, undefined, signal);
    if (this.options.version === 'v2') await this.mustSend(`could not delete secret metadata ${key}`, 'DELETE', this.metadataPath(key), undefined, signal);
  }

  async secretExists(ref: PushRemoteRef, signal?: AbortSignal): Promise<boolean> {
    const data = await this.readIfExists(ref.remoteKey, signal);
    if (data === undefined) return false;
    const property = ref.property ?? '';
    if (property === '') return true;
    const value = extract(data, property);
    return value !== undefined && value !== null;
  }

  close(): Promise<void> {
    // The token is shared through the cache: closing a client never revokes it.
    if (!this.closed) {
      this.closed = true;
      this.options.http.close();
    }
    return Promise.resolve();
  }
}
