/**
 * The `sys/rekey/*` state machine for the Shamir seal (Vault's `vault/rekey.go` and
 * `http/sys_rekey.go`): a quorum of the CURRENT unseal key shares authorises a new root key, split
 * per a new `secret_shares`/`secret_threshold`.
 *
 * - `start()` (POST init) records the new configuration under a fresh UUID nonce; one at a time.
 *   PGP-encrypted shares (and so `backup`) are not supported → 400.
 * - `update(share, nonce)` collects distinct current shares up to the CURRENT threshold. At the
 *   threshold progress resets (the attempt stays), the combined key is checked against the barrier;
 *   if right a new random root key is generated and split, and either
 *     - committed at once (`commitRekey`: keyring re-encrypted + new seal config, atomically), or
 *     - with `require_verification`, held in memory until a threshold of the NEW shares comes back
 *       through `verifyUpdate` (`sys/rekey/verify`); only then is it committed. Cancelling before
 *       that keeps the current shares valid.
 * - Coffer splits the root key itself (`stored_shares` 0), so the new shares open the barrier
 *   directly; Vault ≥1.3 splits a key-encryption key instead. Nothing else differs for a client.
 * - DELETE init follows current Vault: while the attempt is younger than `cancelNonceGraceMs`
 *   (10 minutes) the attempt's `nonce` must be given, else 400 `invalid request`.
 *
 * Response bodies are Vault's, field for field. Shares and keys never appear in errors or logs;
 * shares are compared in constant time and zeroed when dropped, the pending new key on cancel.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { InternalError, SealedError, UserError, errorMessage } from '../../shared/errors.js';
import type { Barrier } from '../barrier/index.js';
import { INVALID_ROOT_KEY_MESSAGE } from '../barrier/index.js';
import { sealConfigOp } from './seal-config.js';
import type { SealConfig } from './seal-config.js';
import { createSerial } from './serial.js';
import { MAX_UNSEAL_KEY_BYTES, MIN_UNSEAL_KEY_BYTES } from './shamir-seal.js';
import { ROOT_KEY_BYTES, combineShares, splitRootKey, validateShamirConfig } from './shamir.js';

/** What the state machine needs from the server; the core wires it. */
export interface RekeyDeps {
  isSealed(): boolean;
  /** The barrier seal configuration currently in force; null before init. */
  readSealConfig(): Promise<SealConfig | null>;
  /** True when `candidate` is the barrier's root key (`Barrier.verifyRootKey`). */
  verifyRootKey(candidate: Uint8Array): Promise<boolean>;
  /**
   * Makes `newRootKey` the root key and `newConfig` the seal configuration, atomically (see
   * `rekeyCommitter`). Must reject without changing anything on failure.
   */
  commitRekey(newRootKey: Uint8Array, newConfig: SealConfig): Promise<void>;
}

export interface RekeyOperationOptions {
  /**
   * Milliseconds during which DELETE `sys/rekey/init` must carry the attempt's nonce (Vault: 10
   * minutes). 0 lets anyone cancel at any time (Vault before the change).
   */
  cancelNonceGraceMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export const DEFAULT_REKEY_CANCEL_GRACE_MS = 10 * 60 * 1000;

export interface RekeyStartInput {
  secretShares: number;
  secretThreshold: number;
  /** Vault's PGP encryption of the new shares: any key → 400 (not supported). */
  pgpKeys?: readonly string[] | undefined;
  /** Only meaningful with PGP keys: true → 400. */
  backup?: boolean | undefined;
  requireVerification?: boolean | undefined;
}

/** Vault's `RekeyStatusResponse` (GET/PUT `sys/rekey/init`, and a non-final update). */
export interface RekeyStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
  required: number;
  pgp_fingerprints: string[] | null;
  backup: boolean;
  verification_required: boolean;
  /** Present only while verification is pending (Go `omitempty`). */
  verification_nonce?: string;
}

/** Vault's `RekeyUpdateResponse`: the final update, with the new shares. */
export interface RekeyUpdateResponse {
  nonce: string;
  complete: true;
  keys: string[];
  keys_base64: string[];
  pgp_fingerprints: string[] | null;
  backup: boolean;
  verification_required: boolean;
  /** Present only with verification (Go `omitempty`): the nonce for `sys/rekey/verify`. */
  verification_nonce?: string;
}

/** Vault's `RekeyVerificationStatusResponse` (GET/DELETE `sys/rekey/verify`, a non-final verify). */
export interface RekeyVerificationStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
}

/** Vault's `RekeyVerificationUpdateResponse`: the rekey took effect. */
export interface RekeyVerificationComplete {
  nonce: string;
  complete: true;
}

export interface RekeyOperation {
  /** True while a rekey (including its verification phase) is in progress. */
  readonly started: boolean;
  /** GET `sys/rekey/init`. */
  status(): Promise<RekeyStatus>;
  /** PUT `sys/rekey/init`. */
  start(input: RekeyStartInput): Promise<RekeyStatus>;
  /** PUT `sys/rekey/update`: one decoded CURRENT share and the rekey nonce. */
  update(share: Uint8Array, nonce: string): Promise<RekeyUpdateResponse | RekeyStatus>;
  /** DELETE `sys/rekey/init` (see `cancelNonceGraceMs`). No attempt: a no-op. */
  cancel(nonce?: string): Promise<void>;
  /** GET `sys/rekey/verify`. */
  verifyStatus(): Promise<RekeyVerificationStatus>;
  /** PUT `sys/rekey/verify`: one decoded NEW share and the verification nonce. */
  verifyUpdate(share: Uint8Array, nonce: string): Promise<RekeyVerificationComplete | RekeyVerificationStatus>;
  /** DELETE `sys/rekey/verify`: drops the verification progress and rotates its nonce. */
  verifyRestart(): Promise<RekeyVerificationStatus>;
  /** Drops everything (shares, pending key) without checks, e.g. when the server seals. */
  reset(): void;
}

export const REKEY_PGP_UNSUPPORTED = 'PGP-encrypted key shares are not supported';

/**
 * The usual `commitRekey`: the keyring re-encrypted under the new key and the new seal config,
 * in one physical transaction (`Barrier.rekey` with the config as a companion op). `onCommitted`
 * runs after the write, e.g. to refresh a cached seal config.
 */
export function rekeyCommitter(
  barrier: Pick<Barrier, 'rekey'>,
  onCommitted?: (config: SealConfig) => void,
): (newRootKey: Uint8Array, newConfig: SealConfig) => Promise<void> {
  return async (newRootKey, newConfig) => {
    await barrier.rekey(newRootKey, { physicalOps: [sealConfigOp(newConfig)] });
    onCommitted?.(newConfig);
  };
}

interface Verification {
  nonce: string;
  /** The new root key, not yet in force. */
  readonly key: Uint8Array;
  parts: Uint8Array[];
}

interface Attempt {
  readonly nonce: string;
  readonly created: number;
  readonly shares: number;
  readonly threshold: number;
  readonly verificationRequired: boolean;
  parts: Uint8Array[];
  verification: Verification | null;
}

function wipe(parts: readonly Uint8Array[]): void {
  for (const part of parts) part.fill(0);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/** Go's `%q` for the (non-secret) nonces in Vault's messages. */
const quote = (s: string): string => JSON.stringify(s);

function checkShareLength(share: Uint8Array): void {
  if (share.byteLength < MIN_UNSEAL_KEY_BYTES) throw new UserError(`key is shorter than minimum ${MIN_UNSEAL_KEY_BYTES} bytes`);
  if (share.byteLength > MAX_UNSEAL_KEY_BYTES) throw new UserError(`key is longer than maximum ${MAX_UNSEAL_KEY_BYTES} bytes`);
}

async function combine(parts: readonly Uint8Array[], what: string): Promise<Uint8Array> {
  try {
    return await combineShares(parts);
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^invalid key: /, '') : 'invalid shares';
    throw new UserError(`failed to compute ${what}: ${reason}`);
  }
}

export function createRekeyOperation(deps: RekeyDeps, options: RekeyOperationOptions = {}): RekeyOperation {
  const grace = options.cancelNonceGraceMs ?? DEFAULT_REKEY_CANCEL_GRACE_MS;
  const now = options.now ?? Date.now;
  let attempt: Attempt | null = null;
  const serial = createSerial();

  function drop(): void {
    if (attempt !== null) {
      wipe(attempt.parts);
      if (attempt.verification !== null) {
        wipe(attempt.verification.parts);
        attempt.verification.key.fill(0);
      }
    }
    attempt = null;
  }

  function requireUnsealed(): void {
    if (deps.isSealed()) throw new SealedError();
  }

  async function requireConfig(): Promise<SealConfig> {
    const config = await deps.readSealConfig();
    if (config === null) throw new UserError('server is not yet initialized');
    return config;
  }

  async function currentStatus(): Promise<RekeyStatus> {
    const config = await requireConfig();
    requireUnsealed();
    const status: RekeyStatus = {
      nonce: '',
      started: false,
      t: 0,
      n: 0,
      progress: 0,
      required: config.secret_threshold,
      pgp_fingerprints: null,
      backup: false,
      verification_required: false,
    };
    if (attempt !== null) {
      status.nonce = attempt.nonce;
      status.started = true;
      status.t = attempt.threshold;
      status.n = attempt.shares;
      status.progress = attempt.parts.length;
      status.verification_required = attempt.verificationRequired;
      if (attempt.verification !== null) status.verification_nonce = attempt.verification.nonce;
    }
    return status;
  }

  async function currentVerifyStatus(): Promise<RekeyVerificationStatus> {
    await requireConfig();
    requireUnsealed();
    if (attempt === null) throw new UserError('no rekey configuration found');
    const verification = attempt.verification;
    return {
      nonce: verification?.nonce ?? '',
      started: verification !== null,
      t: attempt.threshold,
      n: attempt.shares,
      progress: verification?.parts.length ?? 0,
    };
  }

  function newConfigFor(current: Attempt, base: SealConfig): SealConfig {
    return { type: base.type, secret_shares: current.shares, secret_threshold: current.threshold, stored_shares: 0 };
  }

  async function commit(current: Attempt, key: Uint8Array, what: string): Promise<void> {
    const base = await requireConfig();
    try {
      await deps.commitRekey(key, newConfigFor(current, base));
    } catch (err) {
      throw new InternalError(`failed to perform ${what}: ${errorMessage(err)}`, { cause: err });
    }
  }

  return {
    get started(): boolean {
      return attempt !== null;
    },

    status: () => serial(currentStatus),

    start: (input) =>
      serial(async () => {
        const pgpKeys = input.pgpKeys ?? [];
        if (input.backup === true && pgpKeys.length === 0) {
          throw new UserError('cannot request a backup of the new keys without providing PGP keys for encryption');
        }
        if (pgpKeys.length > 0) throw new UserError(REKEY_PGP_UNSUPPORTED);
        const { secretShares: shares, secretThreshold: threshold } = input;
        if (threshold > shares) throw new UserError('provided threshold greater than the total shares');
        try {
          validateShamirConfig(shares, threshold);
        } catch (err) {
          const reason = errorMessage(err).replace(/^invalid seal configuration: /, '');
          throw new UserError(`invalid rekey seal configuration: ${reason}`);
        }
        requireUnsealed();
        const config = await requireConfig();
        if (config.type !== 'shamir') throw new UserError('rekeying the barrier key with recovery keys is not supported');
        if (attempt !== null) throw new UserError('rekey already in progress');
        attempt = {
          nonce: randomUUID(),
          created: now(),
          shares,
          threshold,
          verificationRequired: input.requireVerification === true,
          parts: [],
          verification: null,
        };
        return currentStatus();
      }),

    update: (share, nonce) =>
      serial(async (): Promise<RekeyUpdateResponse | RekeyStatus> => {
        requireUnsealed();
        checkShareLength(share);
        const existing = await deps.readSealConfig();
        if (existing === null) throw new UserError('Vault is not initialized');
        const current = attempt;
        if (current === null) throw new UserError('no barrier rekey in progress');
        if (current.verification !== null) {
          throw new UserError(
            `rekey operation already finished; verification must be performed; nonce for the verification operation is ${quote(current.verification.nonce)}`,
          );
        }
        if (nonce !== current.nonce) {
          throw new UserError(`incorrect nonce supplied; nonce for this rekey operation is ${quote(current.nonce)}`);
        }
        // Vault's wording (its barrier rekey reuses the generate-root text).
        if (current.parts.some((part) => sameBytes(part, share))) {
          throw new UserError('given key has already been provided during this generation operation');
        }
        current.parts.push(new Uint8Array(share));
        if (current.parts.length < existing.secret_threshold) return currentStatus();

        // Threshold reached: progress resets whatever happens next; the attempt stays.
        const round = current.parts;
        current.parts = [];
        let candidate: Uint8Array;
        try {
          candidate = await combine(round, 'root key');
        } finally {
          wipe(round);
        }
        let valid: boolean;
        try {
          valid = await deps.verifyRootKey(candidate);
        } finally {
          candidate.fill(0);
        }
        if (!valid) throw new UserError(`root key verification failed: ${INVALID_ROOT_KEY_MESSAGE}`);

        const newKey = new Uint8Array(randomBytes(ROOT_KEY_BYTES));
        let parts: Uint8Array[];
        try {
          parts = await splitRootKey(newKey, current.shares, current.threshold);
        } catch (err) {
          newKey.fill(0);
          throw err;
        }
        const response: RekeyUpdateResponse = {
          nonce,
          complete: true,
          keys: parts.map((p) => Buffer.from(p).toString('hex')),
          keys_base64: parts.map((p) => Buffer.from(p).toString('base64')),
          pgp_fingerprints: null,
          backup: false,
          verification_required: false,
        };
        wipe(parts);

        if (current.verificationRequired) {
          if (attempt !== current) {
            newKey.fill(0);
            throw new SealedError();
          }
          current.verification = { nonce: randomUUID(), key: newKey, parts: [] };
          return { ...response, verification_required: true, verification_nonce: current.verification.nonce };
        }
        try {
          await commit(current, newKey, 'barrier rekey');
        } finally {
          newKey.fill(0);
        }
        if (attempt === current) attempt = null;
        return response;
      }),

    cancel: (nonce) =>
      serial(async () => {
        requireUnsealed();
        const current = attempt;
        if (current !== null && grace > 0 && nonce !== current.nonce && now() - current.created < grace) {
          throw new UserError('invalid request');
        }
        drop();
      }),

    verifyStatus: () => serial(currentVerifyStatus),

    verifyUpdate: (share, nonce) =>
      serial(async (): Promise<RekeyVerificationComplete | RekeyVerificationStatus> => {
        requireUnsealed();
        checkShareLength(share);
        const current = attempt;
        if (current === null) throw new UserError('no rekey in progress');
        const verification = current.verification;
        if (verification === null) throw new UserError('no rekey verification in progress');
        if (nonce !== verification.nonce) {
          throw new UserError(`incorrect nonce supplied; nonce for this verify operation is ${quote(verification.nonce)}`);
        }
        if (verification.parts.some((part) => sameBytes(part, share))) {
          throw new UserError('given key has already been provided during this verify operation');
        }
        verification.parts.push(new Uint8Array(share));
        if (verification.parts.length < current.threshold) return currentVerifyStatus();

        // Threshold reached: progress is forgotten; unless the rekey completes, the nonce rotates.
        const round = verification.parts;
        verification.parts = [];
        let completed = false;
        try {
          let candidate: Uint8Array;
          try {
            candidate = await combine(round, 'key for verification');
          } finally {
            wipe(round);
          }
          let matches: boolean;
          try {
            matches = sameBytes(candidate, verification.key);
          } finally {
            candidate.fill(0);
          }
          if (!matches) throw new UserError('rekey verification failed; incorrect key shares supplied');
          await commit(current, verification.key, 'rekey');
          completed = true;
        } finally {
          if (!completed) verification.nonce = randomUUID();
        }
        const result: RekeyVerificationComplete = { nonce: verification.nonce, complete: true };
        if (attempt === current) drop();
        else verification.key.fill(0);
        return result;
      }),

    verifyRestart: () =>
      serial(async () => {
        requireUnsealed();
        const verification = attempt?.verification ?? null;
        if (verification !== null) {
          wipe(verification.parts);
          verification.parts = [];
          verification.nonce = randomUUID();
        }
        return currentVerifyStatus();
      }),

    reset(): void {
      drop();
    },
  };
}
