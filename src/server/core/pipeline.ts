/**
 * The request pipeline — the one place where sealing, routing, authentication,
 * authorisation and (later) audit, leases and wrapping happen. Backends never do these.
 */
import { randomUUID } from 'node:crypto';
import { PermissionDeniedError, SealedError, UnsupportedPathError, UserError } from '../../shared/errors.js';
import type { Backend, LogicalRequest, LogicalResponse, Operation } from '../sdk/index.js';
import type { TokenEntry } from '../tokens/index.js';
import type { MountEntry } from './mount-table.js';
import type { RouteMatch } from './router.js';

/** A request as it arrives from a transport (HTTP), before routing. */
export interface IncomingRequest {
  operation: Operation;
  /** Full path below `/v1/`, e.g. `secret/data/foo`. */
  path: string;
  data: Record<string, unknown>;
  clientToken?: string;
  headers: Record<string, string | undefined>;
  remoteAddr: string;
  contentType?: string;
  signal?: AbortSignal;
}

export interface PipelineResult {
  requestId: string;
  response: LogicalResponse | null;
  /** The operation after the existence check (create vs update). */
  operation: Operation;
  mountType: string;
  mountPath: string;
}

/** Who made the request, as far as the sys backend needs to know (never the token itself). */
export interface RequestAuth {
  policies: readonly string[];
  isRoot: boolean;
}

export interface MountedBackend {
  entry: MountEntry;
  backend: Backend;
  toRequest(base: Omit<LogicalRequest, 'storage' | 'mount'>): LogicalRequest;
}

/** What the pipeline needs from the core. Narrow on purpose: the pipeline owns no state. */
export interface PipelineDeps {
  isSealed(): boolean;
  route(path: string): RouteMatch<MountedBackend> | null;
  lookupToken(token: string): Promise<TokenEntry | null>;
  /** Paths of the sys backend that answer while sealed (init, seal-status, unseal, health…). */
  allowedWhileSealed(path: string): boolean;
  /**
   * Who is asking, by request id, for the duration of the backend call. Only the sys
   * backend reads it; engines never learn about tokens or policies.
   */
  authContext: Map<string, RequestAuth | null>;
}

export async function runPipeline(deps: PipelineDeps, incoming: IncomingRequest): Promise<PipelineResult> {
  const requestId = randomUUID();

  // 1. Sealed: only the unauthenticated sys endpoints answer, and no token can be looked
  //    up (the token store is behind the barrier).
  const sealed = deps.isSealed();
  if (sealed && !deps.allowedWhileSealed(incoming.path)) throw new SealedError();

  // 2. Longest-prefix mount lookup.
  const match = deps.route(incoming.path);

  // 3. Authentication. A token is resolved whenever one is sent, so unauthenticated
  //    endpoints that care (sys/internal/ui/mounts) can still see who is asking.
  const unauthenticated = match !== null && match.value.backend.isSpecialPath('unauthenticated', match.relativePath);
  const token = incoming.clientToken;
  const entry = token && !sealed ? await deps.lookupToken(token) : null;
  if (!unauthenticated) {
    if (!token) throw new PermissionDeniedError();
    if (!entry) throw new PermissionDeniedError('permission denied', { details: ['invalid token'] });
  }
  const isRoot = entry?.policies.includes('root') ?? false;

  if (match === null) {
    // Vault checks the ACL before routing: only root learns that the route does not exist.
    if (!isRoot) throw new PermissionDeniedError();
    throw new UnsupportedPathError(`no handler for route "${incoming.path}". route entry not found.`);
  }

  const mounted = match.value;
  if (
    (incoming.operation === 'update' || incoming.operation === 'create' || incoming.operation === 'patch') &&
    incoming.path.endsWith('/') &&
    mounted.entry.type !== 'system'
  ) {
    throw new UserError("cannot write to a path ending in '/'");
  }

  let request = mounted.toRequest({
    id: requestId,
    operation: incoming.operation,
    path: match.relativePath,
    data: incoming.data,
    headers: incoming.headers,
    remoteAddr: incoming.remoteAddr,
    ...(incoming.contentType !== undefined ? { contentType: incoming.contentType } : {}),
    ...(incoming.signal !== undefined ? { signal: incoming.signal } : {}),
  });

  // 5a. The existence check turns update into create where the path declares one; the
  //     ACL (below) judges the resulting operation.
  if (request.operation === 'update') {
    const existence = await mounted.backend.existenceCheck(request);
    if (existence.checked && !existence.exists) request = { ...request, operation: 'create' };
  }

  // 3b. Authorisation. Only root tokens exist until the policy engine lands: everything
  //     else is denied. Unauthenticated paths skip the ACL.
  if (!unauthenticated && !isRoot) throw new PermissionDeniedError();

  // 4. Audit (request) — fails closed once audit devices exist.

  // 5b. The backend.
  const auth: RequestAuth | null = entry ? { policies: entry.policies, isRoot } : null;
  deps.authContext.set(requestId, auth);
  let response: LogicalResponse | null;
  try {
    response = await mounted.backend.handleRequest(request);
  } finally {
    deps.authContext.delete(requestId);
  }

  // 6–8. Leases, token creation, response wrapping and response audit hook in here.

  return {
    requestId,
    response,
    operation: request.operation,
    mountType: mounted.entry.type,
    mountPath: mounted.entry.path,
  };
}
