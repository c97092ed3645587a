/**
 * ESO's `VaultDynamicSecret` generator (`generators/v1/vault/vault.go`,
 * `apis/generators/v1alpha1/types_vault.go`): calls a Vault path (`database/creds/app`,
 * `auth/token/create`, ...) with the vault SecretStore provider's connection and auth, and
 * returns the response's `data` (or `auth`, or the raw response) as the secret's keys.
 *
 * Beyond ESO (whose Cleanup is a no-op): the lease is reported (id, TTL, renewable) and kept
 * in the state so the caller can renew it with `sys/leases/renew` and revoke it on cleanup
 * (an `Auth` result's token is revoked by accessor). The state never holds a secret.
 */
import { z } from 'zod';
import { UserError } from '../../../shared/errors.js';
import { parseDurationSeconds } from '../../../shared/duration.js';
import { propertyToString, toBytes, type ProviderContext, type StoreRef } from '../../providers/types.js';
import { VaultTokenCache } from '../../providers/vault/auth.js';
import { vaultErrors, type VaultHttp, type VaultResponse } from '../../providers/vault/http.js';
import { connectVault, vaultSpecOf, type VaultConnection } from '../../providers/vault/provider.js';
import type { GenerateResult, Generator, GeneratorContext, GeneratorState, RenewResult } from '../types.js';

export const VAULT_DYNAMIC_SECRET_KIND = 'VaultDynamicSecret';
export const VAULT_DYNAMIC_SECRET_PLURAL = 'vaultdynamicsecrets';

export type VaultDynamicSecretResultType = 'Data' | 'Auth' | 'Raw';

export interface VaultDynamicSecretSpec {
  controller?: string;
  method?: string;
  parameters?: Record<string, unknown>;
  resultType?: VaultDynamicSecretResultType;
  retrySettings?: { maxRetries?: number; retryInterval?: string };
  /** The vault SecretStore provider spec (server, auth, namespace, CA). */
  provider: Record<string, unknown>;
  path: string;
  allowEmptyResponse?: boolean;
}

const specSchema = z.object({
  controller: z.string().optional(),
  method: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  resultType: z.enum(['Data', 'Auth', 'Raw']).optional(),
  retrySettings: z.object({ maxRetries: z.number().int().min(0).optional(), retryInterval: z.string().optional() }).optional(),
  provider: z.record(z.string(), z.unknown()).optional(),
  path: z.string().min(1, 'path must not be empty'),
  allowEmptyResponse: z.boolean().optional(),
});

/** Parses a VaultDynamicSecret `spec` (ESO's messages where it has them). */
export function parseVaultDynamicSecretSpec(raw: unknown): VaultDynamicSecretSpec {
  if (raw === undefined || raw === null) throw new UserError('no config spec provided');
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    const provider = (raw as Record<string, unknown>)['provider'];
    if (provider === undefined || provider === null) throw new UserError('no Vault provider config in spec');
  }
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `spec.${issue.path.map(String).join('.')}: `;
    throw new UserError(`unable to parse spec: ${where}${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as VaultDynamicSecretSpec;
}

interface VaultDynamicState extends GeneratorState {
  leaseId?: string;
  /** The accessor of a token an `Auth` result created. */
  accessor?: string;
}

// The Go Vault client's defaults (ESO leaves them unless retrySettings is set).
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_RETRY_MS = 1000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

export interface VaultDynamicSecretOptions {
  /** Shared with the vault provider so a generator and a store with the same auth log in once. */
  tokenCache?: VaultTokenCache;
}

export function createVaultDynamicSecretGenerator(options: VaultDynamicSecretOptions = {}): Generator {
  const tokenCache = options.tokenCache ?? new VaultTokenCache();

  /** The generator's spec as a vault store of the ExternalSecret's namespace (refs may not leave it). */
  const storeOf = (spec: VaultDynamicSecretSpec, ctx: GeneratorContext): StoreRef => ({
    kind: 'SecretStore',
    name: VAULT_DYNAMIC_SECRET_KIND,
    namespace: ctx.namespace,
    provider: { vault: spec.provider },
  });

  async function connect(spec: VaultDynamicSecretSpec, ctx: GeneratorContext): Promise<VaultConnection> {
    const store = storeOf(spec, ctx);
    const providerCtx: ProviderContext = { kube: ctx.kube, namespace: ctx.namespace, logger: ctx.logger };
    try {
      return await connectVault(vaultSpecOf(store), store, providerCtx, tokenCache);
    } catch (err) {
      throw new UserError(`unable to setup Vault client: ${(err as Error).message}`, { cause: err });
    }
  }

  /** One Vault call with the Go client's retry rule: network errors, 412 and 5xx are retried. */
  async function call(http: VaultHttp, token: string, spec: VaultDynamicSecretSpec, method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<VaultResponse> {
    const retries = spec.retrySettings?.maxRetries ?? DEFAULT_MAX_RETRIES;
    const interval = spec.retrySettings?.retryInterval;
    const waitMs = interval !== undefined && interval !== '' ? parseDurationSeconds(interval) * 1000 : DEFAULT_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      let res: VaultResponse | undefined;
      let failure: unknown;
      try {
        res = await http.request(method, path, { token, ...(body !== undefined ? { body } : {}), ...(signal !== undefined ? { signal } : {}) });
      } catch (err) {
        failure = err;
      }
      const retryable = res === undefined || res.status === 412 || res.status >= 500;
      if (!retryable || attempt >= retries || signal?.aborted === true) {
        if (res === undefined) throw failure as Error;
        return res;
      }
      await sleep(waitMs, signal);
    }
  }

  return {
    kind: VAULT_DYNAMIC_SECRET_KIND,

    async generate(rawSpec, ctx): Promise<GenerateResult> {
      const spec = parseVaultDynamicSecretSpec(rawSpec);
      const method = (spec.method ?? '').toUpperCase();
      const { http, token } = await connect(spec, ctx);
      try {
        const path = spec.path.replace(/^\/+/, '');
        let res: VaultResponse;
        if (method === '' || method === 'GET') res = await call(http, token, spec, 'GET', path, undefined, ctx.signal);
        else if (method === 'LIST') res = await call(http, token, spec, 'LIST', path, undefined, ctx.signal);
        else if (method === 'DELETE') res = await call(http, token, spec, 'DELETE', path, undefined, ctx.signal);
        // Every other method is a write (the Go client's Logical().Write is a PUT).
        else res = await call(http, token, spec, 'PUT', path, spec.parameters ?? {}, ctx.signal);

        const body = res.body;
        // As the Go client: a 404 without data or warnings, and an empty answer, are "no secret".
        const hasContent = isRecord(body) && (isRecord(body['data']) || isRecord(body['auth']) || (Array.isArray(body['warnings']) && body['warnings'].length > 0));
        if (res.status !== 404 && (res.status < 200 || res.status >= 300)) throw new UserError(`unable to get dynamic secret: ${vaultErrors(res)}`);
        if (!hasContent || body === undefined) {
          if (spec.allowEmptyResponse === true) return { data: {} };
          throw new UserError('unable to get dynamic secret: empty response from Vault');
        }
        return prepareResponse(spec.resultType ?? 'Data', body);
      } finally {
        http.close();
      }
    },

    async renew(rawSpec, state, ctx): Promise<RenewResult> {
      const spec = parseVaultDynamicSecretSpec(rawSpec);
      const leaseId = (state as VaultDynamicState).leaseId;
      if (typeof leaseId !== 'string' || leaseId === '') throw new UserError('the generated secret has no lease to renew');
      const { http, token } = await connect(spec, ctx);
      try {
        const res = await call(http, token, spec, 'PUT', 'sys/leases/renew', { lease_id: leaseId }, ctx.signal);
        if (res.status < 200 || res.status >= 300) throw new UserError(`unable to renew lease: ${vaultErrors(res)}`);
        const duration = res.body?.['lease_duration'];
        return { ttlSeconds: typeof duration === 'number' ? duration : 0, renewable: res.body?.['renewable'] === true, state };
      } finally {
        http.close();
      }
    },

    async cleanup(rawSpec, state, ctx): Promise<void> {
      const s = state as VaultDynamicState;
      const leaseId = typeof s.leaseId === 'string' && s.leaseId !== '' ? s.leaseId : undefined;
      const accessor = typeof s.accessor === 'string' && s.accessor !== '' ? s.accessor : undefined;
      if (leaseId === undefined && accessor === undefined) return;
      const spec = parseVaultDynamicSecretSpec(rawSpec);
      const { http, token } = await connect(spec, ctx);
      try {
        const res =
          leaseId !== undefined
            ? await call(http, token, spec, 'PUT', 'sys/leases/revoke', { lease_id: leaseId }, ctx.signal)
            : await call(http, token, spec, 'POST', 'auth/token/revoke-accessor', { accessor }, ctx.signal);
        if (res.status >= 200 && res.status < 300) return;
        // Already gone (expired or revoked): cleanup is idempotent.
        if (res.status === 400 && /invalid lease|lease not found|invalid accessor/i.test(vaultErrors(res))) return;
        throw new UserError(`unable to revoke ${leaseId !== undefined ? 'lease' : 'token'}: ${vaultErrors(res)}`);
      } finally {
        http.close();
      }
    },
  };
}

/** ESO prepareResponse: each key of `data`/`auth`/the raw answer as bytes (strings as-is, the rest as JSON). */
function prepareResponse(resultType: VaultDynamicSecretResultType, body: Record<string, unknown>): GenerateResult {
  let source: Record<string, unknown>;
  if (resultType === 'Auth') source = isRecord(body['auth']) ? body['auth'] : {};
  else if (resultType === 'Raw') source = body;
  else source = isRecord(body['data']) ? body['data'] : {};
  const data: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(source)) data[k] = toBytes(propertyToString(v));

  const state: VaultDynamicState = {};
  const result: GenerateResult = { data };
  const auth = isRecord(body['auth']) ? body['auth'] : undefined;
  const leaseId = typeof body['lease_id'] === 'string' ? body['lease_id'] : '';
  if (leaseId !== '') {
    state.leaseId = leaseId;
    result.leaseId = leaseId;
    result.ttlSeconds = typeof body['lease_duration'] === 'number' ? body['lease_duration'] : 0;
    result.renewable = body['renewable'] === true;
  } else if (auth !== undefined && typeof auth['accessor'] === 'string' && auth['accessor'] !== '') {
    // A token (auth/token/create): revocable by accessor, renewable only by the token itself.
    state.accessor = auth['accessor'];
    if (typeof auth['lease_duration'] === 'number' && auth['lease_duration'] > 0) result.ttlSeconds = auth['lease_duration'];
    result.renewable = false;
  }
  if (Object.keys(state).length > 0) result.state = state;
  return result;
}
