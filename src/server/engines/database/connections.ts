/**
 * Live plugin instances, one per connection config. An instance is created lazily from
 * the stored config (so nothing has to be rewritten after a restart), replaced when the
 * config is written, reset or its root password rotated, and closed on delete and
 * cleanup. Creation runs under a per-name lock so concurrent first requests share one
 * instance; a replaced instance is closed only once the calls already using it finish.
 */
import { UserError, errorMessage } from '../../../shared/errors.js';
import { KeyedMutex } from '../../../shared/keyed-mutex.js';
import type { Storage } from '../../sdk/index.js';
import type { DatabaseEngineLogger } from './context.js';
import type { DatabasePlugin, DatabasePluginFactory } from './plugins/types.js';
import { SECRET_CONNECTION_KEYS, pluginFailure } from './redact.js';
import { getConfig, type ConnectionConfig } from './store.js';

interface Instance {
  readonly plugin: DatabasePlugin;
  /** The connection's own secrets, scrubbed from any error its calls throw. */
  readonly secrets: readonly string[];
  inUse: number;
  retired: boolean;
  closing: Promise<void> | null;
}

export const CREATE_ERROR_PREFIX = 'error creating database object: ';

/** The factory for `pluginName`, or a `UserError` naming it and the known ones. */
export function pluginFactoryFor(
  plugins: Readonly<Record<string, DatabasePluginFactory>>,
  pluginName: string,
): DatabasePluginFactory {
  const factory = Object.prototype.hasOwnProperty.call(plugins, pluginName) ? plugins[pluginName] : undefined;
  if (factory === undefined) {
    const known = Object.keys(plugins).sort().join(', ');
    throw new UserError(
      `${CREATE_ERROR_PREFIX}unknown database plugin ${JSON.stringify(pluginName)}${known === '' ? '' : ` (available: ${known})`}`,
    );
  }
  return factory;
}

/** Secret connection settings (the password, a private key) worth scrubbing from error messages. */
function connectionSecrets(config: ConnectionConfig): string[] {
  const out: string[] = [];
  for (const key of SECRET_CONNECTION_KEYS) {
    const value = config.connection_details[key];
    if (typeof value === 'string' && value.length >= 4) out.push(value);
  }
  return out;
}

export class ConnectionManager {
  private readonly instances = new Map<string, Instance>();
  /** Per config name: instance creation and every config change (write, delete, reset, rotate-root). */
  readonly locks = new KeyedMutex();

  constructor(
    private readonly storage: Storage,
    private readonly plugins: Readonly<Record<string, DatabasePluginFactory>>,
    private readonly logger: DatabaseEngineLogger,
  ) {}

  /** Runs `fn` with the connection's plugin, creating the instance from the stored config if needed. */
  async use<T>(name: string, fn: (plugin: DatabasePlugin) => Promise<T>): Promise<T> {
    for (;;) {
      const existing = this.instances.get(name);
      const instance = existing ?? (await this.locks.run(name, () => this.acquireLocked(name)));
      // It may have been replaced while we waited for the lock or the microtask queue.
      if (instance.retired) continue;
      return this.runOn(instance, fn);
    }
  }

  /** `use` for a caller that already holds `locks` for `name`. */
  async useLocked<T>(name: string, fn: (plugin: DatabasePlugin) => Promise<T>): Promise<T> {
    return this.runOn(await this.acquireLocked(name), fn);
  }

  /** Installs a freshly initialised instance for `config` (caller holds the lock); the old one is retired. */
  install(name: string, plugin: DatabasePlugin, config: ConnectionConfig): void {
    const old = this.instances.get(name);
    this.instances.set(name, { plugin, secrets: connectionSecrets(config), inUse: 0, retired: false, closing: null });
    if (old !== undefined) this.retire(name, old);
  }

  /** Forgets and closes the connection's instance (caller holds the lock). */
  remove(name: string): void {
    const old = this.instances.get(name);
    if (old === undefined) return;
    this.instances.delete(name);
    this.retire(name, old);
  }

  /** Whether an instance is live (for tests and the reset path). */
  has(name: string): boolean {
    return this.instances.has(name);
  }

  /** Creates (initialises) an instance for a config without installing it. */
  async open(config: ConnectionConfig, verifyConnection: boolean): Promise<{ plugin: DatabasePlugin; details: Record<string, unknown> }> {
    const plugin = pluginFactoryFor(this.plugins, config.plugin_name)();
    try {
      const resp = await plugin.initialize({ config: config.connection_details, verifyConnection });
      return { plugin, details: resp.config };
    } catch (err) {
      await this.closeQuietly('', plugin);
      throw pluginFailure(err, CREATE_ERROR_PREFIX, connectionSecrets(config));
    }
  }

  /** Closes every instance (mount cleanup); in-flight calls finish first. */
  async closeAll(): Promise<void> {
    const all = [...this.instances.entries()];
    this.instances.clear();
    await Promise.all(all.map(([name, instance]) => this.retire(name, instance)));
  }

  private async acquireLocked(name: string): Promise<Instance> {
    const existing = this.instances.get(name);
    if (existing !== undefined) return existing;
    const config = await getConfig(this.storage, name);
    if (config === null) throw new UserError(`failed to find entry for connection with name: ${JSON.stringify(name)}`);
    const { plugin } = await this.open(config, true);
    const instance: Instance = { plugin, secrets: connectionSecrets(config), inUse: 0, retired: false, closing: null };
    this.instances.set(name, instance);
    return instance;
  }

  private async runOn<T>(instance: Instance, fn: (plugin: DatabasePlugin) => Promise<T>): Promise<T> {
    instance.inUse += 1;
    try {
      return await fn(instance.plugin);
    } catch (err) {
      const message = errorMessage(err);
      throw instance.secrets.some((secret) => message.includes(secret)) ? pluginFailure(err, '', instance.secrets) : err;
    } finally {
      instance.inUse -= 1;
      if (instance.retired && instance.inUse === 0) void this.close('', instance);
    }
  }

  private retire(name: string, instance: Instance): Promise<void> {
    instance.retired = true;
    return instance.inUse === 0 ? this.close(name, instance) : Promise.resolve();
  }

  private close(name: string, instance: Instance): Promise<void> {
    instance.closing ??= this.closeQuietly(name, instance.plugin);
    return instance.closing;
  }

  private async closeQuietly(name: string, plugin: DatabasePlugin): Promise<void> {
    try {
      await plugin.close();
    } catch (err) {
      this.logger.warn({ connection: name, error: errorMessage(err) }, 'error closing database plugin instance');
    }
  }
}
