/**
 * Lease expiration. Not yet wired into the core; to wire it:
 * 1. Create the manager with `storage` = a barrier view (e.g. `sys/expire/`) and
 *    `resolveKind(accessor, kind)` returning the mount's `SecretKind` (from `spec.secrets`),
 *    its storage view and `MountView`. On unseal: `await m.load(); m.start()`; on seal: `m.stop()`.
 * 2. Pipeline step 6: when a response has `secret`, `register({ path, mountAccessor, secret,
 *    tokenHash, limits })` (may throw the 429 lease-count error) and render `lease_id`,
 *    `lease_duration`, `renewable` (add `leaseId`/`renewable` to LogicalResponse and envelopeBody).
 * 3. Token revocation hook: `revokeByToken(hash)`; unmount/remount: `revokePrefix(mountPath, { force })`.
 * 4. Mount `leasePaths(m)` in sys and add `LEASE_SUDO_PATHS` to its root paths.
 */
export * from './lease-store.js';
export * from './lease-quotas.js';
export * from './expiration-manager.js';
export * from './paths.js';
