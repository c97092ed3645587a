/**
 * The persisted seal configuration (Vault's `SealConfig`). Like Vault it is stored UNENCRYPTED in
 * physical storage — at `core/seal-config` (and `core/recovery-config` for auto-unseal recovery
 * keys) — because `sys/seal-status` and `sys/unseal` need `t`/`n` while sealed. It holds counts
 * only, never key material. The barrier refuses both paths, so they cannot be overwritten from above.
 *
 * JSON uses Vault's field names: `{"type":"shamir","secret_shares":5,"secret_threshold":3,"stored_shares":0}`.
 * `stored_shares` is 0 for Coffer's Shamir seal: the root key itself is split and nothing is
 * stored (Vault ≥1.3 stores the root key under a Shamir-derived key and uses 1; auto-unseal seals use 1).
 */
import type { PhysicalOp, PhysicalStorage } from '../storage/physical.js';
import { InternalError, UserError } from '../../shared/errors.js';
import { validateShamirConfig } from './shamir.js';

export const SEAL_CONFIG_PATH = 'core/seal-config';
export const RECOVERY_CONFIG_PATH = 'core/recovery-config';

export const SEAL_TYPES = ['shamir', 'transit', 'pkcs11'] as const;
export type SealType = (typeof SEAL_TYPES)[number];

export interface SealConfig {
  type: SealType;
  secret_shares: number;
  secret_threshold: number;
  stored_shares: number;
}

/** `barrier`: the seal's own configuration; `recovery`: recovery keys under auto-unseal. */
export type SealConfigKind = 'barrier' | 'recovery';

function pathFor(kind: SealConfigKind): string {
  return kind === 'barrier' ? SEAL_CONFIG_PATH : RECOVERY_CONFIG_PATH;
}

function isSealType(value: unknown): value is SealType {
  return typeof value === 'string' && (SEAL_TYPES as readonly string[]).includes(value);
}

/** Checks a configuration about to be written; caller mistakes are `UserError`s in Vault's wording. */
export function validateSealConfig(config: SealConfig): void {
  if (!isSealType(config.type)) throw new UserError(`invalid seal configuration: unknown seal type "${String(config.type)}"`);
  validateShamirConfig(config.secret_shares, config.secret_threshold);
  if (!Number.isInteger(config.stored_shares) || config.stored_shares < 0) {
    throw new UserError('invalid seal configuration: stored shares must be a non-negative integer');
  }
  if (config.stored_shares > config.secret_shares) {
    throw new UserError('invalid seal configuration: stored keys cannot be larger than shares');
  }
}

export function encodeSealConfig(config: SealConfig): Uint8Array {
  validateSealConfig(config);
  const doc = {
    type: config.type,
    secret_shares: config.secret_shares,
    secret_threshold: config.secret_threshold,
    stored_shares: config.stored_shares,
  };
  return new Uint8Array(Buffer.from(JSON.stringify(doc), 'utf8'));
}

/** Parses a stored configuration. Anything malformed is corruption: `InternalError`. */
export function decodeSealConfig(bytes: Uint8Array): SealConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new InternalError('seal: stored seal configuration is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InternalError('seal: stored seal configuration is not an object');
  }
  const record = doc as Record<string, unknown>;
  const config = {
    type: record['type'],
    secret_shares: record['secret_shares'],
    secret_threshold: record['secret_threshold'],
    stored_shares: record['stored_shares'] ?? 0,
  };
  if (
    !isSealType(config.type) ||
    typeof config.secret_shares !== 'number' ||
    typeof config.secret_threshold !== 'number' ||
    typeof config.stored_shares !== 'number'
  ) {
    throw new InternalError('seal: stored seal configuration has missing or mistyped fields');
  }
  const parsed: SealConfig = {
    type: config.type,
    secret_shares: config.secret_shares,
    secret_threshold: config.secret_threshold,
    stored_shares: config.stored_shares,
  };
  try {
    validateSealConfig(parsed);
  } catch (err) {
    throw new InternalError(`seal: stored seal configuration is invalid: ${err instanceof Error ? err.message : 'invalid'}`);
  }
  return parsed;
}

/** The stored configuration, or null before `sys/init`. */
export async function readSealConfig(physical: PhysicalStorage, kind: SealConfigKind = 'barrier'): Promise<SealConfig | null> {
  const raw = await physical.get(pathFor(kind));
  return raw === null ? null : decodeSealConfig(raw);
}

export async function writeSealConfig(
  physical: PhysicalStorage,
  config: SealConfig,
  kind: SealConfigKind = 'barrier',
): Promise<void> {
  await physical.put(pathFor(kind), encodeSealConfig(config));
}

/** The same write as a transaction op, e.g. to store it atomically with other init state. */
export function sealConfigOp(config: SealConfig, kind: SealConfigKind = 'barrier'): PhysicalOp {
  return { op: 'put', key: pathFor(kind), value: encodeSealConfig(config) };
}
