/**
 * The generator contract (ESO `apis/generators/v1alpha1` `Generator`: `Generate`/`Cleanup`
 * with a `GeneratorProviderState`). A generator makes fresh secret data from its spec each
 * time it is asked — e.g. `VaultDynamicSecret` reads `database/creds/app` — and may return a
 * state (JSON, kept by the caller, never holding a secret) that `renew` and `cleanup` use later.
 */
import type { Logger } from '../../shared/logger.js';
import type { KubeClient } from '../runtime/types.js';

export interface GeneratorContext {
  kube: KubeClient;
  /** The namespace of the object using the generator (an ExternalSecret's). */
  namespace: string;
  logger: Logger;
  signal?: AbortSignal;
}

/** JSON kept between `generate` and `renew`/`cleanup` (ESO's GeneratorProviderState). */
export type GeneratorState = Record<string, unknown>;

export interface GenerateResult {
  data: Record<string, Uint8Array>;
  state?: GeneratorState;
  /** Seconds the generated data stays valid (a Vault lease); absent when it does not expire. */
  ttlSeconds?: number;
  renewable?: boolean;
  leaseId?: string;
}

export interface RenewResult {
  /** Seconds from now the data stays valid after the renewal. */
  ttlSeconds: number;
  renewable: boolean;
  state?: GeneratorState;
}

export interface Generator {
  /** The generator's kind (`VaultDynamicSecret`). */
  readonly kind: string;
  /** Throws `UserError` naming the problem when the spec is invalid. */
  generate(spec: unknown, ctx: GeneratorContext): Promise<GenerateResult>;
  /** Extends what `generate` made; throws when it cannot (the caller generates anew). */
  renew?(spec: unknown, state: GeneratorState, ctx: GeneratorContext): Promise<RenewResult>;
  /** Releases what `generate` made. Idempotent: already released is not an error (ESO). */
  cleanup?(spec: unknown, state: GeneratorState, ctx: GeneratorContext): Promise<void>;
}

/** A reference to a generator object (ExternalSecret `dataFrom[].sourceRef.generatorRef`). */
export interface GeneratorRef {
  apiVersion: string;
  kind: string;
  name: string;
}
