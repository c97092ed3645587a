/**
 * State shared by the KV v2 paths of one mount: the per-key locks, the clock and the
 * upgrade flag every handler checks first.
 */
import { UserError } from '../../../shared/errors.js';
import type { FieldShape, Handler } from '../../sdk/index.js';
import { KeyedMutex } from '../../../shared/keyed-mutex.js';
import { noKvEvents, type KvEmit } from './events.js';

export const UPGRADING_MESSAGE =
  'Upgrading from non-versioned to versioned data. This backend will be unavailable for a brief period and will resume service shortly.';

export interface KvV2Context {
  /** Serialises read-modify-write cycles per logical key (and `config`). */
  readonly locks: KeyedMutex;
  /** Epoch milliseconds. */
  now(): number;
  /**
   * True until `initialize` has checked (and if needed run) the v1 → v2 upgrade, and for
   * good if that failed; requests then get a 400.
   */
  upgrading: boolean;
  /** Settles when the upgrade check ends, successfully or not. */
  readonly upgradeFinished: Promise<void>;
  /** Settles `upgradeFinished`. */
  readonly endUpgrade: () => void;
  /** Publishes a `kv-v2/*` event; called only after the change committed. */
  readonly emit: KvEmit;
}

export function createContext(now: () => number, emit: KvEmit = noKvEvents): KvV2Context {
  let endUpgrade!: () => void;
  const upgradeFinished = new Promise<void>((resolve) => {
    endUpgrade = resolve;
  });
  return { locks: new KeyedMutex(), now, upgrading: true, upgradeFinished, endUpgrade, emit };
}

/** Lock name of the mount-wide config (cannot collide with a key path: those never start with NUL). */
export const CONFIG_LOCK = '\u0000config';

/**
 * Vault's `upgradeCheck`: while an upgrade runs, wait a moment (clients that hit a freshly
 * enabled mount usually succeed), then refuse with the documented 400.
 */
export function upgradeGuard<S extends FieldShape>(ctx: KvV2Context, next: Handler<S>): Handler<S> {
  return async (req, fields) => {
    if (ctx.upgrading) {
      let timer: NodeJS.Timeout | undefined;
      const pause = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 15);
        timer.unref();
      });
      await Promise.race([ctx.upgradeFinished, pause]);
      clearTimeout(timer);
      if (ctx.upgrading) throw new UserError(UPGRADING_MESSAGE);
    }
    return next(req, fields);
  };
}

/** True when the request body/query carried `name` explicitly as JSON `null`. */
export function sentNull(data: Readonly<Record<string, unknown>>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(data, name) && data[name] === null;
}
