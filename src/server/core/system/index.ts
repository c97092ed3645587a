/** The `sys/` backend, built with the same sdk as every engine. */
import { AUDIT_SUDO_PATHS, auditPaths } from '../../audit/index.js';
import { defineBackend, type BackendSpec } from '../../sdk/index.js';
import { generateRootPaths, rekeyPaths } from '../../seal/index.js';
import { WRAPPING_UNAUTHENTICATED_PATHS, wrapPaths } from '../../wrapping/index.js';
import type { Core } from '../core.js';
import type { RequestAuth } from '../pipeline.js';
import { policyPaths } from '../../policy/index.js';
import { LEASE_SUDO_PATHS, leasePaths } from '../../leases/index.js';
import { passwordPolicyPaths } from '../../passwords/index.js';
import { authPaths } from './paths-auth.js';
import { capabilityPaths } from './paths-capabilities.js';
import { keyPaths } from './paths-keys.js';
import { lockedUserPaths } from './paths-locked-users.js';
import { quotaPaths } from './paths-quotas.js';
import { metricsPaths } from './paths-metrics.js';
import { mountPaths } from './paths-mounts.js';
import { openApiPaths } from './paths-openapi.js';
import { sealPaths } from './paths-seal.js';
import { toolPaths } from './paths-tools.js';

/** sys paths (relative, no trailing slash) that answer while the server is sealed. */
export const SYSTEM_PATHS_WHILE_SEALED: ReadonlySet<string> = new Set([
  'sys/init',
  'sys/seal-status',
  'sys/unseal',
  'sys/health',
  'sys/leader',
]);

export function createSystemBackend(core: Core, authOf: (requestId: string) => RequestAuth | null): BackendSpec {
  const ctx = { core, authOf };
  return defineBackend({
    kind: 'logical',
    help: 'The system backend: lifecycle, mounts and tools.',
    specialPaths: {
      // generate-root and rekey are authorised by key holders, not tokens.
      unauthenticated: [
        'init',
        'seal-status',
        'unseal',
        'health',
        'leader',
        'internal/ui/mounts',
        'internal/ui/mounts/*',
        'generate-root/*',
        'rekey/*',
        ...WRAPPING_UNAUTHENTICATED_PATHS,
      ],
      root: ['seal', 'step-down', 'rotate', 'remount', 'auth/*', 'locked-users', 'locked-users/*', ...AUDIT_SUDO_PATHS, ...LEASE_SUDO_PATHS],
    },
    paths: [
      ...sealPaths(ctx), ...mountPaths(ctx), ...toolPaths(), ...keyPaths(ctx), ...openApiPaths(ctx),
      ...auditPaths(core.audit),
      ...authPaths(ctx),
      ...capabilityPaths(ctx),
      ...policyPaths(core.policies),
      ...metricsPaths(ctx),
      ...lockedUserPaths(ctx),
      ...quotaPaths(ctx),
      ...leasePaths(core.leases),
      ...passwordPolicyPaths(core.passwordPolicies),
      ...generateRootPaths({ generateRoot: core.generateRoot }),
      ...rekeyPaths({ rekey: core.rekey }),
      ...wrapPaths(core.wrapping, { callerOf: (requestId) => core.callerOf(requestId) }),
    ],
  });
}
