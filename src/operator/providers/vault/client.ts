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
  type RemoteRef,
  type SecretsClient,
  type ValidationResult,
} from '../types.js';
import { vaultErrors, type VaultHttp } from './http.js';

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

  close(): Promise<void> {
    // The token is shared through the cache: closing a client never revokes it.
    if (!this.closed) {
      this.closed = true;
      this.options.http.close();
    }
    return Promise.resolve();
  }
}
