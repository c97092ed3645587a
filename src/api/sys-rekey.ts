/**
 * Rekeying the unseal keys (`sys/rekey/*`, Vault's `http/sys_rekey.go`): a quorum of the CURRENT
 * shares authorises a new root key split per a new shares/threshold, optionally held back until a
 * threshold of the NEW shares is verified (`sys/rekey/verify`). The endpoints take no token and
 * answer raw JSON; responses are never wrapped (they carry the new key shares).
 */
import type { CoreApi } from './client.js';
import {
  expectObject,
  isObject,
  type RekeyInitRequest,
  type RekeyStatusResponse,
  type RekeyUpdateResult,
  type RekeyVerificationStatusResponse,
  type RekeyVerificationUpdateResult,
} from './types.js';

export interface RekeyApi {
  /** `GET sys/rekey/init`. */
  status(): Promise<RekeyStatusResponse>;
  /** `PUT sys/rekey/init`: starts a rekey to `secret_shares`/`secret_threshold`. */
  start(request: RekeyInitRequest): Promise<RekeyStatusResponse>;
  /** `PUT sys/rekey/update`: one CURRENT key share; the last one returns the new shares (`complete: true`). */
  update(key: string, nonce: string): Promise<RekeyUpdateResult>;
  /**
   * `DELETE sys/rekey/init`. Servers that protect a young attempt (Coffer, Vault ≥1.16: the first
   * 10 minutes) want its `nonce`; it is sent in the JSON body, as Vault reads it.
   */
  cancel(nonce?: string): Promise<void>;
  /** `GET sys/rekey/verify`: the verification of the new shares. */
  verifyStatus(): Promise<RekeyVerificationStatusResponse>;
  /** `PUT sys/rekey/verify`: one NEW key share; the last one puts the new key in force (`complete: true`). */
  verifyUpdate(key: string, nonce: string): Promise<RekeyVerificationUpdateResult>;
  /** `DELETE sys/rekey/verify`: restarts the verification (progress dropped, new nonce); the new status, if the server sends one. */
  verifyCancel(): Promise<RekeyVerificationStatusResponse | null>;
}

const INIT = 'sys/rekey/init';
const UPDATE = 'sys/rekey/update';
const VERIFY = 'sys/rekey/verify';

export function createRekeyApi(core: CoreApi): RekeyApi {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await core.request(method, path, body === undefined ? { wrapTtl: '' } : { body, wrapTtl: '' });
    core.ensureOk(method, path, res);
    return res.body;
  };
  return {
    async status() {
      return expectObject<RekeyStatusResponse>(await call('GET', INIT), INIT);
    },

    async start(request) {
      const body: Record<string, unknown> = { secret_shares: request.secret_shares, secret_threshold: request.secret_threshold };
      if (request.require_verification !== undefined) body['require_verification'] = request.require_verification;
      return expectObject<RekeyStatusResponse>(await call('PUT', INIT, body), INIT);
    },

    async update(key, nonce) {
      return expectObject<RekeyUpdateResult>(await call('PUT', UPDATE, { key, nonce }), UPDATE);
    },

    async cancel(nonce) {
      // Always a JSON body: Vault ≥1.16 parses one and fails on an empty request ("EOF").
      await call('DELETE', INIT, nonce !== undefined && nonce !== '' ? { nonce } : {});
    },

    async verifyStatus() {
      return expectObject<RekeyVerificationStatusResponse>(await call('GET', VERIFY), VERIFY);
    },

    async verifyUpdate(key, nonce) {
      return expectObject<RekeyVerificationUpdateResult>(await call('PUT', VERIFY, { key, nonce }), VERIFY);
    },

    async verifyCancel() {
      const body = await call('DELETE', VERIFY);
      return isObject(body) ? (body as unknown as RekeyVerificationStatusResponse) : null;
    },
  };
}
