import type { Storage } from './logical.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

export async function getJson<T>(storage: Pick<Storage, 'get'>, key: string): Promise<T | null> {
  const bytes = await storage.get(key);
  return bytes === null ? null : decodeJson<T>(bytes);
}

export async function putJson(storage: Pick<Storage, 'put'>, key: string, value: unknown): Promise<void> {
  await storage.put(key, encodeJson(value));
}

/** Every key below `prefix`, depth first (folders end in `/` in `list`). */
export async function listRecursive(storage: Pick<Storage, 'list'>, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await storage.list(prefix)) {
    if (entry.endsWith('/')) out.push(...(await listRecursive(storage, prefix + entry)));
    else out.push(prefix + entry);
  }
  return out;
}
