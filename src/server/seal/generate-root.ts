/**
 * The `sys/generate-root/*` state machine (Vault's `vault/generate_root.go` and
 * `http/sys_generate_root.go`, Vault ≥1.10 behaviour): a new root token from a quorum of unseal
 * key shares, handed out encoded with a one-time pad so that no single key holder sees it.
 *
 * - `start()` (POST attempt) with no `otp` generates a base62 OTP of `otp_length` (28) and returns
 *   it once, in that response only; a client-supplied `otp` must have that length; a PGP key → 400
 *   (not supported). One attempt at a time, with a fresh UUID nonce.
 * - `update(share, nonce)` collects distinct shares (a repeat → 400, progress unchanged). At the
 *   threshold the shares are combined, progress resets (the attempt and its nonce stay), the
 *   candidate is checked against the barrier's root key; if right, a root token is created and
 *   returned as `encoded_token` (= `encoded_root_token`), and the attempt ends.
 * - Response bodies are Vault's, field for field (`GenerateRootStatusResponse`), ready to be sent
 *   as raw JSON.
 *
 * Shares, the combined key, the OTP and the token never appear in errors or logs; shares are
 * compared in constant time and zeroed when dropped.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { InternalError, SealedError, UserError } from '../../shared/errors.js';
import { INVALID_ROOT_KEY_MESSAGE } from '../barrier/index.js';
import { GENERATE_ROOT_OTP_LENGTH, encodeGeneratedToken, generateOtp } from '../../shared/root-token-otp.js';
import type { SealConfig } from './seal-config.js';
import { createSerial } from './serial.js';
import { MAX_UNSEAL_KEY_BYTES, MIN_UNSEAL_KEY_BYTES } from './shamir-seal.js';
import { InvalidUnsealKeyError, combineShares } from './shamir.js';

/** What the state machine needs from the server; the core wires it. */
export interface GenerateRootDeps {
  isSealed(): boolean;
  /** The barrier seal configuration (`t` is the number of shares required); null before init. */
  readSealConfig(): Promise<SealConfig | null>;
  /** True when `candidate` is the barrier's root key (`Barrier.verifyRootKey`). */
  verifyRootKey(candidate: Uint8Array): Promise<boolean>;
  /** Creates a new root token and returns its id (`hvs.` + 24 base62 characters). */
  createRootToken(): Promise<string>;
  /** Revokes a token created by `createRootToken` that could not be handed out. Optional. */
  revokeToken?(token: string): Promise<void>;
}

/** Vault's `GenerateRootStatusResponse`; every field is always sent. */
export interface GenerateRootStatus {
  nonce: string;
  started: boolean;
  progress: number;
  required: number;
  complete: boolean;
  encoded_token: string;
  encoded_root_token: string;
  pgp_fingerprint: string;
  otp: string;
  otp_length: number;
}

export interface GenerateRootStartInput {
  /** A client-chosen OTP of `otp_length` characters; omitted or '' → the server generates one. */
  otp?: string | undefined;
  /** Vault's PGP alternative to the OTP; any non-empty value → 400 (not supported). */
  pgpKey?: string | undefined;
}

export interface GenerateRootAttempt {
  /** True while an attempt is in progress. */
  readonly started: boolean;
  /** GET `sys/generate-root/attempt`. */
  status(): Promise<GenerateRootStatus>;
  /** POST `sys/generate-root/attempt`: the status, with `otp` set when the server generated it. */
  start(input?: GenerateRootStartInput): Promise<GenerateRootStatus>;
  /** POST `sys/generate-root/update`: one decoded share (`decodeUnsealKey`) and the attempt's nonce. */
  update(share: Uint8Array, nonce: string): Promise<GenerateRootStatus>;
  /** DELETE `sys/generate-root/attempt`: drops the attempt and its shares (no attempt: a no-op). */
  cancel(): Promise<void>;
  /** Drops any attempt without checks, e.g. when the server seals. */
  reset(): void;
}

export const GENERATE_ROOT_PGP_UNSUPPORTED = 'PGP-encrypted root tokens are not supported; use an OTP';

interface Attempt {
  readonly nonce: string;
  readonly otp: string;
  parts: Uint8Array[];
}

function wipe(parts: readonly Uint8Array[]): void {
  for (const part of parts) part.fill(0);
}

function sameShare(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/** Go's `%q` for the (non-secret) nonce in Vault's messages. */
const quote = (s: string): string => JSON.stringify(s);

export function createGenerateRootAttempt(deps: GenerateRootDeps): GenerateRootAttempt {
  let attempt: Attempt | null = null;
  const serial = createSerial();

  function drop(): void {
    if (attempt !== null) wipe(attempt.parts);
    attempt = null;
  }

  async function requireConfig(): Promise<SealConfig> {
    const config = await deps.readSealConfig();
    if (config === null) throw new UserError('server is not yet initialized');
    return config;
  }

  function requireUnsealed(): void {
    if (deps.isSealed()) throw new SealedError();
  }

  function body(fields: Partial<GenerateRootStatus> & Pick<GenerateRootStatus, 'required'>): GenerateRootStatus {
    return {
      nonce: '',
      started: false,
      progress: 0,
      complete: false,
      encoded_token: '',
      encoded_root_token: '',
      pgp_fingerprint: '',
      otp: '',
      otp_length: 0,
      ...fields,
    };
  }

  async function currentStatus(otp: string): Promise<GenerateRootStatus> {
    const config = await requireConfig();
    requireUnsealed();
    return body({
      required: config.secret_threshold,
      otp,
      otp_length: GENERATE_ROOT_OTP_LENGTH,
      ...(attempt !== null ? { nonce: attempt.nonce, started: true, progress: attempt.parts.length } : {}),
    });
  }

  return {
    get started(): boolean {
      return attempt !== null;
    },

    status: () => serial(() => currentStatus('')),

    start: (input = {}) =>
      serial(async () => {
        if (input.pgpKey !== undefined && input.pgpKey !== '') throw new UserError(GENERATE_ROOT_PGP_UNSUPPORTED);
        const supplied = input.otp !== undefined && input.otp !== '';
        if (supplied && Buffer.byteLength(input.otp ?? '', 'utf8') !== GENERATE_ROOT_OTP_LENGTH) {
          throw new UserError('OTP string is wrong length');
        }
        requireUnsealed();
        const config = await requireConfig();
        if (config.type !== 'shamir') throw new UserError('root generation with recovery keys is not supported');
        if (attempt !== null) throw new UserError('root generation already in progress');
        const otp = supplied ? (input.otp ?? '') : generateOtp(GENERATE_ROOT_OTP_LENGTH);
        attempt = { nonce: randomUUID(), otp, parts: [] };
        // Like Vault, a generated OTP is shown once, here; a supplied one is never echoed.
        return currentStatus(supplied ? '' : otp);
      }),

    update: (share, nonce) =>
      serial(async () => {
        if (share.byteLength < MIN_UNSEAL_KEY_BYTES) {
          throw new InvalidUnsealKeyError(`key is shorter than minimum ${MIN_UNSEAL_KEY_BYTES} bytes`);
        }
        if (share.byteLength > MAX_UNSEAL_KEY_BYTES) {
          throw new InvalidUnsealKeyError(`key is longer than maximum ${MAX_UNSEAL_KEY_BYTES} bytes`);
        }
        const config = await deps.readSealConfig();
        if (config === null) throw new UserError('Vault is not initialized');
        requireUnsealed();
        const current = attempt;
        if (current === null) throw new UserError('no root generation in progress');
        if (nonce !== current.nonce) {
          throw new UserError(`incorrect nonce supplied; nonce for this root generation operation is ${quote(current.nonce)}`);
        }
        if (current.parts.some((part) => sameShare(part, share))) {
          throw new UserError('given key has already been provided during this generation operation');
        }
        current.parts.push(new Uint8Array(share));
        const progress = current.parts.length;
        const required = config.secret_threshold;
        const partial = body({ nonce, started: true, progress, required });
        if (progress < required) return partial;

        // Threshold reached: progress resets whatever happens next; the attempt itself stays.
        const round = current.parts;
        current.parts = [];
        let candidate: Uint8Array;
        try {
          candidate = await combineShares(round);
        } catch (err) {
          const reason = err instanceof Error ? err.message.replace(/^invalid key: /, '') : 'invalid shares';
          throw new UserError(`failed to compute root key: ${reason}`);
        } finally {
          wipe(round);
        }
        let valid: boolean;
        try {
          valid = await deps.verifyRootKey(candidate);
        } finally {
          candidate.fill(0);
        }
        if (!valid) {
          throw new UserError(`root generation aborted: root key verification failed: ${INVALID_ROOT_KEY_MESSAGE}`);
        }

        const token = await deps.createRootToken();
        let encoded: string;
        try {
          encoded = encodeGeneratedToken(token, current.otp);
        } catch {
          await deps.revokeToken?.(token);
          throw new InternalError('root generation failed: the new root token does not match the OTP length');
        }
        if (attempt === current) attempt = null;
        return { ...partial, complete: true, encoded_token: encoded, encoded_root_token: encoded };
      }),

    cancel: () =>
      serial(async () => {
        requireUnsealed();
        drop();
      }),

    reset(): void {
      drop();
    },
  };
}
