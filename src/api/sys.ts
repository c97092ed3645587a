/**
 * `sys/` helpers: seal lifecycle, health, leader, mounts, key status and rotation, the
 * `sys/internal/ui/mounts` pre-flight the KV helpers use, capabilities, lease revocation by
 * prefix, and the `policies`, `audit` and `wrapping` groups (in their own modules).
 */
import type { CoreApi, QueryParams } from './client.js';
import {
  dataOrTopLevel,
  expectObject,
  isObject,
  parseSecret,
  type HealthResponse,
  type InitRequest,
  type InitResponse,
  type JsonObject,
  type KeyStatus,
  type LeaderResponse,
  type MountConfigInput,
  type MountConfigOutput,
  type MountInput,
  type MountOutput,
  type SealStatusResponse,
  type Secret,
  type UiMountInfo,
  type UnsealOptions,
} from './types.js';
import { AppError } from '../shared/index.js';
import { createAuditApi, type AuditApi } from './sys-audit.js';
import { createSysAuthApi, type SysAuthApi } from './sys-auth.js';
import { createGenerateRootApi, type GenerateRootApi } from './sys-generate-root.js';
import { createPoliciesApi, type PoliciesApi } from './sys-policies.js';
import { createRekeyApi, type RekeyApi } from './sys-rekey.js';
import { createWrappingApi, type WrappingApi } from './sys-wrapping.js';

/** Path → capabilities, one entry per requested path (`["deny"]` when nothing is granted). */
export type CapabilitiesResult = Record<string, string[]>;

export interface SysApi {
  sealStatus(): Promise<SealStatusResponse>;
  /** `GET sys/init`: whether the server is initialised. */
  initStatus(): Promise<boolean>;
  init(request: InitRequest): Promise<InitResponse>;
  /** Submits one unseal key share, or `{ reset: true }` to discard the shares entered so far. */
  unseal(keyOrOptions: string | UnsealOptions): Promise<SealStatusResponse>;
  seal(): Promise<void>;
  /** `GET sys/health`; the body is returned whatever the status code (sealed is 503, standby 429...). */
  health(query?: QueryParams): Promise<HealthResponse>;
  leader(): Promise<LeaderResponse>;
  /** `GET sys/mounts`: `"<path>/"` → mount entry. */
  mounts(): Promise<Record<string, MountOutput>>;
  mount(path: string, input: MountInput): Promise<void>;
  unmount(path: string): Promise<void>;
  /** `POST sys/mounts/<path>/tune`; returns the response (warnings, e.g. for a KV upgrade) or `null`. */
  tuneMount(path: string, config: MountConfigInput): Promise<Secret | null>;
  readMountTune(path: string): Promise<MountConfigOutput>;
  keyStatus(): Promise<KeyStatus>;
  rotate(): Promise<void>;
  /** `GET sys/internal/ui/mounts/<path>`: the mount serving `path` (throws `ApiError` on 403/404). */
  internalUiMounts(path: string): Promise<UiMountInfo>;
  /** `POST sys/capabilities`: what `token` may do on each path. */
  capabilities(token: string, paths: string | readonly string[]): Promise<CapabilitiesResult>;
  /** `POST sys/capabilities-self`: what the client's token may do on each path. */
  capabilitiesSelf(paths: string | readonly string[]): Promise<CapabilitiesResult>;
  /** `POST sys/capabilities-accessor`: what the token behind `accessor` may do on each path. */
  capabilitiesAccessor(accessor: string, paths: string | readonly string[]): Promise<CapabilitiesResult>;
  /** `POST sys/leases/revoke-prefix/<prefix>` (sudo): revokes every lease and token created under the prefix. */
  revokePrefix(prefix: string): Promise<void>;
  /** ACL policies (`sys/policies/acl`). */
  readonly policies: PoliciesApi;
  /** Audit devices (`sys/audit`, `sys/audit-hash`). */
  readonly audit: AuditApi;
  /** Auth method mounts (`sys/auth`, `sys/auth/<path>/tune`). */
  readonly auth: SysAuthApi;
  /** Response wrapping (`sys/wrapping/*`). */
  readonly wrapping: WrappingApi;
  /** Root token generation from unseal key shares (`sys/generate-root/*`; no token needed). */
  readonly generateRoot: GenerateRootApi;
  /** Rekeying the unseal keys (`sys/rekey/*`; no token needed). */
  readonly rekey: RekeyApi;
}

/** `secret`, `/secret/`, `secret//` → `secret`. */
export function trimSlashes(path: string): string {
  return path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

export function createSysApi(core: CoreApi): SysApi {
  const getJson = async (path: string, query?: QueryParams): Promise<unknown> => {
    const res = await core.request('GET', path, query === undefined ? {} : { query });
    core.ensureOk('GET', path, res, query);
    return res.body;
  };
  const send = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await core.request(method, path, body === undefined ? {} : { body });
    core.ensureOk(method, path, res);
    return res.body;
  };
  const capabilitiesAt = async (path: string, body: JsonObject, paths: readonly string[]): Promise<CapabilitiesResult> => {
    if (paths.length === 0) throw new AppError('ERR_INVALID_REQUEST', 'at least one path is required');
    const data = dataOrTopLevel(await send('PUT', path, { ...body, paths: [...paths] }));
    const out: CapabilitiesResult = {};
    for (const p of paths) {
      const list = data[p] ?? (paths.length === 1 ? data['capabilities'] : undefined);
      out[p] = Array.isArray(list) ? list.map((c) => String(c)) : [];
    }
    return out;
  };
  const pathList = (paths: string | readonly string[]): string[] => (typeof paths === 'string' ? [paths] : [...paths]);

  return {
    async sealStatus() {
      return expectObject<SealStatusResponse>(await getJson('sys/seal-status'), 'sys/seal-status');
    },

    async initStatus() {
      const body = expectObject<{ initialized?: unknown }>(await getJson('sys/init'), 'sys/init');
      return body.initialized === true;
    },

    async init(request) {
      return expectObject<InitResponse>(await send('PUT', 'sys/init', request), 'sys/init');
    },

    async unseal(keyOrOptions) {
      const body = typeof keyOrOptions === 'string' ? { key: keyOrOptions } : keyOrOptions;
      return expectObject<SealStatusResponse>(await send('PUT', 'sys/unseal', body), 'sys/unseal');
    },

    async seal() {
      await send('PUT', 'sys/seal');
    },

    async health(query) {
      const res = await core.request('GET', 'sys/health', query === undefined ? {} : { query });
      if (isObject(res.body) && typeof res.body['initialized'] === 'boolean') return res.body as unknown as HealthResponse;
      core.ensureOk('GET', 'sys/health', res, query);
      return expectObject<HealthResponse>(res.body, 'sys/health');
    },

    async leader() {
      return expectObject<LeaderResponse>(await getJson('sys/leader'), 'sys/leader');
    },

    async mounts() {
      const data = dataOrTopLevel(await getJson('sys/mounts'));
      const out: Record<string, MountOutput> = {};
      for (const [path, entry] of Object.entries(data)) {
        if (isObject(entry) && typeof entry['type'] === 'string') out[path] = entry as unknown as MountOutput;
      }
      return out;
    },

    async mount(path, input) {
      await send('POST', `sys/mounts/${trimSlashes(path)}`, input);
    },

    async unmount(path) {
      await send('DELETE', `sys/mounts/${trimSlashes(path)}`);
    },

    async tuneMount(path, config) {
      return parseSecret(await send('POST', `sys/mounts/${trimSlashes(path)}/tune`, config));
    },

    async readMountTune(path) {
      return dataOrTopLevel(await getJson(`sys/mounts/${trimSlashes(path)}/tune`)) as unknown as MountConfigOutput;
    },

    async keyStatus() {
      return dataOrTopLevel(await getJson('sys/key-status')) as unknown as KeyStatus;
    },

    async rotate() {
      await send('POST', 'sys/rotate');
    },

    async internalUiMounts(path) {
      // A pre-flight is never wrapped (as in Vault, whatever -wrap-ttl says).
      const apiPath = `sys/internal/ui/mounts/${trimSlashes(path)}`;
      const res = await core.request('GET', apiPath, { wrapTtl: '' });
      core.ensureOk('GET', apiPath, res);
      const secret = parseSecret(res.body);
      const data: JsonObject | null = secret?.data ?? null;
      if (data === null) throw new AppError('ERR_INTERNAL', 'nil response from pre-flight request');
      return { ...data, path: typeof data['path'] === 'string' ? data['path'] : '', type: typeof data['type'] === 'string' ? data['type'] : '', options: isObject(data['options']) ? (data['options'] as Record<string, string>) : null } as UiMountInfo;
    },

    capabilities(token, paths) {
      return capabilitiesAt('sys/capabilities', { token: token.trim() }, pathList(paths));
    },

    capabilitiesSelf(paths) {
      return capabilitiesAt('sys/capabilities-self', {}, pathList(paths));
    },

    capabilitiesAccessor(accessor, paths) {
      return capabilitiesAt('sys/capabilities-accessor', { accessor: accessor.trim() }, pathList(paths));
    },

    async revokePrefix(prefix) {
      const p = trimSlashes(prefix);
      if (p === '') throw new AppError('ERR_INVALID_REQUEST', 'a prefix is required');
      await send('PUT', `sys/leases/revoke-prefix/${p}`);
    },

    policies: createPoliciesApi(core),
    audit: createAuditApi(core),
    auth: createSysAuthApi(core),
    wrapping: createWrappingApi(core),
    generateRoot: createGenerateRootApi(core),
    rekey: createRekeyApi(core),
  };
}
