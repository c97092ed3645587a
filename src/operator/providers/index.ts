/**
 * The operator's secret-store providers (ESO-compatible). `builtinProviders` maps the
 * `spec.provider` field name to a factory; the operator makes one provider of each at start
 * (the vault provider holds the token cache, so it must live as long as the operator).
 */
import { UserError } from '../../shared/errors.js';
import { createFakeProvider } from './fake/provider.js';
import { createKubernetesProvider } from './kubernetes/provider.js';
import type { Provider, StoreRef } from './types.js';
import { createVaultProvider } from './vault/provider.js';

export * from './types.js';
export { createFakeProvider } from './fake/provider.js';
export type { FakeData, FakeProviderSpec } from './fake/provider.js';
export { createVaultProvider } from './vault/provider.js';
export type { VaultProvider, VaultProviderOptions, VaultProviderSpec } from './vault/provider.js';
export { VaultTokenCache } from './vault/auth.js';
export type { VaultAuthSpec } from './vault/auth.js';

export const builtinProviders = {
  vault: createVaultProvider,
  fake: createFakeProvider,
  kubernetes: createKubernetesProvider,
} satisfies Record<string, () => Provider>;

/** The provider a store names: exactly one known field of `spec.provider`. */
export function providerFor(store: StoreRef, providers: Readonly<Record<string, Provider>>): Provider {
  const names = Object.keys(store.provider).filter((k) => store.provider[k] !== undefined && store.provider[k] !== null);
  if (names.length !== 1) throw new UserError(names.length === 0 ? 'no provider set in spec.provider' : `only one provider may be set in spec.provider, got ${names.join(', ')}`);
  const name = names[0] as string;
  const provider = providers[name];
  if (provider === undefined) throw new UserError(`unsupported provider ${JSON.stringify(name)}`);
  return provider;
}
