/** The server configuration, as read from a Vault-style HCL or JSON config file. */

export interface TcpListenerConfig {
  type: 'tcp';
  /** `host:port`; default `127.0.0.1:8200`. */
  address: string;
  /** Vault's `tls_disable` (`true`, `false`, `"true"`, `"1"`, ...). Default false: TLS on. */
  tlsDisable: boolean;
  /** Present whenever TLS is enabled. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsMinVersion?: 'tls12' | 'tls13';
  /** Bytes (Vault's `max_request_size`); default 33554432 (32 MiB); `-1` means no limit. */
  maxRequestSize: number;
  /** Seconds (`max_request_duration`, else the top-level `default_max_request_duration`). */
  maxRequestDuration?: number;
}

export type ListenerConfig = TcpListenerConfig;

export type StorageConfig =
  | { type: 'inmem' }
  | { type: 'sqlite'; path: string }
  /** Parsed only for now. `connectionUrl` holds a password: never log it. */
  | { type: 'postgresql'; connectionUrl: string; table?: string };

export interface SealConfig {
  /** The block label: `transit`, `pkcs11`, `shamir`, ... */
  type: string;
  /** The block body as written (may hold a token or PIN: never log it). */
  options: Record<string, unknown>;
}

export interface ServerConfig {
  listeners: ListenerConfig[];
  storage: StorageConfig;
  seal?: SealConfig;
  /** Seconds; default 768h (2764800). */
  defaultLeaseTtl: number;
  /** Seconds; default 768h (2764800). */
  maxLeaseTtl: number;
  ui: boolean;
  /** `api_addr`, overridden by `COFFER_API_ADDR` or `VAULT_API_ADDR`. */
  apiAddr?: string;
  clusterAddr?: string;
  clusterName?: string;
  disableMlock: boolean;
  /** Normalised to `trace` | `debug` | `info` | `warn` | `error`. */
  logLevel?: string;
  pluginDirectory?: string;
  /** The parsed document (HCL shape, or JSON as written; see shared/hcl), for later features. */
  raw: Record<string, unknown>;
  /** Fields that were ignored (unknown to Vault, or not supported by Coffer), with their position. */
  warnings: string[];
}

export interface ParseServerConfigOptions {
  /** Environment for the overrides (`VAULT_API_ADDR`, ...). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}
