/**
 * The `kubernetes` provider's `SecretsClient` (ESO `providers/v1/kubernetes/client.go`):
 * the Secret `key` of the remote namespace; a property is one data key, or `key.path` into
 * the JSON of a data key; `metadataPolicy: Fetch` reads labels and annotations instead.
 */
import { timingSafeEqual } from 'node:crypto';
import { UserError } from '../../../shared/errors.js';
import { KubeRequestError, type KubeClient, type KubeObject } from '../../runtime/types.js';
import {
  NoSecretError,
  lookupProperty,
  propertyToString,
  splitPropertyPath,
  toBytes,
  type FindSpec,
  type PushRemoteRef,
  type PushSecretData,
  type RemoteRef,
  type SecretsClient,
  type ValidationResult,
} from '../types.js';
import { SECRETS_RESOURCE } from '../kube-refs.js';
import { mergeSourceMetadata, mergeTargetMetadata, parseKubernetesPushMetadata, type PushSource } from './push.js';

export interface KubernetesClientOptions {
  kube: KubeClient;
  remoteNamespace: string;
  /** A ClusterSecretStore with referent auth: validate cannot know the namespace (ESO: Unknown). */
  referent?: boolean;
  /** The store's kind: only a ClusterSecretStore may push to another namespace (PushSecretMetadata). */
  storeKind?: 'SecretStore' | 'ClusterSecretStore';
  onClose?: () => void;
}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
  type?: string;
}

const decoder = new TextDecoder();

function decodeData(secret: SecretObject): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return out;
}

/** The data as `{key: string}` JSON with sorted keys (Go's json.Marshal of a map). */
function dataJson(data: Record<string, Uint8Array>): Uint8Array {
  const sorted = Object.keys(data).sort();
  return toBytes(JSON.stringify(Object.fromEntries(sorted.map((k) => [k, decoder.decode(data[k])]))));
}

function metadataOf(secret: SecretObject): { labels: Record<string, string> | null; annotations: Record<string, string> | null } {
  return { labels: secret.metadata.labels ?? null, annotations: secret.metadata.annotations ?? null };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The value of `property` in a string map: the key itself first (`file.png`), else the first
 * path segment is the key and the rest a gjson-like path into its JSON value.
 */
function lookupIn(map: Record<string, string>, property: string): string | undefined {
  if (Object.hasOwn(map, property)) return map[property];
  const [head, ...rest] = splitPropertyPath(property);
  if (head === undefined || !Object.hasOwn(map, head)) return undefined;
  const value = map[head] as string;
  if (rest.length === 0) return value;
  const escaped = rest.map((p) => p.replaceAll('.', '\\.')).join('.');
  const found = lookupProperty(parseJson(value), escaped);
  return found === undefined ? undefined : propertyToString(found);
}

// Kubernetes label syntax (ESO: labels.ValidatedSelectorFromSet); also keeps `,`/`=` out of the selector.
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function labelSelectorOf(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => {
      if (!LABEL_KEY.test(k) || !LABEL_VALUE.test(v) || v.length > 63) throw new UserError(`unable to validate selector tags: invalid label ${JSON.stringify(k)}=${JSON.stringify(v)}`);
      return `${k}=${v}`;
    })
    .join(',');
}

/** ESO's getFromSecretMetadata: `labels`, `labels.<key>`, `labels.<key>.<path into its JSON>`. */
function lookupMetadata(secret: SecretObject, property: string): string | undefined {
  const [kind, key, ...rest] = splitPropertyPath(property);
  const meta = metadataOf(secret);
  const map = kind === 'labels' ? meta.labels : kind === 'annotations' ? meta.annotations : undefined;
  if (map === undefined) return undefined;
  if (key === undefined) return JSON.stringify(map);
  if (map === null || !Object.hasOwn(map, key)) return undefined;
  return lookupIn({ [key]: map[key] as string }, [key, ...rest].map((p) => p.replaceAll('.', '\\.')).join('.'));
}

function compileRegexp(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw new UserError(`invalid find.name.regexp ${JSON.stringify(source)}`);
  }
}

export class KubernetesSecretsClient implements SecretsClient {
  private readonly kube: KubeClient;
  private readonly namespace: string;
  private readonly referent: boolean;
  private readonly storeKind: 'SecretStore' | 'ClusterSecretStore';
  private onClose: (() => void) | undefined;

  constructor(options: KubernetesClientOptions) {
    this.kube = options.kube;
    this.namespace = options.remoteNamespace;
    this.referent = options.referent ?? false;
    this.storeKind = options.storeKind ?? 'SecretStore';
    this.onClose = options.onClose;
  }

  private async read(key: string): Promise<SecretObject> {
    if (key === '') throw new UserError('remoteRef.key must not be empty');
    const secret = await this.kube.get<SecretObject>(SECRETS_RESOURCE, this.namespace, key);
    if (secret === null) throw new NoSecretError(`Secret "${key}" does not exist in namespace "${this.namespace}"`);
    return secret;
  }

  /** The string map a ref reads: the data, or `{labels, annotations}` as JSON with Fetch. */
  private mapOf(secret: SecretObject, ref: RemoteRef): Record<string, string> {
    if (ref.metadataPolicy === 'Fetch') {
      const meta = metadataOf(secret);
      return { labels: JSON.stringify(meta.labels), annotations: JSON.stringify(meta.annotations) };
    }
    const data = decodeData(secret);
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, decoder.decode(v)]));
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const secret = await this.read(ref.key);
    const property = ref.property ?? '';
    if (property === '') {
      if (ref.metadataPolicy === 'Fetch') {
        const meta = metadataOf(secret);
        return toBytes(JSON.stringify({ annotations: meta.annotations, labels: meta.labels }));
      }
      return dataJson(decodeData(secret));
    }
    if (ref.metadataPolicy !== 'Fetch') {
      // Binary values stay byte-exact when the property is a data key.
      const raw = secret.data?.[property];
      if (raw !== undefined && Object.hasOwn(secret.data ?? {}, property)) return new Uint8Array(Buffer.from(raw, 'base64'));
    }
    const value = ref.metadataPolicy === 'Fetch' ? lookupMetadata(secret, property) : lookupIn(this.mapOf(secret, ref), property);
    if (value === undefined) {
      const where = ref.metadataPolicy === 'Fetch' ? 'metadata' : 'data';
      throw new UserError(`property ${property} does not exist in ${where} of secret ${JSON.stringify(ref.key)}`);
    }
    return toBytes(value);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    const secret = await this.read(ref.key);
    const property = ref.property ?? '';
    if (property === '') {
      if (ref.metadataPolicy === 'Fetch') return Object.fromEntries(Object.entries(this.mapOf(secret, ref)).map(([k, v]) => [k, toBytes(v)]));
      return decodeData(secret);
    }
    const value = lookupIn(this.mapOf(secret, ref), property);
    if (value === undefined) throw new UserError(`property ${property} does not exist in key ${ref.key}`);
    const parsed = parseJson(value);
    // Never echo the value: JSON parse errors may quote it.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UserError('failed to unmarshal secret: invalid JSON format');
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, toBytes(propertyToString(v))]));
  }

  async getAllSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    const hasTags = find.tags !== undefined;
    if (!hasTags && find.name === undefined) throw new UserError('find needs name or tags');
    const matcher = find.name === undefined ? undefined : compileRegexp(find.name.regexp);
    const labelSelector = labelSelectorOf(find.tags ?? {});
    const { items } = await this.kube.list<SecretObject>(SECRETS_RESOURCE, { namespace: this.namespace, ...(labelSelector !== '' ? { labelSelector } : {}) });
    const out: Record<string, Uint8Array> = {};
    for (const secret of items) {
      // ESO ignores name when tags are set; every condition given must match here.
      if (matcher !== undefined && !matcher.test(secret.metadata.name)) continue;
      out[secret.metadata.name] = dataJson(decodeData(secret));
    }
    return out;
  }

  /**
   * ESO asks SelfSubjectRulesReview/AccessReview whether `get secrets` is allowed in the
   * remote namespace; a GET of a name that need not exist answers the same question.
   */
  async validate(): Promise<ValidationResult> {
    if (this.referent) return 'Unknown';
    try {
      await this.kube.get(SECRETS_RESOURCE, this.namespace, 'external-secrets-validation-probe');
      return 'Ready';
    } catch (err) {
      if (err instanceof KubeRequestError && (err.status === 401 || err.status === 403)) return 'Error';
      return 'Unknown';
    }
  }

  // ---- writes (PushSecret), ESO `providers/v1/kubernetes/client.go` ---------------------

  /**
   * Creates or updates the Secret `remoteKey` of the remote namespace: the whole Secret's keys,
   * or one property (a key of the source, or the whole source as JSON). Labels and annotations
   * follow ESO's PushSecretMetadata merge policies. `type`, `labels` and `annotations` of the
   * source Secret are used when the caller passes them.
   */
  async pushSecret(secret: PushSource, data: PushSecretData): Promise<void> {
    const property = data.remoteRef.property ?? '';
    const secretKey = data.secretKey ?? '';
    if (property === '' && secretKey !== '') throw new UserError('requires property in RemoteRef to push secret value if secret key is defined');
    let pushMeta;
    try {
      pushMeta = parseKubernetesPushMetadata(data.metadata);
    } catch (err) {
      throw new UserError(`unable to parse metadata parameters: ${(err as Error).message}`, { cause: err });
    }
    let namespace = this.namespace;
    if (pushMeta?.remoteNamespace !== undefined && pushMeta.remoteNamespace !== '') {
      if (this.storeKind !== 'ClusterSecretStore') throw new UserError('remoteNamespace override is only supported with ClusterSecretStore');
      namespace = pushMeta.remoteNamespace;
    }
    const name = data.remoteRef.remoteKey;
    if (name === '') throw new UserError('remoteRef.remoteKey must not be empty');
    const existing = await this.kube.get<SecretObject>(SECRETS_RESOURCE, namespace, name);
    const target: SecretObject = existing !== null ? structuredClone(existing) : { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace } };
    // ESO's mergePushSecretData.
    target.type = secret.type !== undefined && secret.type !== '' ? secret.type : 'Opaque';
    const source = mergeSourceMetadata(secret, pushMeta);
    const merged = mergeTargetMetadata(target.metadata, pushMeta, source);
    setMap(target.metadata, 'labels', merged.labels);
    setMap(target.metadata, 'annotations', merged.annotations);
    const out: Record<string, string> = { ...(target.data ?? {}) };
    const b64 = (v: Uint8Array): string => Buffer.from(v).toString('base64');
    if (property === '') {
      for (const [k, v] of Object.entries(secret.data)) out[k] = b64(v);
    } else if (secretKey === '') {
      const all: Record<string, string> = {};
      for (const k of Object.keys(secret.data).sort()) all[k] = decoder.decode(secret.data[k]);
      out[property] = Buffer.from(JSON.stringify(all)).toString('base64');
    } else {
      const value = secret.data[secretKey];
      // ESO writes an empty value for a missing key; naming the key is kinder.
      if (value === undefined) throw new UserError(`failed to find secret key in secret with key: ${secretKey}`);
      out[property] = b64(value);
    }
    target.data = out;
    if (existing === null) {
      await this.kube.create<SecretObject>(SECRETS_RESOURCE, target);
      return;
    }
    if (sameSecret(existing, target)) return;
    await this.kube.replace<SecretObject>(SECRETS_RESOURCE, target);
  }

  /** Removes the Secret, or just `property` when the Secret holds other keys (ESO). */
  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    const existing = await this.kube.get<SecretObject>(SECRETS_RESOURCE, this.namespace, ref.remoteKey);
    if (existing === null) return;
    const property = ref.property ?? '';
    if (property !== '') {
      const data = existing.data ?? {};
      if (!Object.hasOwn(data, property)) return;
      if (Object.keys(data).length > 1) {
        const rest = { ...data };
        delete rest[property];
        await this.kube.replace<SecretObject>(SECRETS_RESOURCE, { ...existing, data: rest });
        return;
      }
    }
    await this.kube.delete(SECRETS_RESOURCE, this.namespace, ref.remoteKey);
  }

  /** Whether the Secret (and `property`, when given) exists. ESO leaves this unimplemented. */
  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    const existing = await this.kube.get<SecretObject>(SECRETS_RESOURCE, this.namespace, ref.remoteKey);
    if (existing === null) return false;
    const property = ref.property ?? '';
    return property === '' || Object.hasOwn(existing.data ?? {}, property);
  }

  close(): Promise<void> {
    const onClose = this.onClose;
    this.onClose = undefined;
    onClose?.();
    return Promise.resolve();
  }
}

function setMap(meta: KubeObject['metadata'], field: 'labels' | 'annotations', map: Record<string, string> | undefined): void {
  if (map === undefined || Object.keys(map).length === 0) delete meta[field];
  else meta[field] = map;
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => Object.hasOwn(b ?? {}, k) && (a ?? {})[k] === (b ?? {})[k]);
}

/** Equal data maps, values compared in constant time (they are secrets). */
function sameData(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const left = a ?? {};
  const right = b ?? {};
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  let same = true;
  for (const k of keys) {
    if (!Object.hasOwn(right, k)) return false;
    const x = Buffer.from(left[k] ?? '');
    const y = Buffer.from(right[k] ?? '');
    if (x.length !== y.length || !timingSafeEqual(x, y)) same = false;
  }
  return same;
}

/** Whether an update would change nothing (ESO: equality.Semantic.DeepEqual before Update). */
function sameSecret(a: SecretObject, b: SecretObject): boolean {
  return (
    (a.type ?? 'Opaque') === (b.type ?? 'Opaque') &&
    sameMap(a.metadata.labels, b.metadata.labels) &&
    sameMap(a.metadata.annotations, b.metadata.annotations) &&
    sameData(a.data, b.data)
  );
}
