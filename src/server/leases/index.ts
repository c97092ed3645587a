export * from './lease-store.js';
export * from './lease-quotas.js';
export * from './expiration-manager.js';
export * from './paths.js';
