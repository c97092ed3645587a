/**
 * The transit secrets engine (Vault's `transit`): encryption as a service with named keys
 * that never leave the server unless made exportable. Ciphertexts, signatures, HMACs,
 * stored keys and backups are byte-compatible with Vault's.
 */
import { errorMessage } from '../../../shared/errors.js';
import { defineBackend, type BackendFactory, type BackendSpec } from '../../sdk/index.js';
import type { TransitContext } from './context.js';
import { KeyStore } from './key-store.js';
import { pathsBackup } from './path-backup.js';
import { pathsCrypt } from './path-crypt.js';
import { pathsKeys } from './path-keys.js';
import { pathsSign } from './path-sign.js';
import { pathsTools } from './path-tools.js';

export { KeyStore } from './key-store.js';

export const TRANSIT_HELP = `The transit backend encrypts and decrypts data, signs and verifies it, and
computes HMACs, with named keys held by the server. It stores no data it
processes: only the keys, which can be rotated, versioned, exported (when
allowed) and backed up.`;

export interface TransitFactoryOptions {
  /** Clock in epoch milliseconds (tests pin it to check auto-rotation). */
  now?: () => number;
  /** How often keys are checked for auto-rotation, in ms (they are also checked on use); 0 disables the timer. */
  rotationSweepMs?: number;
  /** Reports sweep failures (never key material); defaults to ignoring them. */
  onSweepError?: (message: string) => void;
}

export function createTransitFactory(options: TransitFactoryOptions = {}): BackendFactory {
  const now = options.now ?? Date.now;
  const sweepMs = options.rotationSweepMs ?? 60_000;
  return ({ storage }): BackendSpec => {
    const ctx: TransitContext = { store: new KeyStore(storage, now), now };
    let timer: NodeJS.Timeout | undefined;
    let sweeping = false;
    return defineBackend({
      kind: 'logical',
      help: TRANSIT_HELP,
      paths: [...pathsKeys(ctx), ...pathsCrypt(ctx), ...pathsSign(ctx), ...pathsTools(ctx), ...pathsBackup(ctx)],
      async initialize() {
        await ctx.store.loadCacheConfig();
        if (sweepMs > 0) {
          timer = setInterval(() => {
            if (sweeping) return;
            sweeping = true;
            ctx.store
              .rotateDue()
              .catch((err: unknown) => options.onSweepError?.(errorMessage(err)))
              .finally(() => {
                sweeping = false;
              });
          }, sweepMs);
          timer.unref();
        }
      },
      async cleanup() {
        if (timer) clearInterval(timer);
        timer = undefined;
      },
    });
  };
}

/** The `transit` backend factory. */
export const transitFactory: BackendFactory = createTransitFactory();
