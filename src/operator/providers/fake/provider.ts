/**
 * ESO's `fake` provider (`providers/v1/fake/fake.go`): `spec.provider.fake.data[]
 * {key, value, version?}` held in memory. Clients of the same store name share one table
 * (as ESO's `database`), so values pushed by one client are seen by the next; each
 * `newClient` replaces the entries that came from the store spec.
 */
import { UserError } from '../../../shared/errors.js';
import {
  NoSecretError,
  lookupProperty,
  propertyToString,
  toBytes,
  type FindSpec,
  type Provider,
  type PushRemoteRef,
  type PushSecretData,
  type RemoteRef,
  type SecretsClient,
  type StoreRef,
  type ValidationResult,
} from '../types.js';


const VALIDATION_RESULTS: readonly ValidationResult[] = ['Ready', 'Unknown', 'Error'];
export interface FakeData {
  key: string;
  value: string;
  version?: string;
}

export interface FakeProviderSpec {
  data: FakeData[];
  validationResult?: ValidationResult;
}

interface Entry {
  value: string;
  version: string;
  origin: 'SecretStore' | 'SetSecret';
}

const decoder = new TextDecoder();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and checks `spec.provider.fake` (ESO's messages). */
export function fakeSpecOf(store: StoreRef): FakeProviderSpec {
  const spec = store.provider['fake'];
  if (!isRecord(spec)) throw new UserError('missing store provider fake');
  const rawData = spec['data'] ?? [];
  if (!Array.isArray(rawData)) throw new UserError('fake.data must be a list');
  const data: FakeData[] = rawData.map((item: unknown, pos) => {
    if (!isRecord(item) || typeof item['key'] !== 'string' || item['key'] === '') throw new UserError(`key must be set in data ${pos}`);
    if (typeof item['value'] !== 'string' || item['value'] === '') throw new UserError(`at least one value must be set in data ${pos}`);
    const version = item['version'];
    if (version !== undefined && typeof version !== 'string') throw new UserError(`version must be a string in data ${pos}`);
    return { key: item['key'], value: item['value'], ...(version !== undefined ? { version } : {}) };
  });
  const raw = spec['validationResult'];
  // ESO's CRD carries it as an integer enum (0 Ready, 1 Unknown, 2 Error); the names are accepted too.
  if (raw === undefined) return { data };
  const result = typeof raw === 'number' ? VALIDATION_RESULTS[raw] : raw;
  if (result !== 'Ready' && result !== 'Unknown' && result !== 'Error') {
    throw new UserError(`fake.validationResult must be 0 (Ready), 1 (Unknown) or 2 (Error)`);
  }
  return { data, validationResult: result };
}

/** Runs `fn`, turning a throw into a rejection. */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/** ESO keeps each version under `key + version`. */
function mapKey(key: string, version: string | undefined): string {
  return `${key}${version ?? ''}`;
}

class FakeClient implements SecretsClient {
  constructor(
    private readonly config: Map<string, Entry>,
    private readonly validationResult: ValidationResult | undefined,
  ) {}

  private entry(ref: RemoteRef): Entry {
    const data = this.config.get(mapKey(ref.key, ref.version));
    if (data === undefined || data.version !== (ref.version ?? '')) throw new NoSecretError();
    return data;
  }

  getSecret(ref: RemoteRef): Promise<Uint8Array> {
    return attempt(() => toBytes(this.secretString(ref)));
  }

  private secretString(ref: RemoteRef): string {
    const data = this.entry(ref);
    if (ref.property === undefined || ref.property === '') return data.value;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.value);
    } catch {
      parsed = undefined;
    }
    const value = lookupProperty(parsed, ref.property);
    // ESO answers NoSecretErr here; the message names the property, never the value.
    if (value === undefined) throw new NoSecretError(`cannot find secret data for key: ${JSON.stringify(ref.property)}`);
    return propertyToString(value);
  }

  getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    return attempt(() => this.secretMap(ref));
  }

  private secretMap(ref: RemoteRef): Record<string, Uint8Array> {
    const text = this.secretString(ref);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isRecord(parsed)) throw new UserError(`unable to unmarshal secret: the value of ${JSON.stringify(ref.key)} is not a JSON object`);
    const out: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(parsed)) out[k] = toBytes(propertyToString(v));
    return out;
  }

  getAllSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    if (find.name === undefined) return Promise.reject(new UserError('unsupported find operator: only name is supported by the fake provider'));
    let matcher: RegExp;
    try {
      matcher = new RegExp(find.name.regexp);
    } catch (err) {
      return Promise.reject(new UserError(`invalid name regexp: ${(err as Error).message}`));
    }
    // The highest version of each key wins (ESO compares versions as strings).
    const latest = new Map<string, string>();
    const out: Record<string, Uint8Array> = {};
    for (const [key, data] of this.config) {
      const original = data.version !== '' && key.endsWith(data.version) ? key.slice(0, -data.version.length) : key;
      if (!matcher.test(original)) continue;
      const seen = latest.get(original);
      if (seen === undefined || seen < data.version) {
        latest.set(original, data.version);
        out[original] = toBytes(data.value);
      }
    }
    return Promise.resolve(out);
  }

  validate(): Promise<ValidationResult> {
    return Promise.resolve(this.validationResult ?? 'Ready');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  pushSecret(secret: { data: Record<string, Uint8Array> }, data: PushSecretData): Promise<void> {
    let value: string;
    if (data.secretKey === undefined) {
      const all: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data)) all[k] = decoder.decode(v);
      value = JSON.stringify(all);
    } else {
      value = decoder.decode(secret.data[data.secretKey] ?? new Uint8Array());
    }
    const current = this.config.get(data.remoteRef.remoteKey);
    if (current === undefined) {
      this.config.set(data.remoteRef.remoteKey, { value, version: '', origin: 'SetSecret' });
      return Promise.resolve();
    }
    if (current.origin !== 'SetSecret') return Promise.reject(new UserError('key already exists'));
    current.value = value;
    return Promise.resolve();
  }

  deleteSecret(_ref: PushRemoteRef): Promise<void> {
    // ESO's fake ignores deletes.
    return Promise.resolve();
  }

  secretExists(ref: PushRemoteRef): Promise<boolean> {
    return Promise.resolve(this.config.has(ref.remoteKey));
  }
}

export function createFakeProvider(): Provider {
  const database = new Map<string, Map<string, Entry>>();
  return {
    name: 'fake',
    capabilities: 'ReadWrite',
    validateStore(store) {
      fakeSpecOf(store);
      return { warnings: [] };
    },
    async newClient(store) {
      const spec = fakeSpecOf(store);
      const dbKey = `${store.kind}/${store.namespace ?? ''}/${store.name}`;
      let cfg = database.get(dbKey);
      if (cfg === undefined) {
        cfg = new Map();
        database.set(dbKey, cfg);
      }
      // Entries from the store spec are replaced on every newClient (so a store edit removes them).
      for (const [key, entry] of cfg) if (entry.origin === 'SecretStore') cfg.delete(key);
      for (const item of spec.data) cfg.set(mapKey(item.key, item.version), { value: item.value, version: item.version ?? '', origin: 'SecretStore' });
      return new FakeClient(cfg, spec.validationResult);
    },
  };
}
