/**
 * What the controller puts around a provider's `SecretsClient`:
 *
 * - the store's `retrySettings`, applied as ESO's vault provider applies them to its HTTP client
 *   (`cfg.MaxRetries`, `cfg.MinRetryWait = cfg.MaxRetryWait = retryInterval`, go-retryablehttp's
 *   linear backoff: the n-th retry waits n × retryInterval; without `retryInterval`, Vault's
 *   default 1s–1.5s window, times n, with jitter). `maxRetries` unset means 0 ("rely only on the
 *   reconciliation process for retrying"); a store without `retrySettings` is not retried here
 *   (the work queue's backoff retries the whole reconcile). A missing secret or a user error is
 *   never retried, only failures of the call itself (network, 5xx, …).
 * - `externalsecret_provider_api_calls_count`, labelled with ESO's provider and call names.
 */
import { UserError } from '../../../shared/errors.js';
import { NoSecretError, type RetrySettings, type SecretsClient } from '../../providers/index.js';

/** ESO's `runtime/constants` names per provider (providers ESO does not instrument are not counted). */
const CALL_NAMES: Readonly<Record<string, { provider: string; calls: Readonly<Record<string, string>> }>> = {
  vault: {
    provider: 'HashiCorp/Vault',
    calls: { getSecret: 'ReadSecretData', getSecretMap: 'ReadSecretData', getAllSecrets: 'ListSecrets', secretExists: 'ReadSecretData', pushSecret: 'WriteSecretData', deleteSecret: 'DeleteSecret' },
  },
  kubernetes: {
    provider: 'Kubernetes',
    calls: { getSecret: 'GetSecret', getSecretMap: 'GetSecret', getAllSecrets: 'ListSecrets', secretExists: 'GetSecret', pushSecret: 'UpdateSecret', deleteSecret: 'DeleteSecret' },
  },
};

export interface RetryPolicy {
  maxRetries: number;
  /** Fixed interval (ms), or undefined for Vault's default jittered 1000–1500 ms. */
  intervalMs: number | undefined;
}

const GO_UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go `time.ParseDuration` (units required, no `d`) in milliseconds; undefined when malformed or negative. */
export function parseGoDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = text.startsWith('+') ? 1 : 0;
  if (at === text.length) return undefined;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
    total += Number.parseFloat(m[1]) * (GO_UNIT_MS[m[2]] ?? 0);
    at = re.lastIndex;
  }
  return total;
}

/** The retry policy of a store's `retrySettings` (undefined: no retries). Throws `UserError` on a bad interval. */
export function retryPolicyOf(settings: RetrySettings | undefined): RetryPolicy | undefined {
  if (settings === undefined) return undefined;
  const maxRetries = settings.maxRetries ?? 0;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new UserError(`invalid retrySettings.maxRetries ${JSON.stringify(settings.maxRetries)}: must be a non-negative integer`);
  let intervalMs: number | undefined;
  if (settings.retryInterval !== undefined) {
    intervalMs = parseGoDurationMs(settings.retryInterval);
    if (intervalMs === undefined) throw new UserError(`invalid retrySettings.retryInterval ${JSON.stringify(settings.retryInterval)}: must be a Go duration such as "10s" or "500ms"`);
  }
  return { maxRetries, intervalMs };
}

/** go-retryablehttp `LinearJitterBackoff` for attempt n (1-based). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  if (policy.intervalMs !== undefined) return policy.intervalMs * attempt;
  const min = 1000 * attempt;
  const max = 1500 * attempt;
  return Math.floor(min + random() * (max - min));
}

function retryable(err: unknown): boolean {
  if (err instanceof NoSecretError || err instanceof UserError) return false;
  return !(err instanceof Error && err.name === 'AbortError');
}

export interface WrapOptions {
  /** `spec.provider` field name (`vault`, `kubernetes`, `fake`). */
  providerName: string;
  retry?: RetryPolicy | undefined;
  observe?: (provider: string, call: string, ok: boolean) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` with the store's retries. */
export async function withRetries<T>(policy: RetryPolicy | undefined, fn: () => Promise<T>, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (policy === undefined || attempt >= policy.maxRetries || !retryable(err)) throw err;
      await sleep(retryDelayMs(policy, attempt + 1));
    }
  }
}

/** A `SecretsClient` whose calls are retried per the store's settings and counted in the provider metric. */
export function wrapSecretsClient(client: SecretsClient, options: WrapOptions): SecretsClient {
  const names = CALL_NAMES[options.providerName];
  const sleep = options.sleep ?? defaultSleep;
  const call = async <T>(method: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const out = await withRetries(options.retry, fn, sleep);
      if (names !== undefined) options.observe?.(names.provider, names.calls[method] ?? method, true);
      return out;
    } catch (err) {
      // ESO's vault client reads a missing secret without an error (nil secret): a successful call.
      if (names !== undefined) options.observe?.(names.provider, names.calls[method] ?? method, err instanceof NoSecretError);
      throw err;
    }
  };
  const wrapped: SecretsClient = {
    getSecret: (ref, signal) => call('getSecret', () => client.getSecret(ref, signal)),
    getSecretMap: (ref, signal) => call('getSecretMap', () => client.getSecretMap(ref, signal)),
    getAllSecrets: (find, signal) => call('getAllSecrets', () => client.getAllSecrets(find, signal)),
    validate: () => client.validate(),
    close: () => client.close(),
  };
  const { pushSecret, deleteSecret, secretExists, canonicalPath } = client;
  if (canonicalPath !== undefined) wrapped.canonicalPath = (key) => canonicalPath.call(client, key);
  if (pushSecret !== undefined) wrapped.pushSecret = (secret, data, signal) => call('pushSecret', () => pushSecret.call(client, secret, data, signal));
  if (deleteSecret !== undefined) wrapped.deleteSecret = (ref, signal) => call('deleteSecret', () => deleteSecret.call(client, ref, signal));
  if (secretExists !== undefined) wrapped.secretExists = (ref, signal) => call('secretExists', () => secretExists.call(client, ref, signal));
  return wrapped;
}
