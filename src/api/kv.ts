/**
 * KV helpers that work like `vault kv`: a pre-flight `GET sys/internal/ui/mounts/<path>`
 * finds the mount and its version, then v2 paths get `data/`, `metadata/`, `delete/`,
 * `undelete/` or `destroy/` inserted after the mount (Go's `addPrefixToKVPath`) while v1
 * paths are used as given. Either `kv.get('secret/foo')` or `kv.get('foo', { mount: 'secret' })`.
 */
import { AppError } from '../shared/index.js';
import { isApiError } from './errors.js';
import type { CoreApi } from './client.js';
import type { SysApi } from './sys.js';
import { isObject, type JsonObject, type Secret } from './types.js';

export type KvVersion = 1 | 2;
export type KvApiPrefix = 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy' | 'subkeys';

export interface KvMountInfo {
  /** The mount path with its trailing slash, e.g. `secret/`. */
  mountPath: string;
  version: KvVersion;
}

/** A KV key resolved against its mount (the result of the pre-flight). */
export interface KvLocation extends KvMountInfo {
  /** The key path including the mount, before any `data/`-style prefix (`secret/foo`). */
  partialPath: string;
}

export interface KvResult extends KvLocation {
  /** The API path that was requested, e.g. `secret/data/foo` (v2) or `kv/foo` (v1). */
  path: string;
  /** The response, or `null` when there is no value (or the write returned 204). */
  secret: Secret | null;
}

export interface KvPatchResult extends KvResult {
  /** How the patch was applied: HTTP PATCH, or read-then-write with check-and-set. */
  method: 'patch' | 'rw';
  /** Set when PATCH was refused (403/405) and the read-then-write fallback was used. */
  fallbackStatus?: 403 | 405;
}

export interface KvOptions {
  /** The mount (`-mount=secret`); the path argument is then relative to it. */
  mount?: string;
}

export interface KvMetadataInput {
  max_versions?: number;
  cas_required?: boolean;
  delete_version_after?: string;
  custom_metadata?: Record<string, string>;
}

export type KvVersions = readonly (number | string)[];
export type KvTarget = string | KvLocation;

export interface KvApi {
  /** The mount serving `path` and its KV version (404 → v1 at the first segment; 403 → error). */
  mountInfo(path: string): Promise<KvMountInfo>;
  resolve(path: string, options?: KvOptions): Promise<KvLocation>;
  get(target: KvTarget, options?: KvOptions & { version?: number }): Promise<KvResult>;
  put(target: KvTarget, data: JsonObject, options?: KvOptions & { cas?: number }): Promise<KvResult>;
  patch(target: KvTarget, data: JsonObject, options?: KvOptions & { cas?: number; method?: 'patch' | 'rw' }): Promise<KvPatchResult>;
  list(target: KvTarget, options?: KvOptions): Promise<KvResult>;
  /** v2: soft-deletes the latest version, or `versions` (POST `delete/`). v1: deletes the key. */
  delete(target: KvTarget, options?: KvOptions & { versions?: KvVersions }): Promise<KvResult>;
  undelete(target: KvTarget, versions: KvVersions, options?: KvOptions): Promise<KvResult>;
  destroy(target: KvTarget, versions: KvVersions, options?: KvOptions): Promise<KvResult>;
  metadataGet(target: KvTarget, options?: KvOptions): Promise<KvResult>;
  metadataPut(target: KvTarget, metadata: KvMetadataInput, options?: KvOptions): Promise<KvResult>;
  metadataDelete(target: KvTarget, options?: KvOptions): Promise<KvResult>;
}

/** Error for an operation the mount's KV version does not support (e.g. `undelete` on v1). */
export class KvVersionError extends AppError {
  constructor(message: string) {
    super('ERR_UNSUPPORTED_OPERATION', message);
  }
}

/** Vault's `sanitizePath`: trims whitespace and leading/trailing slashes. */
export function sanitizePath(path: string): string {
  return path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

/** Go's `path.Join`: ignores empty elements, cleans the result, no trailing slash. */
export function joinPath(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  if (joined === '') return '';
  const rooted = joined.startsWith('/');
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const body = out.join('/');
  return rooted ? `/${body}` : body === '' ? '.' : body;
}

function trimPrefix(s: string, prefix: string): string {
  return prefix !== '' && s.startsWith(prefix) ? s.slice(prefix.length) : s;
}

/** Vault's `addPrefixToKVPath`: `secret/foo` on mount `secret/` with `data` → `secret/data/foo`. */
export function addPrefixToKvPath(path: string, mountPath: string, apiPrefix: string): string {
  if (path === mountPath || path === mountPath.replace(/\/$/, '')) return joinPath(mountPath, apiPrefix);
  let mount = mountPath;
  let suffix = trimPrefix(path, mount);
  while (suffix === path) {
    // The mount path may carry namespace segments the user did not type: drop them one by one.
    const idx = mount.indexOf('/');
    if (idx < 0) break;
    const rest = mount.slice(idx + 1);
    if (rest === '') break;
    mount = rest.replace(/\/$/, '');
    suffix = trimPrefix(suffix, mount);
  }
  return joinPath(mount, apiPrefix, suffix);
}

/** The API path for a resolved key: prefixed for v2, as given for v1. */
export function kvApiPath(location: KvLocation, prefix: KvApiPrefix): string {
  return location.version === 2 ? addPrefixToKvPath(location.partialPath, location.mountPath, prefix) : location.partialPath;
}

/** Parses the `version` mount option the way the CLI does (anything but "2" is v1). */
export function kvVersionOf(options: unknown): KvVersion {
  if (!isObject(options)) return 1;
  const v = options['version'];
  return v === '2' || v === 2 ? 2 : 1;
}

export function createKvApi(core: CoreApi, sys: SysApi): KvApi {
  async function mountInfo(path: string): Promise<KvMountInfo> {
    const clean = sanitizePath(path);
    try {
      const info = await sys.internalUiMounts(clean);
      const mountPath = info.path !== '' ? info.path : `${clean.split('/')[0] ?? ''}/`;
      return { mountPath, version: kvVersionOf(info.options) };
    } catch (err) {
      // An older server without the endpoint (or no mount there): assume KV v1 at the first segment.
      if (isApiError(err) && err.status === 404) return { mountPath: `${clean.split('/')[0] ?? ''}/`, version: 1 };
      throw err;
    }
  }

  async function resolve(path: string, options: KvOptions = {}): Promise<KvLocation> {
    const input = sanitizePath(path);
    if (options.mount !== undefined && options.mount !== '') {
      const info = await mountInfo(sanitizePath(options.mount));
      return { ...info, partialPath: joinPath(info.mountPath, input) };
    }
    const info = await mountInfo(input);
    return { ...info, partialPath: input };
  }

  const locate = (target: KvTarget, options: KvOptions = {}): Promise<KvLocation> =>
    typeof target === 'string' ? resolve(target, options) : Promise.resolve(target);

  const requireV2 = (loc: KvLocation, what: string): void => {
    if (loc.version !== 2) throw new KvVersionError(`${what} not supported on KV Version 1`);
  };

  const result = (loc: KvLocation, path: string, secret: Secret | null): KvResult => ({ ...loc, path, secret });

  async function readThenWrite(loc: KvLocation, path: string, patch: JsonObject): Promise<KvPatchResult> {
    const current = await core.read(path);
    if (current === null || current.data === null) throw new AppError('ERR_NOT_FOUND', `No value found at ${path}`);
    const meta = current.data['metadata'];
    if (!isObject(meta)) throw new AppError('ERR_NOT_FOUND', `No metadata found at ${path}; patch only works on existing data`);
    const data = current.data['data'];
    if (!isObject(data)) throw new AppError('ERR_NOT_FOUND', `No data found at ${path}; patch only works on existing data`);
    const merged: JsonObject = { ...data };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const secret = await core.write(path, { data: merged, options: { cas: meta['version'] } });
    return { ...result(loc, path, secret), method: 'rw' };
  }

  return {
    mountInfo,
    resolve,

    async get(target, options = {}) {
      const loc = await locate(target, options);
      const path = kvApiPath(loc, 'data');
      const query = loc.version === 2 && options.version !== undefined && options.version > 0 ? { version: String(options.version) } : undefined;
      return result(loc, path, await core.read(path, query));
    },

    async put(target, data, options = {}) {
      const loc = await locate(target, options);
      const path = kvApiPath(loc, 'data');
      let body: JsonObject = data;
      if (loc.version === 2) {
        const opts: JsonObject = {};
        if (options.cas !== undefined && options.cas > -1) opts['cas'] = options.cas;
        body = { data, options: opts };
      }
      return result(loc, path, await core.write(path, body));
    },

    async patch(target, data, options = {}) {
      const loc = await locate(target, options);
      if (loc.version !== 2) throw new KvVersionError('K/V engine mount must be version 2 for patch support');
      const path = kvApiPath(loc, 'data');
      if (options.method === 'rw') return readThenWrite(loc, path, data);
      const opts: JsonObject = {};
      if (options.cas !== undefined && options.cas > 0) opts['cas'] = options.cas;
      try {
        const secret = await core.patch(path, { data, options: opts });
        return { ...result(loc, path, secret), method: 'patch' };
      } catch (err) {
        // As the Vault CLI: a server without PATCH (405) or a policy without `patch` (403) falls back.
        if (options.method === undefined && isApiError(err) && (err.status === 405 || err.status === 403)) {
          return { ...(await readThenWrite(loc, path, data)), fallbackStatus: err.status };
        }
        throw err;
      }
    },

    async list(target, options = {}) {
      const loc = await locate(target, options);
      const path = kvApiPath(loc, 'metadata');
      return result(loc, path, await core.list(path));
    },

    async delete(target, options = {}) {
      const loc = await locate(target, options);
      if (loc.version === 2 && options.versions !== undefined && options.versions.length > 0) {
        const path = kvApiPath(loc, 'delete');
        return result(loc, path, await core.write(path, { versions: [...options.versions] }));
      }
      const path = kvApiPath(loc, 'data');
      return result(loc, path, await core.delete(path));
    },

    async undelete(target, versions, options = {}) {
      const loc = await locate(target, options);
      requireV2(loc, 'Undelete');
      const path = kvApiPath(loc, 'undelete');
      return result(loc, path, await core.write(path, { versions: [...versions] }));
    },

    async destroy(target, versions, options = {}) {
      const loc = await locate(target, options);
      requireV2(loc, 'Destroy');
      const path = kvApiPath(loc, 'destroy');
      return result(loc, path, await core.write(path, { versions: [...versions] }));
    },

    async metadataGet(target, options = {}) {
      const loc = await locate(target, options);
      requireV2(loc, 'Metadata');
      const path = kvApiPath(loc, 'metadata');
      return result(loc, path, await core.read(path));
    },

    async metadataPut(target, metadata, options = {}) {
      const loc = await locate(target, options);
      requireV2(loc, 'Metadata');
      const path = kvApiPath(loc, 'metadata');
      return result(loc, path, await core.write(path, { ...metadata }));
    },

    async metadataDelete(target, options = {}) {
      const loc = await locate(target, options);
      requireV2(loc, 'Metadata');
      const path = kvApiPath(loc, 'metadata');
      return result(loc, path, await core.delete(path));
    },
  };
}
