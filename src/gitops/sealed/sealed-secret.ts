/**
 * Sealing a Secret into a SealedSecret and opening it again, as Sealed Secrets' `NewSealedSecret`
 * and `Unseal` do (`sealedsecret_expansion.go`), with failures that say what went wrong: a value
 * sealed for another name, namespace or scope, with a key this controller does not hold, or
 * corrupted — always naming the key, never showing a value.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { UserError } from '../../shared/errors.js';
import { HybridDecryptError, hybridDecryptAny, hybridEncrypt, splitHybrid, unwrapSessionKey } from './crypto.js';
import {
  LAST_APPLIED_ANNOTATIONS,
  SEALED_ANNOTATIONS,
  describeScope,
  encryptionLabel,
  scopeFromAnnotations,
  withScopeAnnotations,
  type SealingScope,
} from './scope.js';
import { renderTemplateData } from './template-data.js';
import { SEALED_SECRET_API_VERSION, SEALED_SECRET_KIND, type ObjectMeta, type SealedSecret, type Secret } from './types.js';

export * from './types.js';

/** A certificate (PEM or parsed), a public key (PEM or KeyObject). */
export type SealingCertificate = KeyObject | X509Certificate | string | Buffer;

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Go's `base64.StdEncoding.DecodeString`: padding required, `\r` and `\n` ignored. */
export function decodeStdBase64(text: string): Buffer | undefined {
  const t = text.replace(/[\r\n]/g, '');
  return STD_BASE64.test(t) ? Buffer.from(t, 'base64') : undefined;
}

/** The RSA public key to seal with; refuses an expired certificate as kubeseal does. */
export function sealingPublicKey(cert: SealingCertificate, now: Date = new Date()): KeyObject {
  let key: KeyObject;
  if (cert instanceof X509Certificate) {
    key = checkCertificate(cert, now);
  } else if (typeof cert === 'string' || Buffer.isBuffer(cert)) {
    const text = cert.toString();
    const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
    if (block !== null) {
      let parsed: X509Certificate;
      try {
        parsed = new X509Certificate(block[0]);
      } catch {
        throw new UserError('failed to read any certificates: the PEM certificate does not parse');
      }
      key = checkCertificate(parsed, now);
    } else if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) {
      try {
        key = createPublicKey(text);
      } catch {
        throw new UserError('failed to read the public key: the PEM block does not parse');
      }
    } else {
      throw new UserError('failed to read any certificates: expected a PEM "CERTIFICATE" block');
    }
  } else {
    key = cert.type === 'private' ? createPublicKey(cert) : cert;
  }
  if (key.asymmetricKeyType !== 'rsa') throw new UserError(`expected RSA public key but found ${key.asymmetricKeyType ?? 'another key type'}`);
  return key;
}

function checkCertificate(cert: X509Certificate, now: Date): KeyObject {
  const notAfter = new Date(cert.validTo);
  if (now.getTime() > notAfter.getTime()) {
    const day = notAfter.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
    throw new UserError(`failed to encrypt using an expired certificate on ${day}`);
  }
  return cert.publicKey;
}

export interface SealOptions {
  /** Overrides the scope annotations of the input Secret. */
  scope?: SealingScope;
  /** Seal a Secret without data (kubeseal refuses by default). */
  allowEmptyData?: boolean;
  /** Overrides `metadata.name` / `metadata.namespace` of the input. */
  name?: string;
  namespace?: string;
  /** For the certificate's expiry check. */
  now?: Date;
}

const SERVER_FIELDS = ['selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

function stripServerFields(meta: ObjectMeta): ObjectMeta {
  const out: ObjectMeta = { ...meta };
  for (const f of SERVER_FIELDS) delete out[f];
  return out;
}

function cloneMeta(meta: ObjectMeta | undefined): ObjectMeta {
  return meta === undefined ? {} : (structuredClone(meta) as ObjectMeta);
}

/**
 * Seals every `data` and `stringData` value of `secret` (stringData wins on a shared key).
 * The template keeps the Secret's metadata (without last-applied-configuration annotations,
 * which hold the plaintext, and without ownerReferences), type and immutable.
 */
export function sealSecret(secret: Secret, cert: SealingCertificate, scopeOrOptions?: SealingScope | SealOptions): SealedSecret {
  const options: SealOptions = typeof scopeOrOptions === 'string' ? { scope: scopeOrOptions } : (scopeOrOptions ?? {});
  const publicKey = sealingPublicKey(cert, options.now);
  const data = secret.data ?? {};
  const stringData = secret.stringData ?? {};
  if (Object.keys(data).length === 0 && Object.keys(stringData).length === 0 && options.allowEmptyData !== true) {
    throw new UserError('secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, --allow-empty-data can be used');
  }
  const meta = stripServerFields(cloneMeta(secret.metadata));
  if (options.name !== undefined && options.name !== '') meta.name = options.name;
  if (options.namespace !== undefined && options.namespace !== '') meta.namespace = options.namespace;
  const name = meta.name ?? '';
  if (name === '') throw new UserError('missing metadata.name in input Secret');
  if (options.scope !== undefined) meta.annotations = withScopeAnnotations(meta.annotations, options.scope);
  const scope = scopeFromAnnotations(meta.annotations);
  const namespace = meta.namespace ?? '';
  if (scope !== 'cluster-wide' && namespace === '') throw new UserError('secret must declare a namespace');

  if (meta.annotations !== undefined) {
    for (const a of LAST_APPLIED_ANNOTATIONS) delete meta.annotations[a];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  delete meta.ownerReferences;

  const label = encryptionLabel(namespace, name, scope);
  const encryptedData: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    const bytes = decodeStdBase64(value);
    if (bytes === undefined) throw new UserError(`data[${JSON.stringify(key)}] is not valid base64`);
    encryptedData[key] = hybridEncrypt(publicKey, bytes, label).toString('base64');
  }
  for (const [key, value] of Object.entries(stringData)) {
    encryptedData[key] = hybridEncrypt(publicKey, Buffer.from(value, 'utf8'), label).toString('base64');
  }

  const outer: ObjectMeta = { name };
  if (namespace !== '') outer.namespace = namespace;
  const scopeAnnotations = withScopeAnnotations(undefined, scope);
  if (Object.keys(scopeAnnotations).length > 0) outer.annotations = scopeAnnotations;

  return {
    apiVersion: SEALED_SECRET_API_VERSION,
    kind: SEALED_SECRET_KIND,
    metadata: outer,
    spec: {
      template: {
        metadata: meta,
        ...(secret.type !== undefined && secret.type !== '' ? { type: secret.type } : {}),
        ...(secret.immutable !== undefined ? { immutable: secret.immutable } : {}),
      },
      encryptedData,
    },
  };
}

/** One value for `--raw`: base64 of the hybrid blob for `namespace/name` under `scope`. */
export function sealRawValue(value: Uint8Array | string, cert: SealingCertificate, target: { namespace: string; name: string; scope: SealingScope; now?: Date }): string {
  const publicKey = sealingPublicKey(cert, target.now);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return hybridEncrypt(publicKey, bytes, encryptionLabel(target.namespace, target.name, target.scope)).toString('base64');
}

/**
 * `--merge-into`: the update's encrypted values, template annotations, labels and template
 * data over the original (kubeseal's `SealMergingInto`). Returns a new object.
 */
export function mergeSealedSecrets(original: SealedSecret, update: SealedSecret): SealedSecret {
  const out = structuredClone(original);
  out.spec.encryptedData = { ...(out.spec.encryptedData ?? {}), ...(update.spec.encryptedData ?? {}) };
  const tmpl = (out.spec.template ??= {});
  const meta = (tmpl.metadata ??= {});
  const upd = update.spec.template;
  if (upd?.metadata?.annotations !== undefined) meta.annotations = { ...(meta.annotations ?? {}), ...upd.metadata.annotations };
  if (upd?.metadata?.labels !== undefined) meta.labels = { ...(meta.labels ?? {}), ...upd.metadata.labels };
  if (upd?.data !== undefined) tmpl.data = { ...(tmpl.data ?? {}), ...upd.data };
  return out;
}

// ---- unsealing ----------------------------------------------------------------------------

export type UnsealFailureReason = 'corrupted' | 'wrong-scope' | 'wrong-name' | 'unknown-key' | 'template' | 'invalid';

export interface UnsealFailure {
  reason: UnsealFailureReason;
  /** The `encryptedData` / `template.data` keys it applies to (`data` for the v1 blob). */
  keys: string[];
  message: string;
}

/** Why a SealedSecret could not be opened; `message` is fit for a Synced=False condition. */
export class UnsealError extends UserError {
  constructor(readonly failures: readonly UnsealFailure[]) {
    super(failures.map((f) => f.message).join('; '));
  }

  get reasons(): UnsealFailureReason[] {
    return [...new Set(this.failures.map((f) => f.reason))];
  }
}

/** A list of private keys, or anything that hands one out (a `KeyRegistry`). */
export type PrivateKeySource = readonly KeyObject[] | { privateKeys(): readonly KeyObject[] };

function keysOf(source: PrivateKeySource): readonly KeyObject[] {
  return Array.isArray(source) ? source : (source as { privateKeys(): readonly KeyObject[] }).privateKeys();
}

export interface UnsealOptions {
  /** Accept the deprecated whole-Secret `spec.data` blob (the controller's default is true). */
  acceptDeprecatedV1Data?: boolean;
}

interface Target {
  namespace: string;
  name: string;
  scope: SealingScope;
  label: Buffer;
}

/** The label a SealedSecret is opened with: its own name/namespace and scope annotations. */
function targetOf(ss: SealedSecret): Target {
  const namespace = ss.metadata.namespace ?? '';
  const name = ss.metadata.name ?? '';
  const scope = scopeFromAnnotations(ss.metadata.annotations);
  return { namespace, name, scope, label: encryptionLabel(namespace, name, scope) };
}

interface Attempt {
  key: string;
  blob: Buffer | undefined;
  /** The decrypted value, or why not. */
  value?: Buffer;
  failure?: HybridDecryptError | 'base64';
}

function tryOpen(keys: readonly KeyObject[], key: string, encoded: string, label: Buffer): Attempt {
  const blob = decodeStdBase64(encoded);
  if (blob === undefined) return { key, blob, failure: 'base64' };
  try {
    return { key, blob, value: hybridDecryptAny(keys, blob, label) };
  } catch (err) {
    if (err instanceof HybridDecryptError) return { key, blob, failure: err };
    throw err;
  }
}

/** Which other (namespace, name, scope) the blob was sealed for, if any we can guess opens it. */
function findSealedFor(ss: SealedSecret, target: Target, keys: readonly KeyObject[], blob: Buffer): { namespace: string; name: string; scope: SealingScope; key: KeyObject } | undefined {
  let rsa: Buffer;
  try {
    rsa = splitHybrid(blob).rsa;
  } catch {
    return undefined;
  }
  const tmpl = ss.spec.template?.metadata;
  const pairs = [
    { namespace: target.namespace, name: target.name },
    { namespace: tmpl?.namespace ?? target.namespace, name: tmpl?.name ?? target.name },
  ];
  const tried = new Set<string>([target.label.toString('latin1')]);
  for (const scope of ['strict', 'namespace-wide', 'cluster-wide'] as const) {
    for (const pair of pairs) {
      const label = encryptionLabel(pair.namespace, pair.name, scope);
      const id = label.toString('latin1');
      if (tried.has(id)) continue;
      tried.add(id);
      for (const key of keys) {
        try {
          unwrapSessionKey(key, rsa, label);
          return { ...pair, scope, key };
        } catch {
          // not this label with this key
        }
      }
    }
  }
  return undefined;
}

function quoteKeys(keys: readonly string[]): string {
  return keys.join(', ');
}

/** Turns failed attempts into failures that say which keys and why. */
function diagnose(ss: SealedSecret, target: Target, keys: readonly KeyObject[], failed: Attempt[]): UnsealFailure[] {
  const failures: UnsealFailure[] = [];
  const corrupted = (attempts: Attempt[], detail: string): void => {
    if (attempts.length === 0) return;
    const names = attempts.map((a) => a.key);
    failures.push({ reason: 'corrupted', keys: names, message: `corrupted sealed value for key${names.length > 1 ? 's' : ''} ${quoteKeys(names)}: ${detail}` });
  };
  corrupted(failed.filter((a) => a.failure === 'base64'), 'not valid base64');
  corrupted(failed.filter((a) => a.failure instanceof HybridDecryptError && a.failure.reason === 'too-short'), 'SealedSecret data is too short');
  corrupted(
    failed.filter((a) => a.failure instanceof HybridDecryptError && (a.failure.reason === 'gcm' || a.failure.reason === 'session-key')),
    'the AES-GCM payload failed authentication (the value was altered after sealing)',
  );

  let pending = failed.filter((a) => a.failure instanceof HybridDecryptError && a.failure.reason === 'oaep');
  const here = describeScope(target.namespace, target.name, target.scope);
  while (pending.length > 0) {
    const first = pending[0] as Attempt;
    const found = first.blob === undefined || keys.length === 0 ? undefined : findSealedFor(ss, target, keys, first.blob);
    if (found === undefined) {
      const names = pending.map((a) => a.key);
      failures.push({
        reason: 'unknown-key',
        keys: names,
        message:
          keys.length === 0
            ? `no key could decrypt secret (${quoteKeys(names)}): no private keys are loaded`
            : `no key could decrypt secret (${quoteKeys(names)}): sealed with a key this controller does not hold (another cluster's, or a lost key: restore it from "coffer seal backup") or for a name/namespace other than this SealedSecret's ${here}`,
      });
      break;
    }
    const label = encryptionLabel(found.namespace, found.name, found.scope);
    const same = pending.filter((a) => {
      if (a === first) return true;
      try {
        unwrapSessionKey(found.key, splitHybrid(a.blob ?? Buffer.alloc(0)).rsa, label);
        return true;
      } catch {
        return false;
      }
    });
    const names = same.map((a) => a.key);
    const there = describeScope(found.namespace, found.name, found.scope);
    failures.push(
      found.scope !== target.scope
        ? {
            reason: 'wrong-scope',
            keys: names,
            message: `no key could decrypt secret (${quoteKeys(names)}): it was sealed with ${there}, but this SealedSecret's annotations ask for ${here}; re-seal it or set the matching scope annotation`,
          }
        : {
            reason: 'wrong-name',
            keys: names,
            message: `no key could decrypt secret (${quoteKeys(names)}): it was sealed for ${there}, not for this SealedSecret's ${here}; re-seal it for the new name/namespace`,
          },
    );
    pending = pending.filter((a) => !same.includes(a));
  }
  return failures;
}

const OWNER_SKIP = SEALED_ANNOTATIONS.skipSetOwnerReferences;

/**
 * Opens a SealedSecret into the Secret the controller would write: the template's metadata,
 * type and immutable, the decrypted values plus rendered `template.data`, name and namespace
 * forced to the SealedSecret's, and an ownerReference to it (controller=true) unless the
 * template carries `sealedsecrets.bitnami.com/skip-set-owner-references: "true"`.
 */
export function unsealSealedSecret(ss: SealedSecret, privateKeys: PrivateKeySource, options: UnsealOptions = {}): Secret {
  const keys = keysOf(privateKeys);
  const target = targetOf(ss);
  const encrypted = ss.spec.encryptedData ?? {};
  const legacy = ss.spec.data;
  let secret: Secret;

  if (legacy === undefined || legacy === null) {
    const tmpl = ss.spec.template ?? {};
    secret = { apiVersion: 'v1', kind: 'Secret', metadata: cloneMeta(tmpl.metadata) };
    if (tmpl.type !== undefined) secret.type = tmpl.type;
    if (tmpl.immutable !== undefined) secret.immutable = tmpl.immutable;
    const values = new Map<string, Buffer>();
    const failed: Attempt[] = [];
    for (const key of Object.keys(encrypted).sort()) {
      const attempt = tryOpen(keys, key, encrypted[key] ?? '', target.label);
      if (attempt.value !== undefined) values.set(key, attempt.value);
      else failed.push(attempt);
    }
    const failures = diagnose(ss, target, keys, failed);
    if (tmpl.data !== undefined && tmpl.data !== null) {
      const strings = Object.fromEntries([...values].map(([k, v]) => [k, v.toString('utf8')]));
      const rendered = renderTemplateData(tmpl.data, strings);
      for (const [key, value] of rendered.data) {
        if (value === null) values.delete(key);
        else values.set(key, value);
      }
      for (const e of rendered.errors) failures.push({ reason: 'template', keys: [e.key], message: `template data ${JSON.stringify(e.key)}: ${e.message}` });
    }
    if (failures.length > 0) throw new UnsealError(failures);
    secret.data = Object.fromEntries([...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v.toString('base64')]));
  } else {
    if (options.acceptDeprecatedV1Data === false) {
      throw new UnsealError([{ reason: 'invalid', keys: [], message: "using deprecated 'data' field, use 'encryptedData' or flip the feature flag" }]);
    }
    if (Object.keys(encrypted).length > 0) {
      throw new UnsealError([{ reason: 'invalid', keys: [], message: "cannot use the field 'encryptedData' and the deprecated field 'data' at the same time" }]);
    }
    const attempt = tryOpen(keys, 'data', legacy, target.label);
    if (attempt.value === undefined) throw new UnsealError(diagnose(ss, target, keys, [attempt]));
    secret = decodeLegacySecret(attempt.value);
  }

  secret.metadata.namespace = target.namespace;
  secret.metadata.name = target.name;
  if (ss.spec.template?.metadata?.annotations?.[OWNER_SKIP] !== 'true') {
    secret.metadata.ownerReferences = [
      { apiVersion: SEALED_SECRET_API_VERSION, kind: SEALED_SECRET_KIND, name: target.name, uid: ss.metadata.uid ?? '', controller: true },
    ];
  }
  return secret;
}

function decodeLegacySecret(plaintext: Buffer): Secret {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new UnsealError([{ reason: 'corrupted', keys: ['data'], message: 'the deprecated spec.data blob does not hold a Secret (not JSON)' }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UnsealError([{ reason: 'corrupted', keys: ['data'], message: 'the deprecated spec.data blob does not hold a Secret object' }]);
  }
  const secret = parsed as Secret;
  const stringData = secret.stringData;
  const data: Record<string, string> = { ...(secret.data ?? {}) };
  // The API server folds stringData into data on write; do the same so callers see one map.
  for (const [k, v] of Object.entries(stringData ?? {})) data[k] = Buffer.from(v, 'utf8').toString('base64');
  const out: Secret = { ...secret, apiVersion: 'v1', kind: 'Secret', metadata: cloneMeta(secret.metadata), data };
  delete out.stringData;
  return out;
}

/** Whether every value opens (the controller's `/v1/verify`). */
export function canUnseal(ss: SealedSecret, privateKeys: PrivateKeySource): boolean {
  try {
    unsealSealedSecret(ss, privateKeys);
    return true;
  } catch (err) {
    if (err instanceof UserError) return false;
    throw err;
  }
}

/**
 * `/v1/rotate`: every sealed value re-encrypted for the newest key under the same label, the
 * rest of the SealedSecret (template, templated data, annotations) unchanged. Server-set
 * metadata and status are dropped, as kubeseal drops them before writing the file.
 */
export function reencryptSealedSecret(ss: SealedSecret, privateKeys: PrivateKeySource, publicKey: SealingCertificate): SealedSecret {
  const keys = keysOf(privateKeys);
  const pub = sealingPublicKey(publicKey);
  const target = targetOf(ss);
  const out = structuredClone(ss);
  delete out.status;
  out.metadata = stripServerFields(out.metadata);
  delete out.metadata['managedFields'];
  const failed: Attempt[] = [];
  if (out.spec.data !== undefined && out.spec.data !== null) {
    const attempt = tryOpen(keys, 'data', out.spec.data, target.label);
    if (attempt.value === undefined) failed.push(attempt);
    else out.spec.data = hybridEncrypt(pub, attempt.value, target.label).toString('base64');
  }
  const encrypted = out.spec.encryptedData;
  if (encrypted !== undefined && encrypted !== null) {
    for (const key of Object.keys(encrypted).sort()) {
      const attempt = tryOpen(keys, key, encrypted[key] ?? '', target.label);
      if (attempt.value === undefined) failed.push(attempt);
      else encrypted[key] = hybridEncrypt(pub, attempt.value, target.label).toString('base64');
    }
  }
  if (failed.length > 0) throw new UnsealError(diagnose(ss, target, keys, failed));
  return out;
}
