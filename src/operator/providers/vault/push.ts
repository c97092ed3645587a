/**
 * The pure parts of the vault provider's PushSecret (ESO `providers/v1/vault/client_push.go`):
 * what value a push writes, whether the remote data or custom_metadata must change, and
 * ESO's ownership rule (`managed-by: external-secrets`).
 */
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../../../shared/errors.js';
import type { PushSecretData } from '../types.js';
import { parsePushSecretMetadata } from './push-metadata.js';

export const MANAGED_BY_KEY = 'managed-by';
export const MANAGED_BY_VALUE = 'external-secrets';
export const CUSTOM_METADATA_KEY = 'custom_metadata';
/** ESO's refusal to touch a secret it did not create. */
export const NOT_MANAGED = 'secret not managed by external-secrets';

type Data = Record<string, unknown>;
const decoder = new TextDecoder();

function isRecord(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go's `esutils.JSONMarshal` of a `map[string]string`: keys sorted, no HTML escaping (JSON.stringify never escapes it). */
function marshalSorted(map: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]])));
}

/** ESO `esutils.ExtractSecretData`: the whole Secret as a JSON object of strings, or one key's bytes. */
export function extractSecretData(secret: { data: Record<string, Uint8Array> }, data: PushSecretData): Uint8Array {
  const key = data.secretKey ?? '';
  if (key === '') {
    const all: Record<string, string> = {};
    for (const [k, v] of Object.entries(secret.data)) all[k] = decoder.decode(v);
    return new TextEncoder().encode(marshalSorted(all));
  }
  if (!Object.hasOwn(secret.data, key)) throw new UserError(`failed to find secret key in secret with key: ${key}`);
  return secret.data[key] as Uint8Array;
}

/** JSON with sorted object keys, so two equal values serialize to the same bytes. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Constant-time equality of two byte strings (secret values). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** reflect.DeepEqual of two secret maps (nil ≠ empty, as in Go), comparing values in constant time. */
export function sameData(remote: Data | undefined, incoming: Data): boolean {
  if (remote === undefined) return false;
  const keys = Object.keys(remote);
  if (keys.length !== Object.keys(incoming).length) return false;
  let same = true;
  for (const k of keys) {
    if (!Object.hasOwn(incoming, k)) return false;
    const enc = new TextEncoder();
    if (!sameBytes(enc.encode(canonical(remote[k])), enc.encode(canonical(incoming[k])))) same = false;
  }
  return same;
}

/**
 * ESO `reconcileData`: the data to write and whether it differs from `remote`.
 * A property push merges into the remote map; a whole push replaces it with the JSON object.
 */
export function reconcileData(remote: Data | undefined, value: Uint8Array, property: string): { data: Data; needsUpdate: boolean } {
  if (property === '') {
    let incoming: unknown;
    try {
      incoming = JSON.parse(decoder.decode(value));
    } catch {
      incoming = undefined;
    }
    // Never echo the parse error: it may quote the secret.
    if (!isRecord(incoming)) {
      throw new UserError(remote === undefined ? 'error unmarshalling vault secret: invalid JSON format' : 'error unmarshalling incoming secret value: invalid JSON format');
    }
    return { data: incoming, needsUpdate: !sameData(remote, incoming) };
  }
  const data: Data = { ...(remote ?? {}) };
  let needsUpdate = true;
  const existing = remote?.[property];
  if (typeof existing === 'string' && sameBytes(new TextEncoder().encode(existing), value)) needsUpdate = false;
  data[property] = decoder.decode(value);
  return { data, needsUpdate };
}

export type MergePolicy = 'Merge' | 'Replace';

/** The vault spec of a PushSecretMetadata (ESO `PushSecretMetadataSpec`). */
export interface VaultPushMetadataSpec {
  customMetadata?: Record<string, string>;
  mergePolicy?: string;
}

const vaultPushMetadataSpec = z.strictObject({
  customMetadata: z.record(z.string(), z.string()).optional(),
  mergePolicy: z.string().optional(),
});

export function parseVaultPushMetadata(raw: Record<string, unknown> | undefined): VaultPushMetadataSpec | undefined {
  try {
    return parsePushSecretMetadata<VaultPushMetadataSpec>(raw, vaultPushMetadataSpec)?.spec;
  } catch (err) {
    throw new UserError(`failed to parse push secret metadata: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * ESO `reconcileKV2Metadata`: the custom_metadata to write and whether it changes. A new
 * secret gets `managed-by` plus the user's customMetadata; an existing one must already be
 * managed by external-secrets, and the user's keys are merged into (or replace) its map.
 */
export function reconcileKv2Metadata(
  exists: boolean,
  remote: Record<string, unknown> | undefined,
  spec: VaultPushMetadataSpec | undefined,
): { customMetadata: Record<string, string>; needsUpdate: boolean } {
  let policy: MergePolicy = 'Merge';
  const desired: Record<string, string> = { [MANAGED_BY_KEY]: MANAGED_BY_VALUE };
  if (spec !== undefined) {
    if (spec.mergePolicy !== undefined && spec.mergePolicy !== '') {
      if (spec.mergePolicy !== 'Merge' && spec.mergePolicy !== 'Replace') {
        throw new UserError(`unsupported merge policy ${JSON.stringify(spec.mergePolicy)}, must be one of: Merge, Replace`);
      }
      policy = spec.mergePolicy;
    }
    Object.assign(desired, spec.customMetadata ?? {});
  }
  // The ownership key is reserved: never user-overridable.
  desired[MANAGED_BY_KEY] = MANAGED_BY_VALUE;
  if (!exists) return { customMetadata: desired, needsUpdate: true };
  if (remote?.[MANAGED_BY_KEY] !== MANAGED_BY_VALUE) throw new UserError(NOT_MANAGED);
  const final: Record<string, string> = {};
  if (policy === 'Merge') for (const [k, v] of Object.entries(remote)) final[k] = String(v);
  Object.assign(final, desired);
  const remoteKeys = Object.keys(remote);
  const needsUpdate = remoteKeys.length !== Object.keys(final).length || remoteKeys.some((k) => remote[k] !== final[k]);
  return { customMetadata: final, needsUpdate };
}

/** ESO `getCurrentVersionFromMetadata`: `current_version`, or 1 when absent. */
export function currentVersionOf(metadata: Data | undefined): number {
  const v = metadata?.['current_version'];
  if (v === undefined) return 1;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new Error(`unexpected type for current_version: ${typeof v}`);
}
