/**
 * The `hc_vault` key source (sops `hcvault/keysource.go`): the data key is encrypted with a
 * Vault (or Coffer) transit key, `POST <engine>/encrypt/<key> {plaintext: base64}`, and the
 * `vault:v1:…` ciphertext is stored as `enc`. The server address is part of the key; the
 * token comes from `COFFER_TOKEN`/`VAULT_TOKEN` or `~/.vault-token` (the API client's rules).
 */
import { createClient, isApiError, type Secret } from '../../../api/index.js';
import { SopsError } from '../errors.js';

export interface TransitKeyRef {
  vaultAddress: string;
  enginePath: string;
  keyName: string;
}

/** What the key source needs from a client (the project's API client fits). */
export interface TransitClient {
  write(path: string, data: Record<string, unknown>): Promise<Secret | null>;
  close?(): void;
}

export type TransitClientFactory = (address: string) => TransitClient;

export function defaultTransitClientFactory(env: NodeJS.ProcessEnv): TransitClientFactory {
  return (address) => createClient({ address, env });
}

/**
 * Parses `https://vault:8200/v1/transit/keys/name` (sops `NewMasterKeyFromURI`). Coffer also
 * accepts a URI without scheme and host (`transit/keys/name` or `/v1/transit/keys/name`),
 * resolved against `COFFER_ADDR`/`VAULT_ADDR`.
 */
export function parseTransitUri(uri: string, env: NodeJS.ProcessEnv = {}): TransitKeyRef {
  const text = uri.trim();
  let url: URL;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      url = new URL(text);
    } catch {
      throw new SopsError(`invalid vault transit URI ${JSON.stringify(text)} (should be like https://vault.example.com:8200/v1/transit/keys/keyName)`);
    }
  } else {
    const base = env['COFFER_ADDR'] ?? env['VAULT_ADDR'];
    if (base === undefined || base === '') {
      throw new SopsError(`missing scheme in vault URL (should be like this: https://vault.example.com:8200/v1/transit/keys/keyName), got: ${text}`);
    }
    const path = text.replace(/^\/+/, '');
    try {
      url = new URL(`${base.replace(/\/+$/, '')}/${path.startsWith('v1/') ? path : `v1/${path}`}`);
    } catch {
      throw new SopsError(`invalid vault address ${JSON.stringify(base)}`);
    }
  }
  const full = url.pathname;
  if (/^\/[^/]+\/v\d+\/[^/]+\/[^/]+\/[^/]+/.test(full)) {
    throw new SopsError('running Vault with a prefixed url is not supported! (Format has to be like https://vault.example.com:8200/v1/transit/keys/keyName)');
  }
  if (!/^\/v\d+\/[^/]+\/[^/]+\/[^/]+/.test(full)) {
    throw new SopsError('vault path does not seem to be formatted correctly: (eg. https://vault.example.com:8200/v1/transit/keys/keyName)');
  }
  const dirs = full.replace(/^\/+|\/+$/g, '').split('/');
  const keyName = dirs[dirs.length - 1] ?? '';
  const enginePath = dirs.slice(1, dirs.length - 2).join('/');
  return { vaultAddress: `${url.protocol}//${url.host}`, enginePath, keyName };
}

function stringField(secret: Secret | null, field: string, path: string): string {
  const v = secret?.data?.[field];
  if (secret === null || secret.data === null) throw new SopsError(`The transit backend ${path} is empty`);
  if (typeof v !== 'string') throw new SopsError(`the transit response from ${path} has no ${field}`);
  return v;
}

async function call<T>(factory: TransitClientFactory, address: string, fn: (c: TransitClient) => Promise<T>): Promise<T> {
  const client = factory(address);
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof SopsError || isApiError(err)) throw err;
    throw new SopsError(`vault transit request to ${address} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    client.close?.();
  }
}

/** Encrypts the data key with the transit key; returns the `vault:v…` ciphertext. */
export function transitWrap(key: TransitKeyRef, dataKey: Uint8Array, factory: TransitClientFactory): Promise<string> {
  const path = `${key.enginePath}/encrypt/${key.keyName}`;
  return call(factory, key.vaultAddress, async (c) => stringField(await c.write(path, { plaintext: Buffer.from(dataKey).toString('base64') }), 'ciphertext', path));
}

/** Decrypts a `vault:v…` ciphertext back to the data key. */
export function transitUnwrap(key: TransitKeyRef, enc: string, factory: TransitClientFactory): Promise<Uint8Array> {
  const path = `${key.enginePath}/decrypt/${key.keyName}`;
  return call(factory, key.vaultAddress, async (c) => {
    const b64 = stringField(await c.write(path, { ciphertext: enc }), 'plaintext', path);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new SopsError("Couldn't decode base64 plaintext");
    return Buffer.from(b64, 'base64');
  });
}
