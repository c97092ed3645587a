/** Audit devices (`sys/audit`, `sys/audit-hash`), as the Go client's `Sys().ListAudit` & co. */
import { AppError } from '../shared/index.js';
import type { CoreApi } from './client.js';
import { dataOrTopLevel, isObject } from './types.js';

/** One enabled device, keyed by its path (`"file/"`) in `list()`. */
export interface AuditDevice {
  type: string;
  description: string;
  /** Option values are strings (`file_path`, `log_raw`, `hmac_accessor`, ...). */
  options: Record<string, string> | null;
  local: boolean;
  path: string;
}

export interface AuditEnableInput {
  type: string;
  description?: string;
  options?: Readonly<Record<string, string>>;
  local?: boolean;
}

export interface AuditApi {
  /** `GET sys/audit` (sudo): `"<path>/"` → device. */
  list(): Promise<Record<string, AuditDevice>>;
  /** `PUT sys/audit/<path>` (sudo). */
  enable(path: string, input: AuditEnableInput): Promise<void>;
  /** `DELETE sys/audit/<path>` (sudo; succeeds when nothing is enabled there). */
  disable(path: string): Promise<void>;
  /** `PUT sys/audit-hash/<path>`: the device's HMAC of `input` (`hmac-sha256:<hex>`). */
  hash(path: string, input: string): Promise<string>;
}

function devicePath(path: string): string {
  const p = path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '') throw new AppError('ERR_INVALID_REQUEST', 'an audit device path is required');
  return p;
}

export function createAuditApi(core: CoreApi): AuditApi {
  const send = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await core.request(method, path, body === undefined ? {} : { body });
    core.ensureOk(method, path, res);
    return res.body;
  };

  return {
    async list() {
      const data = dataOrTopLevel(await send('GET', 'sys/audit'));
      const out: Record<string, AuditDevice> = {};
      for (const [path, entry] of Object.entries(data)) {
        if (!isObject(entry) || typeof entry['type'] !== 'string') continue;
        const options = isObject(entry['options']) ? Object.fromEntries(Object.entries(entry['options']).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) : null;
        out[path] = {
          type: entry['type'],
          description: typeof entry['description'] === 'string' ? entry['description'] : '',
          options,
          local: entry['local'] === true,
          path: typeof entry['path'] === 'string' ? entry['path'] : path,
        };
      }
      return out;
    },

    async enable(path, input) {
      const body: Record<string, unknown> = { type: input.type, description: input.description ?? '', options: { ...(input.options ?? {}) }, local: input.local ?? false };
      await send('PUT', `sys/audit/${devicePath(path)}`, body);
    },

    async disable(path) {
      await send('DELETE', `sys/audit/${devicePath(path)}`);
    },

    async hash(path, input) {
      const data = dataOrTopLevel(await send('PUT', `sys/audit-hash/${devicePath(path)}`, { input }));
      const hash = data['hash'];
      if (typeof hash !== 'string') throw new AppError('ERR_INTERNAL', 'unexpected response from server: sys/audit-hash: no hash');
      return hash;
    },
  };
}
