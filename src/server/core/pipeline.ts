/**
 * The request pipeline — the one place where sealing, routing, authentication,
 * authorisation and (later) audit, leases and wrapping happen. Backends never do these.
 */
import { randomUUID } from 'node:crypto';
import { InternalError, PermissionDeniedError, SealedError, UnsupportedPathError, UserError } from '../../shared/errors.js';
import type { Backend, LeaseSecret, LoginAuth, LogicalRequest, LogicalResponse, MountView, Operation, ResponseAuth, Storage } from '../sdk/index.js';
import type { AuditAuth, AuditBroker, AuditResponse, AuditResponseInput, AuditWrapInfo } from '../audit/index.js';
import type { Acl, AclInput } from '../policy/index.js';
import type { TokenEntry } from '../tokens/index.js';
import type { RegisterResult as LeaseGrant } from '../leases/index.js';
import {
  checkWrappingRequest,
  decideWrap,
  isWrappingToken,
  parseWrapFormat,
  parseWrapTtl,
  wrappedAccessorFor,
  wrappedResponse,
  wrappingTokenMayCall,
  type WrapInfo,
  type WrappingService,
} from '../wrapping/index.js';
import { envelopeBody } from './response-body.js';
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

/**
 * Who made the request. Only core-internal backends (sys, auth/token, cubbyhole, wrapping)
 * read it; engines never learn about tokens or policies.
 */
export interface RequestAuth {
  token: string;
  entry: TokenEntry;
  acl: Acl;
  isRoot: boolean;
}

export interface MountedBackend {
  entry: MountEntry;
  backend: Backend;
  storage: Storage;
  mount: MountView;
  toRequest(base: Omit<LogicalRequest, 'storage' | 'mount'>): LogicalRequest;
}

/** What the pipeline needs from the core. Narrow on purpose: the pipeline owns no state. */
export interface PipelineDeps {
  isSealed(): boolean;
  route(path: string): RouteMatch<MountedBackend> | null;
  /** The live entry for a token, or null (unknown, expired, exhausted, CIDR mismatch). */
  lookupToken(token: string, remoteAddr: string): Promise<TokenEntry | null>;
  /** The token's compiled ACL (token ∪ identity policies); `disabled` when its entity is. */
  aclFor(entry: TokenEntry): Promise<{ acl: Acl; disabled: boolean }>;
  /** Counts one use (num_uses); null when the token has no uses left. */
  useToken(entry: TokenEntry): Promise<TokenEntry | null>;
  /** Revokes a token whose last use was this request. */
  revokeIfExhausted(entry: TokenEntry): Promise<void>;
  /** Response wrapping: validates wrapping tokens on sys/wrapping/* and wraps responses. */
  wrapping: WrappingService;
  /** Throws a 429 when a rate-limit quota covering the request has no room for this client. */
  checkRateLimit(input: { path: string; mountPath: string; role: string | undefined; clientAddr: string }): void;
  /**
   * Registers the lease of a secret the backend issued; answers its id and granted TTL. When
   * it cannot (lease-count quota, storage), the secret is revoked before the error surfaces.
   */
  registerLease(mounted: MountedBackend, requestPath: string, secret: LeaseSecret, token: TokenEntry | null): Promise<LeaseGrant>;
  /** Creates the identity and the token for a successful login. */
  completeLogin(mount: MountEntry, requestPath: string, login: LoginAuth): Promise<{ auth: ResponseAuth; warnings: string[] }>;
  /** Paths of the sys backend that answer while sealed (init, seal-status, unseal, health…). */
  allowedWhileSealed(path: string): boolean;
  /** Paths never audited: the lifecycle endpoints, and those whose bodies carry key shares. */
  notAudited(path: string): boolean;
  /**
   * Who is asking, by request id, for the duration of the backend call. Only the sys
   * backend reads it; engines never learn about tokens or policies.
   */
  authContext: Map<string, RequestAuth | null>;
  /** The audit broker; `size` is the number of enabled devices (0 = audit off). */
  audit: Pick<AuditBroker, 'logRequest' | 'logResponse' | 'size'>;
}

export async function runPipeline(deps: PipelineDeps, request0: IncomingRequest): Promise<PipelineResult> {
  let incoming = request0;
  const requestId = randomUUID();

  // 1. Sealed: only the unauthenticated sys endpoints answer, and no token can be looked
  //    up (the token store is behind the barrier).
  const sealed = deps.isSealed();
  const sealedSafe = deps.allowedWhileSealed(incoming.path);
  if (sealed && !sealedSafe) throw new SealedError();

  // 2. Longest-prefix mount lookup.
  const match = deps.route(incoming.path);

  // Rate-limit quotas apply before any work is done for the client (lifecycle endpoints exempt).
  if (match && !sealedSafe) {
    const role = incoming.data['role'];
    deps.checkRateLimit({
      path: incoming.path,
      mountPath: match.mountPath,
      role: typeof role === 'string' ? role : undefined,
      clientAddr: incoming.remoteAddr,
    });
  }

  // Response wrapping requested by header (400 on a malformed header, before anything runs).
  const wrapTtl = parseWrapTtl(incoming.headers['x-vault-wrap-ttl']);
  const wrapFormat = parseWrapFormat(incoming.headers['x-vault-wrap-format']);
  // On sys/wrapping/{unwrap,lookup,rewrap} a bad wrapping token is a 400, not a 403, and a
  // JWT-format wrapping token stands for the token inside it.
  if (!sealed) {
    const checked = await checkWrappingRequest(deps.wrapping, { path: incoming.path, data: incoming.data, clientToken: incoming.clientToken });
    if (checked) incoming = { ...incoming, data: { ...checked.data }, ...(checked.clientToken !== undefined ? { clientToken: checked.clientToken } : {}) };
  }

  // 3. Authentication. A token is resolved whenever one is sent, so unauthenticated
  //    endpoints that care (sys/internal/ui/mounts) can still see who is asking.
  const unauthenticated = match !== null && match.value.backend.isSpecialPath('unauthenticated', match.relativePath);
  const token = incoming.clientToken;
  let entry = token && !sealed ? await deps.lookupToken(token, incoming.remoteAddr) : null;
  let acl: Acl | null = null;
  if (entry) {
    const resolved = await deps.aclFor(entry);
    if (resolved.disabled) entry = null; // a disabled entity's tokens are treated as invalid
    else acl = resolved.acl;
  }
  const isRoot = acl?.isRoot ?? false;

  const audited = deps.audit.size > 0 && !deps.notAudited(incoming.path);
  const auditBase = audited ? auditRequestBase(requestId, incoming, token, entry, match?.value.entry ?? null) : null;
  const refuse = async (err: Error): Promise<never> => {
    if (auditBase) await deps.audit.logRequest({ ...auditBase, error: err.message });
    throw err;
  };

  if (!unauthenticated) {
    if (!token) await refuse(new PermissionDeniedError());
    if (!entry) await refuse(new PermissionDeniedError('permission denied', { details: ['invalid token'] }));
  }

  if (match === null) {
    // Vault checks the ACL before routing: only root learns that the route does not exist.
    if (!isRoot) return refuse(new PermissionDeniedError());
    return refuse(new UnsupportedPathError(`no handler for route "${incoming.path}". route entry not found.`));
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
    ...(entry ? { displayName: entry.display_name } : {}),
    ...(incoming.contentType !== undefined ? { contentType: incoming.contentType } : {}),
    ...(incoming.signal !== undefined ? { signal: incoming.signal } : {}),
  });

  // 5a. The existence check turns update into create where the path declares one; the
  //     ACL (below) judges the resulting operation.
  if (request.operation === 'update') {
    const existence = await mounted.backend.existenceCheck(request);
    if (existence.checked && !existence.exists) request = { ...request, operation: 'create' };
  }

  // 3b. Authorisation: the ACL judges the final operation; root-protected paths need sudo
  //     on top. A use is counted even when the request is denied, as in Vault. Denials
  //     are audited. Unauthenticated paths skip the ACL.
  let used: TokenEntry | null = entry;
  if (!unauthenticated && entry && acl) {
    const result = acl.allowOperation({
      path: incoming.path,
      operation: aclOperation(request.operation),
      data: request.data,
      ...(wrapTtl > 0 ? { wrapTtl } : {}),
    });
    const needsSudo = mounted.backend.isSpecialPath('root', match.relativePath);
    const allowed = result.allowed && (!needsSudo || result.sudo || result.isRoot);
    used = await deps.useToken(entry);
    // A wrapping token may only unwrap, look itself up or rewrap — whatever its ACL says —
    // and, as in Vault, a refused attempt still uses it up.
    if (isWrappingToken(entry) && !wrappingTokenMayCall(incoming.path)) await refuse(new PermissionDeniedError());
    if (!allowed) await refuse(new PermissionDeniedError());
    if (!used) await refuse(new PermissionDeniedError('permission denied', { details: ['invalid token'] }));
  }

  // 4. Audit the request: fails closed (AuditError, a 500) when no device records it.
  if (auditBase) await deps.audit.logRequest({ ...auditBase, request: { ...auditBase.request, operation: request.operation } });

  // 5b. The backend.
  const auth: RequestAuth | null = token && used && acl ? { token, entry: used, acl, isRoot } : null;
  deps.authContext.set(requestId, auth);
  let response: LogicalResponse | null;
  try {
    response = await mounted.backend.handleRequest(request);
  } catch (err) {
    if (auditBase) {
      await deps.audit.logResponse({
        ...auditBase,
        request: { ...auditBase.request, operation: request.operation },
        error: err instanceof Error ? err.message : 'internal error',
      });
    }
    throw err;
  } finally {
    deps.authContext.delete(requestId);
    if (used) await deps.revokeIfExhausted(used);
  }

  // 6. Logins: a credential backend proved who the caller is; the core (never the
  //    backend) resolves the identity and creates the token. Leased secrets get their lease.
  if (response?.secret) {
    const { secret, ...rest } = response;
    const lease = await deps.registerLease(mounted, incoming.path, secret, used);
    const warnings = [...(rest.warnings ?? []), ...lease.warnings];
    response = {
      ...rest,
      leaseId: lease.leaseId,
      leaseDuration: lease.ttl,
      renewable: lease.renewable,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }
  if (response?.login) {
    if (mounted.backend.spec.kind !== 'credential') throw new InternalError('only auth methods can log in');
    const { login, ...rest } = response;
    const completed = await deps.completeLogin(mounted.entry, incoming.path, login);
    const warnings = [...(rest.warnings ?? []), ...completed.warnings];
    response = { ...rest, auth: completed.auth, ...(warnings.length > 0 ? { warnings } : {}) };
  }

  // 7. Response wrapping: the response the client would have received goes into a
  //    single-use token's cubbyhole; the client gets the wrapping token instead.
  const wrap = decideWrap({ operation: request.operation, response, requestTtl: wrapTtl, requestFormat: wrapFormat, path: incoming.path });
  // Vault audits the response it wrapped (data, auth) together with the wrap info.
  let auditedResponse: AuditResponse | null = auditResponse(response);
  if (wrap && response) {
    const accessor = wrappedAccessorFor(response);
    const info = await deps.wrapping.wrap(envelopeBody(requestId, response, mounted.entry.type), {
      ttl: wrap.ttl,
      creationPath: incoming.path,
      format: wrap.format,
      ...(accessor !== undefined ? { wrappedAccessor: accessor } : {}),
    });
    response = wrappedResponse(info);
    auditedResponse = { ...auditedResponse, wrapInfo: auditWrapInfo(info) };
  }

  // 8. Audit the response (fails closed too: the caller must not get what was not recorded).
  if (auditBase) {
    await deps.audit.logResponse({
      ...auditBase,
      request: { ...auditBase.request, operation: request.operation },
      response: auditedResponse,
    });
  }

  return {
    requestId,
    response,
    operation: request.operation,
    mountType: mounted.entry.type,
    mountPath: mounted.entry.path,
  };
}

/** The ACL has no `help` capability: reading help needs read. */
function aclOperation(op: Operation): AclInput['operation'] {
  return op === 'help' ? 'read' : op;
}

function auditRequestBase(
  requestId: string,
  incoming: IncomingRequest,
  token: string | undefined,
  entry: TokenEntry | null,
  mount: MountEntry | null,
): AuditResponseInput {
  return {
    auth: entry
      ? {
          clientToken: token,
          accessor: entry.accessor,
          displayName: entry.display_name,
          policies: entry.policies,
          tokenPolicies: entry.policies,
          metadata: entry.meta,
          tokenType: entry.type,
          ttl: entry.ttl,
          issueTime: entry.creation_time,
        }
      : null,
    request: {
      id: requestId,
      operation: incoming.operation,
      path: incoming.path,
      clientToken: token,
      clientTokenAccessor: entry?.accessor,
      data: incoming.data,
      headers: incoming.headers,
      mountPoint: mount?.path,
      mountType: mount?.type,
      mountAccessor: mount?.accessor,
      remoteAddress: incoming.remoteAddr,
    },
    nonHmacRequestKeys: mount?.config.audit_non_hmac_request_keys,
    nonHmacResponseKeys: mount?.config.audit_non_hmac_response_keys,
  };
}

function auditResponse(response: LogicalResponse | null): AuditResponse | null {
  if (!response) return null;
  if (response.raw) return { data: isRecord(response.raw.body) ? response.raw.body : null };
  return {
    data: response.data ?? null,
    warnings: response.warnings ?? null,
    // A new token (token create, logins): `response.auth`, its token and accessor HMAC'd.
    ...(response.auth ? { auth: auditAuthOf(response.auth) } : {}),
  };
}

function auditAuthOf(auth: NonNullable<LogicalResponse['auth']>): AuditAuth {
  return {
    clientToken: auth.client_token,
    accessor: auth.accessor,
    policies: auth.policies,
    tokenPolicies: auth.token_policies,
    identityPolicies: auth.identity_policies,
    metadata: auth.metadata,
    entityId: auth.entity_id,
    numUses: auth.num_uses,
    tokenType: auth.token_type,
    ttl: auth.lease_duration,
  };
}

function auditWrapInfo(info: WrapInfo): AuditWrapInfo {
  return {
    token: info.token,
    accessor: info.accessor,
    ttl: info.ttl,
    creationTime: info.creation_time,
    creationPath: info.creation_path,
    ...(info.wrapped_accessor ? { wrappedAccessor: info.wrapped_accessor } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
