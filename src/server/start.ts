/**
 * The composition root: builds storage, barrier, core and HTTP from options or a config
 * file, and starts listening. Nothing else in the server wires subsystems together.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { UserError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { REPORTED_VERSION } from '../shared/version.js';
import { createBarrier } from './barrier/index.js';
import { loadServerConfig, type ServerConfig } from './config/index.js';
import { Core } from './core/index.js';
import { createAuthMethods } from './auth/index.js';
import { createSecretEngines } from './engines/index.js';
import { createServerMetrics } from './metrics/index.js';
import { createHttpApp, DEFAULT_MAX_REQUEST_SIZE } from './http/app.js';
import type { RunningServer, StartServerOptions } from './index.js';
import { createInmemStorage, createSqliteStorage, withReadCache, type PhysicalStorage } from './storage/index.js';

export const DEV_LISTEN_ADDRESS = '127.0.0.1:8200';

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  if (options.dev) {
    const level = options.logLevel ?? 'info';
    return startDevServer(options.dev, createLogger({ level, name: 'coffer' }), level);
  }
  if (!options.configPath) throw new UserError('a config file (-config) or dev mode (-dev) is required');
  const config = await loadServerConfig(options.configPath);
  // The -log-level flag wins over the config file, as in Vault.
  const level = options.logLevel ?? config.logLevel ?? 'info';
  const logger = createLogger({ level, name: 'coffer' });
  for (const warning of config.warnings) logger.warn(warning);
  return startFromConfig(config, logger, level);
}

async function startDevServer(dev: NonNullable<StartServerOptions['dev']>, logger: Logger, logLevel: string): Promise<RunningServer> {
  const core = createCore(createInmemStorage(), logger, {});
  const { keys, rootToken: generatedRoot } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
  const unsealKey = Buffer.from(keys[0] as Uint8Array).toString('base64');
  await core.unsealWithKeys(keys);
  const rootToken = dev.rootTokenId ? await core.createRootToken(dev.rootTokenId) : generatedRoot;
  await core.mount({
    path: 'secret/',
    type: dev.kvV1 ? 'kv' : 'kv-v2',
    description: 'key/value secret storage',
    options: dev.kvV1 ? { version: '1' } : null,
  });
  const listener = await serve(core, logger, logLevel, [{ address: dev.listenAddress ?? DEV_LISTEN_ADDRESS, maxRequestSize: DEFAULT_MAX_REQUEST_SIZE }]);
  return { ...listener, rootToken, unsealKey };
}

async function startFromConfig(config: ServerConfig, logger: Logger, logLevel: string): Promise<RunningServer> {
  if (config.seal) {
    // Refuse rather than silently run Shamir when the operator asked for auto-unseal.
    throw new UserError(`seal "${config.seal.type}" is not supported yet: remove the seal block to use Shamir key shares`);
  }
  if (config.listeners.length === 0) throw new UserError('at least one listener block is required');
  const listeners: ListenerOptions[] = [];
  for (const l of config.listeners) {
    let tls: TlsOptions | undefined;
    if (!l.tlsDisable) {
      if (!l.tlsCertFile || !l.tlsKeyFile) {
        throw new UserError('listener: tls_cert_file and tls_key_file are required unless tls_disable = true');
      }
      tls = {
        cert: await readFile(l.tlsCertFile),
        key: await readFile(l.tlsKeyFile),
        minVersion: l.tlsMinVersion === 'tls13' ? 'TLSv1.3' : 'TLSv1.2',
      };
    }
    // Vault: a negative max_request_size means no limit.
    const maxRequestSize = l.maxRequestSize < 0 ? Number.MAX_SAFE_INTEGER : l.maxRequestSize;
    listeners.push({ address: l.address, maxRequestSize, ...(tls ? { tls } : {}) });
  }
  const physical = openStorage(config);
  const core = createCore(physical, logger, {
    defaultLeaseTtl: config.defaultLeaseTtl,
    maxLeaseTtl: config.maxLeaseTtl,
    ...(config.clusterName !== undefined ? { clusterName: config.clusterName } : {}),
  });
  return serve(core, logger, logLevel, listeners);
}

function openStorage(config: ServerConfig): PhysicalStorage {
  switch (config.storage.type) {
    case 'inmem':
      return createInmemStorage();
    case 'sqlite':
      return withReadCache(createSqliteStorage({ path: config.storage.path }), {});
    default:
      throw new UserError(`storage "${config.storage.type}" is not supported yet`);
  }
}

function createCore(physical: PhysicalStorage, logger: Logger, ttls: { defaultLeaseTtl?: number; maxLeaseTtl?: number; clusterName?: string }): Core {
  // The gauge callback runs at scrape time, after `core` is initialised.
  const metrics = createServerMetrics({
    sealed: () => core.sealed,
    // One storage listing per scrape, not per request.
    tokenCount: async () => (core.sealed ? null : (await core.tokens.listAccessors()).length),
    leaseCounts: async () =>
      core.sealed ? null : { leases: core.leases.count(), irrevocable: (await core.leases.irrevocableCounts()).lease_count },
  });
  const core: Core = new Core({
    physical,
    barrier: createBarrier(physical),
    backends: createSecretEngines(logger),
    authBackends: createAuthMethods(logger),
    logger,
    version: REPORTED_VERSION,
    metrics,
    ...ttls,
  });
  return core;
}

/** Splits `host:port` / `[v6]:port`. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  const port = m ? Number.parseInt(m[3] ?? '', 10) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new UserError(`invalid listen address "${address}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

interface TlsOptions {
  key: Buffer;
  cert: Buffer;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

interface ListenerOptions {
  address: string;
  maxRequestSize: number;
  tls?: TlsOptions;
}

/** Starts one HTTP app per listener, all serving the same core. */
async function serve(core: Core, logger: Logger, logLevel: string, listeners: readonly ListenerOptions[]): Promise<RunningServer> {
  const apps: FastifyInstance[] = [];
  const addresses: string[] = [];
  try {
    for (const options of listeners) {
      const { host, port } = parseListenAddress(options.address);
      const app = await createHttpApp({
        core,
        logger,
        ...(core.metrics ? { metrics: core.metrics } : {}),
        maxRequestSize: options.maxRequestSize,
        ...(options.tls ? { https: options.tls } : {}),
      });
      apps.push(app);
      await app.listen({ host, port });
      const bound = app.server.address() as AddressInfo;
      const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      addresses.push(`${options.tls ? 'https' : 'http'}://${shownHost}:${bound.port}`);
    }
  } catch (err) {
    await Promise.allSettled(apps.map((app) => app.close()));
    await core.close();
    throw err;
  }
  logger.info({ addresses, sealed: core.sealed }, 'listening');
  let closed = false;
  return {
    address: addresses[0] as string,
    addresses,
    logLevel,
    async reload() {
      await core.audit.reopen();
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled(apps.map((app) => app.close()));
      await core.close();
    },
  };
}
