/**
 * The operator's secret-store provider contract (ESO-compatible, see aesthetics §6.3 and
 * ESO's `apis/externalsecrets/v1/provider.go`): a `Provider` validates a store's
 * `spec.provider.<name>` and makes `SecretsClient`s; controllers only ever see these types.
 *
 * Also the gjson-like property lookup every provider shares (`a.b`, `list.0`, `a\.b`).
 */
import type { Logger } from '../../shared/logger.js';
import type { KubeClient } from '../runtime/types.js';

export interface RemoteRef {
  key: string;
  /** A key of the secret's data, or a gjson-like path into it (`a.b`). */
  property?: string;
  version?: string;
  /** `Fetch` reads the secret's metadata (Vault: custom_metadata) instead of its data. */
  metadataPolicy?: 'None' | 'Fetch';
}

export interface FindSpec {
  /** Where to search (a folder of the store); default its root. */
  path?: string;
  name?: { regexp: string };
  /** All must match (Vault: custom_metadata). */
  tags?: Record<string, string>;
}

/**
 * The secret (or version) does not exist. The controller applies the ExternalSecret's
 * deletionPolicy on it rather than reporting a failure.
 */
export class NoSecretError extends Error {
  constructor(message = 'Secret does not exist') {
    super(message);
    this.name = 'NoSecretError';
  }
}

export type ValidationResult = 'Ready' | 'Unknown' | 'Error';

export interface SecretsReader {
  /** Throws `NoSecretError` when the key (or version) does not exist. */
  getSecret(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array>;
  getSecretMap(ref: RemoteRef, signal?: AbortSignal): Promise<Record<string, Uint8Array>>;
  getAllSecrets(find: FindSpec, signal?: AbortSignal): Promise<Record<string, Uint8Array>>;
  validate(): Promise<ValidationResult>;
  /** Idempotent. */
  close(): Promise<void>;
  /**
   * The path the store's change events name for `key` (vault: `secret/data/apps/db`), so a
   * read can be matched to events. Absent when the provider has no change events.
   */
  canonicalPath?(key: string): string;
}

/** PushSecret's reference to where a value goes. */
export interface PushRemoteRef {
  remoteKey: string;
  property?: string;
}

export interface PushSecretData {
  /** The key of the Kubernetes Secret to push; absent: the whole Secret. */
  secretKey?: string;
  remoteRef: PushRemoteRef;
  metadata?: Record<string, unknown>;
}

export interface SecretsWriter {
  pushSecret(secret: { data: Record<string, Uint8Array> }, data: PushSecretData, signal?: AbortSignal): Promise<void>;
  deleteSecret(ref: PushRemoteRef, signal?: AbortSignal): Promise<void>;
  secretExists(ref: PushRemoteRef, signal?: AbortSignal): Promise<boolean>;
}

export type SecretsClient = SecretsReader & Partial<SecretsWriter>;

export interface RetrySettings {
  maxRetries?: number;
  retryInterval?: string;
}

/** The minimal view of a SecretStore/ClusterSecretStore a provider needs. */
export interface StoreRef {
  kind: 'SecretStore' | 'ClusterSecretStore';
  name: string;
  /** The SecretStore's namespace (absent for a ClusterSecretStore). */
  namespace?: string;
  /** The store's `spec.provider` (e.g. `{ vault: {...} }`). */
  provider: Record<string, unknown>;
  retrySettings?: RetrySettings;
}

export interface ProviderContext {
  kube: KubeClient;
  /** The namespace of the ExternalSecret being reconciled. */
  namespace: string;
  logger: Logger;
}

/** What a store's change feed reports (see `Provider.subscribe`). */
export interface ChangeFeedHandlers {
  /** The stream is live: changes from now on will be reported. */
  onReady(): void;
  /** `path` (a `canonicalPath`) changed. */
  onChange(path: string): void;
  /** The stream ended; changes may have been missed. Not called after `close()`. */
  onLost(error: Error): void;
}

export interface ChangeSubscription {
  close(): void;
}

export interface Provider {
  /** The `spec.provider` field this provider reads (`vault`, `fake`). */
  readonly name: string;
  readonly capabilities: 'ReadOnly' | 'WriteOnly' | 'ReadWrite';
  /** Throws `UserError` with an ESO-like message when the store spec is invalid. */
  validateStore(store: StoreRef): { warnings: string[] };
  newClient(store: StoreRef, ctx: ProviderContext): Promise<SecretsClient>;
  /**
   * Subscribes to the store's change events. Resolves to `undefined` when the server has none
   * (a plain Vault, or a token without the `subscribe` capability): callers then rely on
   * periodic refresh alone.
   */
  subscribe?(store: StoreRef, ctx: ProviderContext, handlers: ChangeFeedHandlers): Promise<ChangeSubscription | undefined>;
}

// ---- gjson-like property paths --------------------------------------------------------

/** Splits `a.b\.c` into `['a', 'b.c']` (gjson escapes `.` with a backslash). */
export function splitPropertyPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '\\' && i + 1 < path.length) {
      current += path[i + 1];
      i++;
    } else if (ch === '.') {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** The value at a gjson-like path, or `undefined` when it does not exist. */
export function lookupProperty(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const part of splitPropertyPath(path)) {
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(part)) return undefined;
      node = node[Number(part)];
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, part)) {
      node = (node as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** gjson's `String()`: strings as they are, everything else as JSON (null as ''). */
export function propertyToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}

const encoder = new TextEncoder();

export function toBytes(text: string): Uint8Array {
  return encoder.encode(text);
}
