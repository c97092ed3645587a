/**
 * State shared by the paths of one database mount: the plugin registry, the live plugin
 * instances, the per-role locks, the clock, the rotation scheduler and the logger.
 */
import type { KeyedMutex } from '../../../shared/keyed-mutex.js';
import type { MountView, Storage, SystemView } from '../../sdk/index.js';
import type { ConnectionManager } from './connections.js';
import type { DatabasePluginFactory } from './plugins/types.js';
import type { RotationScheduler } from './rotation.js';

/** Where the engine explains failures it cannot return to a caller (pino's Logger fits). Never given a secret. */
export interface DatabaseEngineLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export const silentDatabaseLogger: DatabaseEngineLogger = {
  info() {},
  warn() {},
  error() {},
};

export interface DatabaseContext {
  /** The mount's storage view (the scheduler works outside requests). */
  readonly storage: Storage;
  readonly mount: MountView;
  readonly system: SystemView;
  /** Plugin factories by `plugin_name`. */
  readonly plugins: Readonly<Record<string, DatabasePluginFactory>>;
  /** Epoch milliseconds. */
  now(): number;
  readonly logger: DatabaseEngineLogger;
  readonly connections: ConnectionManager;
  /**
   * Serialises writes and rotations per role name. Dynamic and static roles share it
   * because their names must be unique across both kinds.
   */
  readonly roleLocks: KeyedMutex;
  readonly scheduler: RotationScheduler;
}

/** Vault's `framework.GenericNameRegex`. */
export const NAME_PATTERN = '\\w(?:[\\w.-]*\\w)?';
