/**
 * The composition root: builds storage, barrier, core and HTTP from options or a config
 * file, and starts listening. Nothing else in the server wires subsystems together.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { UserError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { REPORTED_VERSION } from '../shared/version.js';
import { createBarrier } from './barrier/index.js';
import { loadServerConfig, type ServerConfig } from './config/index.js';
import { Core } from './core/index.js';
import { builtinSecretEngines } from './engines/index.js';
import { createHttpApp, DEFAULT_MAX_REQUEST_SIZE } from './http/app.js';
import type { RunningServer, StartServerOptions } from './index.js';
import { createInmemStorage, createSqliteStorage, withReadCache, type PhysicalStorage } from './storage/index.js';

export const DEV_LISTEN_ADDRESS = '127.0.0.1:8200';

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const logger = createLogger({ level: options.logLevel ?? process.env['COFFER_LOG_LEVEL'] ?? 'info', name: 'coffer' });
  if (options.dev) return startDevServer(options.dev, logger);
  if (!options.configPath) throw new UserError('a config file (-config) or dev mode (-dev) is required');
  const config = await loadServerConfig(options.configPath);
  for (const warning of config.warnings ?? []) logger.warn(warning);
  return startFromConfig(config, logger);
}

async function startDevServer(dev: NonNullable<StartServerOptions['dev']>, logger: Logger): Promise<RunningServer> {
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
  const listener = await listen(core, logger, {
    address: dev.listenAddress ?? DEV_LISTEN_ADDRESS,
    maxRequestSize: DEFAULT_MAX_REQUEST_SIZE,
  });
  return { ...listener, rootToken, unsealKey };
}

async function startFromConfig(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const physical = openStorage(config);
  const core = createCore(physical, logger, {
    defaultLeaseTtl: config.defaultLeaseTtl,
    maxLeaseTtl: config.maxLeaseTtl,
    ...(config.clusterName !== undefined ? { clusterName: config.clusterName } : {}),
  });
  const listenerConfig = config.listeners[0];
  if (!listenerConfig) throw new UserError('at least one listener block is required');
  let tls: { key: Buffer; cert: Buffer; minVersion?: 'TLSv1.2' | 'TLSv1.3' } | undefined;
  if (!listenerConfig.tlsDisable) {
    if (!listenerConfig.tlsCertFile || !listenerConfig.tlsKeyFile) {
      throw new UserError('listener: tls_cert_file and tls_key_file are required unless tls_disable = true');
    }
    tls = {
      cert: await readFile(listenerConfig.tlsCertFile),
      key: await readFile(listenerConfig.tlsKeyFile),
      minVersion: listenerConfig.tlsMinVersion === 'tls13' ? 'TLSv1.3' : 'TLSv1.2',
    };
  }
  return listen(core, logger, {
    address: listenerConfig.address,
    maxRequestSize: listenerConfig.maxRequestSize,
    ...(tls ? { tls } : {}),
  });
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
  return new Core({
    physical,
    barrier: createBarrier(physical),
    backends: builtinSecretEngines,
    logger,
    version: REPORTED_VERSION,
    ...ttls,
  });
}

/** Splits `host:port` / `[v6]:port`. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  const port = m ? Number.parseInt(m[3] ?? '', 10) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new UserError(`invalid listen address "${address}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

async function listen(
  core: Core,
  logger: Logger,
  options: { address: string; maxRequestSize: number; tls?: { key: Buffer; cert: Buffer; minVersion?: 'TLSv1.2' | 'TLSv1.3' } },
): Promise<RunningServer> {
  const { host, port } = parseListenAddress(options.address);
  const app = await createHttpApp({
    core,
    logger,
    maxRequestSize: options.maxRequestSize,
    ...(options.tls ? { https: options.tls } : {}),
  });
  await app.listen({ host, port });
  const bound = app.server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const address = `${options.tls ? 'https' : 'http'}://${shownHost}:${bound.port}`;
  logger.info({ address, sealed: core.sealed }, 'listening');
  let closed = false;
  return {
    address,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await core.close();
    },
  };
}
