/**
 * Lease expiration (Vault's expiration manager). The core owns one manager over the barrier
 * view `sys/expire/`: it registers the lease of every `LogicalResponse.secret` (pipeline step
 * 6), loads and starts it on unseal, stops it on seal, revokes a token's leases from the token
 * store's revoke hook and a secrets engine's leases before unmounting it; `leasePaths` serve
 * `sys/leases/*` and Vault's legacy aliases.
 */
export * from './lease-store.js';
export * from './lease-quotas.js';
export * from './expiration-manager.js';
export * from './paths.js';
