/**
 * Root token generation (`sys/generate-root/*`, Vault's `http/sys_generate_root.go`): a quorum of
 * unseal key shares produces a new root token, returned XORed with a one-time pad
 * (`src/shared/root-token-otp.ts` decodes it). The endpoints take no token and answer raw JSON;
 * responses are never wrapped (they carry the OTP and the encoded token).
 */
import type { CoreApi } from './client.js';
import { expectObject, type GenerateRootStartOptions, type GenerateRootStatusResponse } from './types.js';

export interface GenerateRootApi {
  /** `GET sys/generate-root/attempt`: the current attempt (and the server's `otp_length`). */
  status(): Promise<GenerateRootStatusResponse>;
  /**
   * `PUT sys/generate-root/attempt`: starts an attempt. Without `otp` the server generates one
   * and returns it in this response only (`otp`).
   */
  start(options?: GenerateRootStartOptions): Promise<GenerateRootStatusResponse>;
  /** `PUT sys/generate-root/update`: one unseal key share for the attempt `nonce`; the last one yields `encoded_token`. */
  update(key: string, nonce: string): Promise<GenerateRootStatusResponse>;
  /** `DELETE sys/generate-root/attempt`: drops the attempt and its shares (none: a no-op). */
  cancel(): Promise<void>;
}

const ATTEMPT = 'sys/generate-root/attempt';
const UPDATE = 'sys/generate-root/update';

export function createGenerateRootApi(core: CoreApi): GenerateRootApi {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await core.request(method, path, body === undefined ? { wrapTtl: '' } : { body, wrapTtl: '' });
    core.ensureOk(method, path, res);
    return res.body;
  };
  return {
    async status() {
      return expectObject<GenerateRootStatusResponse>(await call('GET', ATTEMPT), ATTEMPT);
    },

    async start(options = {}) {
      const body = options.otp !== undefined && options.otp !== '' ? { otp: options.otp } : {};
      return expectObject<GenerateRootStatusResponse>(await call('PUT', ATTEMPT, body), ATTEMPT);
    },

    async update(key, nonce) {
      return expectObject<GenerateRootStatusResponse>(await call('PUT', UPDATE, { key, nonce }), UPDATE);
    },

    async cancel() {
      await call('DELETE', ATTEMPT);
    },
  };
}
