/**
 * Generators (`generators.external-secrets.io/v1alpha1`): the contract, the registry and
 * `resolveGenerator` for ExternalSecret `dataFrom[].sourceRef.generatorRef`, and the built-in
 * `VaultDynamicSecret`.
 */
import type { VaultTokenCache } from '../providers/vault/auth.js';
import { GeneratorRegistry } from './registry.js';
import { VAULT_DYNAMIC_SECRET_PLURAL, createVaultDynamicSecretGenerator } from './vault-dynamic-secret/generator.js';

export * from './types.js';
export { GENERATORS_API_VERSION, GENERATORS_GROUP, GENERATORS_VERSION, GeneratorRegistry, resolveGenerator } from './registry.js';
export type { RegisteredGenerator, ResolvedGenerator } from './registry.js';
export {
  VAULT_DYNAMIC_SECRET_KIND,
  VAULT_DYNAMIC_SECRET_PLURAL,
  createVaultDynamicSecretGenerator,
  parseVaultDynamicSecretSpec,
} from './vault-dynamic-secret/generator.js';
export type { VaultDynamicSecretOptions, VaultDynamicSecretResultType, VaultDynamicSecretSpec } from './vault-dynamic-secret/generator.js';

/** A registry of the built-in generators; pass the vault provider's token cache to share logins. */
export function builtinGenerators(options: { vaultTokenCache?: VaultTokenCache } = {}): GeneratorRegistry {
  return new GeneratorRegistry().register(
    createVaultDynamicSecretGenerator(options.vaultTokenCache !== undefined ? { tokenCache: options.vaultTokenCache } : {}),
    VAULT_DYNAMIC_SECRET_PLURAL,
  );
}
