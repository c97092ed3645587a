/** The server config file: `loadServerConfig(path)` / `parseServerConfig(text)` → `ServerConfig`. */
export { DEFAULT_LEASE_TTL_SECONDS, DEFAULT_LISTENER_ADDRESS, DEFAULT_MAX_REQUEST_SIZE, loadServerConfig, parseServerConfig } from './server-config.js';
export { parseBoolish } from './schema.js';
export type { ListenerConfig, ParseServerConfigOptions, SealConfig, ServerConfig, StorageConfig, TcpListenerConfig } from './types.js';
