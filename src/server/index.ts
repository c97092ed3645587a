/**
 * The server's public surface: `startServer` runs a Coffer server (dev mode or from a
 * config file). The CLI's `server` command is a thin wrapper around it.
 */
export interface StartServerOptions {
  /** Dev mode: in-memory, initialised, unsealed, KV v2 at `secret/`. */
  dev?: {
    rootTokenId?: string;
    listenAddress?: string;
    /** Mount `secret/` as KV v1 instead of v2 (Vault's `-dev-kv-v1`). */
    kvV1?: boolean;
  };
  /** Path of an HCL (or JSON) config file. */
  configPath?: string;
  logLevel?: string;
}

export interface RunningServer {
  /** Base URL clients use, e.g. `http://127.0.0.1:8200`. */
  readonly address: string;
  /** Every listener's base URL (the first is `address`). */
  readonly addresses: readonly string[];
  /** The effective log level (flag, else config file, else `info`). */
  readonly logLevel: string;
  /** Dev mode only: the root token and the single unseal key (base64). */
  readonly rootToken?: string;
  readonly unsealKey?: string;
  /** SIGHUP: reopen audit files (after log rotation). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export { startServer } from './start.js';
