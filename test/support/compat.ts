/**
 * Where the compat suites send their requests. By default each suite starts its own Coffer
 * server in this process; with `COFFER_COMPAT_ADDR` (+ `COFFER_COMPAT_TOKEN`, a root token)
 * the same cases run against any server, e.g. a real `vault server -dev`, so the
 * expectations can be checked against Vault itself.
 *
 * The seal/init suite needs a server that is not initialised yet: it starts one (in-memory
 * storage) unless `COFFER_COMPAT_UNINIT_ADDR` names one (e.g. `vault server -config` with
 * inmem storage). That suite initialises, seals and unseals it.
 *
 * Suites only touch mounts they create under unique names (and `secret/`, which dev mode
 * mounts as KV v2), and remove them afterwards.
 */
import { randomBytes } from 'node:crypto';
import { startInProcessConfig, startInProcessDev } from './servers.js';

export interface CompatTarget {
  /** Base URL, e.g. `http://127.0.0.1:8200`. */
  addr: string;
  /** A root token. */
  token: string;
  /** True when the server was not started by the suite. */
  external: boolean;
  close(): Promise<void>;
}

/** An initialised, unsealed server with KV v2 at `secret/` and a root token. */
export async function compatTarget(): Promise<CompatTarget> {
  const addr = process.env['COFFER_COMPAT_ADDR'];
  if (addr) {
    return { addr: addr.replace(/\/+$/, ''), token: process.env['COFFER_COMPAT_TOKEN'] ?? 'root', external: true, close: async () => {} };
  }
  const server = await startInProcessDev({ rootTokenId: 'root' });
  return { addr: server.address, token: server.rootToken, external: false, close: () => server.close() };
}

/** A server that is not initialised yet. */
export async function uninitialisedTarget(): Promise<{ addr: string; external: boolean; close(): Promise<void> }> {
  const addr = process.env['COFFER_COMPAT_UNINIT_ADDR'];
  if (addr) return { addr: addr.replace(/\/+$/, ''), external: true, close: async () => {} };
  const server = await startInProcessConfig({ storage: 'inmem' });
  return { addr: server.address, external: false, close: () => server.close() };
}

/** A mount or key name no other run uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
