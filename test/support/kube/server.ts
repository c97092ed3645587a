/**
 * An in-process Kubernetes API server over HTTPS for tests: discovery, CRUD with
 * resourceVersion conflicts, list with selectors and pagination, watch streams, PATCH,
 * TokenRequest, TokenReview and OIDC discovery, with bearer authentication (an admin
 * token or any valid ServiceAccount token) and a pluggable authorizer.
 *
 * Unauthenticated: /version, /healthz, /livez, /readyz, /.well-known/openid-configuration,
 * /openid/v1/jwks (as on clusters that let anyone read the issuer's keys).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeClient } from './client.js';
import { installControllers, populateTokenSecret } from './controllers.js';
import { installCrdController } from './crds.js';
import { GarbageCollector } from './gc.js';
import { apiGroup, apiGroupList, apiVersions, groupVersions, resourceList } from './discovery.js';
import { PATCH_CONTENT_TYPES, applyPatch } from './patch.js';
import { CORE_RESOURCE_TYPES, DEFAULT_NAMESPACES, SA_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_SECRET_TYPE, namespacesType, podsType, secretsType, serviceAccountsType } from './resources.js';
import { KubeStatusError, statusErrors } from './status.js';
import { ObjectStore, type ListOptions } from './store.js';
import { generateServingCertificate } from './tls.js';
import { tokenRequest, tokenReview, type TokenEndpointDeps } from './token-endpoints.js';
import { TokenAuthority, authenticateServiceAccountToken, type MintedToken, type ObjectRef, type SigningAlgorithm, type TokenAuthentication, type TokenLookups, type UserInfo } from './tokens.js';
import { apiVersionOf, type Authorizer, type FieldValidationDirective, type KubeObject, type PropagationPolicy, type RequestAttributes, type ResourceType } from './types.js';
import { openWatch, type WatchHandle } from './watch.js';

export type { Authorizer, RequestAttributes } from './types.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Undefined when the request was not authenticated. */
  username: string | undefined;
  body: unknown;
  status: number;
}

/** Replaces the answer to matching requests: a status (and body), or `'drop'` to cut the connection. */
export type FaultInjector = (request: { method: string; path: string }) => { status: number; body?: unknown } | 'drop' | undefined;

export interface KubeTestServerOptions {
  /** The ServiceAccount issuer (`--service-account-issuer`); default `https://kubernetes.default.svc.cluster.local`. */
  issuer?: string;
  /** `--api-audiences`; default `[issuer]`. */
  apiAudiences?: string[];
  signingAlgorithm?: SigningAlgorithm;
  adminToken?: string;
  /** Default 60000 (the apiserver sends bookmarks about once a minute). */
  bookmarkIntervalMs?: number;
  /** Events kept for watch resumption; older resourceVersions get 410 Expired. */
  historyLimit?: number;
  /** Create default, kube-system, kube-public, kube-node-lease and `default` ServiceAccounts. Default true. */
  bootstrap?: boolean;
  authorize?: Authorizer;
  /** Milliseconds since the epoch (token validation, timestamps). */
  now?: () => number;
  /**
   * Run the ownerReference garbage collector, as every cluster does. Default true; `false`
   * lets a test look at dependents of a deleted owner before `kube.gc.start()` collects them.
   */
  garbageCollection?: boolean;
}

export interface MintTokenOptions {
  namespace: string;
  serviceAccount: string;
  audiences?: string[];
  expirationSeconds?: number;
  /** Seconds since the epoch; set it in the past to mint an expired token. */
  issuedAt?: number;
  /** Overrides the ServiceAccount uid in the claims (a token for a SA that no longer exists). */
  uid?: string;
  pod?: ObjectRef;
}

export interface KubeTestServer {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** The cluster CA (what `kubernetes_ca_cert` and kubeconfigs take). */
  caPem: string;
  adminToken: string;
  issuer: string;
  apiAudiences: readonly string[];
  /** A client with the admin token. */
  client: KubeClient;
  clientFor(token: string | undefined): KubeClient;
  store: ObjectStore;
  tokens: TokenAuthority;
  /** The ownerReference garbage collector (`start()`/`stop()`); `await kube.gc.idle()` waits for it to catch up. */
  gc: GarbageCollector;
  /** Every request served, oldest first. */
  readonly requests: RecordedRequest[];
  setAuthorizer(authorize: Authorizer | undefined): void;
  injectFault(fault: FaultInjector | undefined): void;
  createNamespace(name: string, labels?: Record<string, string>): KubeObject;
  createServiceAccount(namespace: string, name: string): KubeObject;
  /** A bound token signed by the cluster, bypassing TokenRequest validation (any lifetime). */
  mintToken(options: MintTokenOptions): MintedToken;
  /** Creates a `kubernetes.io/service-account-token` Secret and returns the legacy token the controller put in it. */
  mintLegacyToken(namespace: string, serviceAccount: string, secretName?: string): string;
  close(): Promise<void>;
}

const ADMIN_USER: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const MAX_BODY_BYTES = 3 * 1024 * 1024;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseBool(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json', warnings: readonly string[] = []): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    // RFC 7234 warn-text: a quoted string, as the apiserver sends it.
    ...(warnings.length > 0 ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {}),
  });
  res.end(text);
}

const FIELD_VALIDATION_VALUES = ['', 'Ignore', 'Strict', 'Warn'];
const PROPAGATION_POLICIES = ['Foreground', 'Background', 'Orphan'];

/** `?fieldValidation=`: empty means Warn (the apiserver's default since 1.25). */
function fieldValidationOf(query: URLSearchParams, optionsKind: string): FieldValidationDirective {
  const value = query.get('fieldValidation') ?? '';
  if (!FIELD_VALIDATION_VALUES.includes(value)) {
    throw statusErrors.invalid(optionsKind, 'meta.k8s.io', '', [
      { reason: 'FieldValueNotSupported', field: 'fieldValidation', message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${FIELD_VALIDATION_VALUES.map((v) => JSON.stringify(v)).join(', ')}` },
    ]);
  }
  return value === '' ? 'Warn' : (value as FieldValidationDirective);
}

/** DeleteOptions.propagationPolicy / orphanDependents (body or query), validated as ValidateDeleteOptions does. */
function propagationPolicyOf(options: { propagationPolicy?: unknown; orphanDependents?: unknown }, query: URLSearchParams): PropagationPolicy | undefined {
  const policy = options.propagationPolicy ?? query.get('propagationPolicy') ?? undefined;
  const orphan = options.orphanDependents ?? (query.has('orphanDependents') ? query.get('orphanDependents') === 'true' : undefined);
  const invalid = (message: string): KubeStatusError =>
    statusErrors.invalid('DeleteOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueInvalid', field: 'propagationPolicy', message }]);
  if (policy !== undefined && orphan !== undefined) throw invalid(`Invalid value: ${JSON.stringify(String(policy))}: orphanDependents and deletionPropagation cannot be both set`);
  if (policy !== undefined) {
    if (typeof policy !== 'string' || !PROPAGATION_POLICIES.includes(policy)) {
      throw statusErrors.invalid('DeleteOptions', 'meta.k8s.io', '', [
        { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: ${JSON.stringify(String(policy))}: supported values: "Foreground", "Background", "Orphan"` },
      ]);
    }
    return policy as PropagationPolicy;
  }
  if (orphan === true) return 'Orphan';
  if (orphan === false) return 'Background';
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new KubeStatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Request entity too large', reason: 'RequestEntityTooLarge', code: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw statusErrors.badRequest(`the object provided is unrecognized: ${(err as Error).message}`);
  }
}

function asObject(body: unknown, what: string): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw statusErrors.badRequest(`${what}: the request body must be a JSON object`);
  const obj = body as KubeObject;
  if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = {};
  return obj;
}

function verbFor(method: string, name: string | undefined, watch: boolean): string {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

interface Target {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  watchPrefix: boolean;
}

function resolveTarget(store: ObjectStore, group: string, version: string, segments: string[]): Target | undefined {
  let rest = segments.map((s) => decodeURIComponent(s));
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const candidate = store.resolve(group, version, rest[2] ?? '');
    if (candidate?.namespaced) {
      if (rest.length > 5) return undefined;
      return { type: candidate, namespace: rest[1], name: rest[3], subresource: rest[4], watchPrefix };
    }
  }
  const type = store.resolve(group, version, rest[0] ?? '');
  if (!type || rest.length > 3 || rest.length === 0) return undefined;
  return { type, namespace: undefined, name: rest[1], subresource: rest[2], watchPrefix };
}

export async function startKubeTestServer(options: KubeTestServerOptions = {}): Promise<KubeTestServer> {
  const tls = await generateServingCertificate();
  const now = options.now ?? Date.now;
  const store = new ObjectStore({ now, ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}) });
  for (const type of CORE_RESOURCE_TYPES) store.register(type);
  const authority = new TokenAuthority({
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.apiAudiences !== undefined ? { apiAudiences: options.apiAudiences } : {}),
    ...(options.signingAlgorithm !== undefined ? { algorithm: options.signingAlgorithm } : {}),
    now,
  });
  const adminToken = options.adminToken ?? `coffer-kube-admin-${randomBytes(16).toString('hex')}`;
  const bootstrap = options.bootstrap ?? true;
  installControllers(store, authority, tls.caPem, { defaultServiceAccounts: bootstrap });
  installCrdController(store);
  const gc = new GarbageCollector(store);
  if (options.garbageCollection !== false) gc.start();
  if (bootstrap) {
    for (const name of DEFAULT_NAMESPACES) store.create(namespacesType, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  let authorize: Authorizer | undefined = options.authorize;
  let fault: FaultInjector | undefined;
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
  const requests: RecordedRequest[] = [];
  const watches = new Set<{ handle: WatchHandle; res: ServerResponse }>();
  const sockets = new Set<Socket>();
  let url = '';

  const lookups: TokenLookups = {
    serviceAccount: (ns, name) => store.tryGet(serviceAccountsType, ns, name),
    secret: (ns, name) => store.tryGet(secretsType, ns, name),
    pod: (ns, name) => store.tryGet(podsType, ns, name),
  };

  const review = (token: string, audiences: readonly string[]): TokenAuthentication => {
    if (safeEqual(token, adminToken)) {
      return { authenticated: true, user: ADMIN_USER, audiences: audiences.length > 0 ? [...audiences] : [...authority.apiAudiences] };
    }
    return authenticateServiceAccountToken(authority, lookups, token, audiences);
  };

  const authenticate = (req: IncomingMessage): UserInfo => {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) throw statusErrors.unauthorized();
    const result = review(header.slice('Bearer '.length).trim(), []);
    if (!result.authenticated) throw statusErrors.unauthorized();
    return result.user;
  };

  const checkAccess = (user: UserInfo, attributes: RequestAttributes): void => {
    if (!authorize || authorize(user, attributes)) return;
    throw statusErrors.forbidden(user.username, attributes.verb, { group: attributes.group, resource: attributes.resource }, attributes.name, attributes.namespace);
  };

  const tokenDeps: TokenEndpointDeps = { store, authority, now, review, checkAccess };

  // ---- resources --------------------------------------------------------------------

  const listBody = (type: ResourceType, items: KubeObject[], metadata: Record<string, unknown>): unknown => ({
    kind: type.listKind ?? `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata,
    items,
  });

  const serveWatch = (res: ServerResponse, target: Target, query: URLSearchParams): void => {
    const fieldSelector = [query.get('fieldSelector') ?? '', target.name !== undefined ? `metadata.name=${target.name}` : ''].filter((s) => s !== '').join(',');
    const filter = store.compileFilter(target.type, target.namespace, query.get('labelSelector') ?? undefined, fieldSelector);
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '1800');
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const entry = {
      res,
      handle: openWatch(
        store,
        filter,
        {
          ...(query.has('resourceVersion') ? { resourceVersion: query.get('resourceVersion') ?? '' } : {}),
          sendInitialEvents: parseBool(query.get('sendInitialEvents')),
          allowBookmarks: parseBool(query.get('allowWatchBookmarks')),
          bookmarkIntervalMs,
          ...(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? { timeoutMs: timeoutSeconds * 1000 } : {}),
          bookmarkKind: { kind: target.type.kind, apiVersion: apiVersionOf(target.type) },
        },
        (event) => {
          if (res.writableEnded) return;
          // Objects are stored at one version; a watch on another CRD version sees its own.
          const apiVersion = apiVersionOf(target.type);
          const object = event.object as KubeObject;
          const out =
            (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') && object.apiVersion !== apiVersion
              ? { ...event, object: { ...object, apiVersion } }
              : event;
          res.write(`${JSON.stringify(out)}\n`);
        },
        () => {
          watches.delete(entry);
          res.end();
        },
      ),
    };
    watches.add(entry);
    // The response closes when the client goes away (or the server ends the watch).
    res.on('close', () => {
      entry.handle.stop();
      watches.delete(entry);
    });
  };

  const serveResource = async (
    req: IncomingMessage,
    res: ServerResponse,
    user: UserInfo,
    target: Target,
    query: URLSearchParams,
    record: RecordedRequest,
  ): Promise<{ status: number; body: unknown; warnings?: string[] } | undefined> => {
    const path = record.path;
    const recordBody = (body: unknown): void => {
      if (body !== undefined) record.body = body;
    };
    const { type, namespace, name, subresource } = target;
    const method = req.method ?? 'GET';
    const watch = target.watchPrefix || parseBool(query.get('watch'));
    if (type.namespaced && namespace === undefined && (name !== undefined || method !== 'GET')) throw statusErrors.routeNotFound();
    if (subresource !== undefined && !(subresource === 'status' && type.statusSubresource) && !(subresource === 'token' && type === serviceAccountsType)) {
      throw statusErrors.routeNotFound();
    }
    const bodyText = method === 'GET' ? '' : await readBody(req);
    const body = method === 'PATCH' ? undefined : parseJson(bodyText);
    recordBody(body);
    if (subresource === 'token') {
      if (method !== 'POST' || namespace === undefined || name === undefined) throw statusErrors.methodNotAllowed();
      return { status: 201, body: tokenRequest(tokenDeps, user, namespace, name, asObject(body ?? {}, 'TokenRequest')) };
    }
    checkAccess(user, {
      verb: verbFor(method, name, watch),
      group: type.group,
      resource: type.resource,
      ...(subresource !== undefined ? { subresource } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      path,
    });
    const dryRun = query.get('dryRun') === 'All';
    const selectors: ListOptions = {
      ...(query.get('labelSelector') ? { labelSelector: query.get('labelSelector') ?? '' } : {}),
      ...(query.get('fieldSelector') ? { fieldSelector: query.get('fieldSelector') ?? '' } : {}),
    };
    switch (method) {
      case 'GET': {
        if (watch) {
          serveWatch(res, target, query);
          return undefined;
        }
        if (name !== undefined) return { status: 200, body: store.get(type, namespace, name) };
        const limit = Number(query.get('limit') ?? '0');
        const list = store.list(type, namespace, {
          ...selectors,
          ...(Number.isInteger(limit) && limit > 0 ? { limit } : {}),
          ...(query.get('continue') ? { continue: query.get('continue') ?? '' } : {}),
        });
        const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
        if (list.continue !== undefined) metadata['continue'] = list.continue;
        if (list.remainingItemCount !== undefined) metadata['remainingItemCount'] = list.remainingItemCount;
        return { status: 200, body: listBody(type, list.items, metadata) };
      }
      case 'POST': {
        if (name !== undefined) throw statusErrors.methodNotAllowed();
        const warnings: string[] = [];
        const fieldValidation = fieldValidationOf(query, 'CreateOptions');
        return { status: 201, body: store.create(type, namespace, asObject(body, type.kind), { dryRun, fieldValidation, warnings }), warnings };
      }
      case 'PUT': {
        if (name === undefined) throw statusErrors.methodNotAllowed();
        const warnings: string[] = [];
        const fieldValidation = fieldValidationOf(query, 'UpdateOptions');
        return {
          status: 200,
          body: store.update(type, namespace, name, asObject(body, type.kind), { dryRun, fieldValidation, warnings, ...(subresource === 'status' ? { subresource: 'status' as const } : {}) }),
          warnings,
        };
      }
      case 'PATCH': {
        if (name === undefined) throw statusErrors.methodNotAllowed();
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
        const patchType = PATCH_CONTENT_TYPES[contentType];
        if (!patchType) throw statusErrors.unsupportedMediaType(contentType);
        const patch = parseJson(bodyText);
        recordBody(patch);
        const current = store.get(type, namespace, name);
        const patched = asObject(applyPatch(patchType, current, patch), type.kind);
        const warnings: string[] = [];
        const fieldValidation = fieldValidationOf(query, 'PatchOptions');
        return {
          status: 200,
          body: store.update(type, namespace, name, patched, { dryRun, fieldValidation, warnings, ...(subresource === 'status' ? { subresource: 'status' as const } : {}) }),
          warnings,
        };
      }
      case 'DELETE': {
        const options = (body ?? {}) as { preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[]; propagationPolicy?: unknown; orphanDependents?: unknown };
        const deleteDryRun = dryRun || (Array.isArray(options.dryRun) && options.dryRun.includes('All'));
        const propagationPolicy = propagationPolicyOf(options, query);
        if (name === undefined) {
          const deleted = store.deleteCollection(type, namespace, { ...selectors, dryRun: deleteDryRun, ...(propagationPolicy ? { propagationPolicy } : {}) });
          return { status: 200, body: listBody(type, deleted, {}) };
        }
        const result = store.delete(type, namespace, name, {
          dryRun: deleteDryRun,
          ...(options.preconditions ? { preconditions: options.preconditions } : {}),
          ...(propagationPolicy ? { propagationPolicy } : {}),
        });
        return { status: 200, body: store.deleteResponse(type, result) };
      }
      default:
        throw statusErrors.methodNotAllowed();
    }
  };

  const route = async (
    req: IncomingMessage,
    res: ServerResponse,
    parsed: URL,
    record: RecordedRequest,
  ): Promise<{ status: number; body: unknown; contentType?: string; warnings?: string[] } | undefined> => {
    const path = parsed.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    // Public endpoints.
    if (method === 'GET') {
      if (path === '/version') {
        return { status: 200, body: { major: '1', minor: '31', gitVersion: 'v1.31.0-coffer-test', platform: 'linux/amd64' } };
      }
      if (path === '/healthz' || path === '/livez' || path === '/readyz') return { status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' };
      if (path === '/.well-known/openid-configuration') return { status: 200, body: authority.discoveryDocument(`${url}/openid/v1/jwks`) };
      if (path === '/openid/v1/jwks') return { status: 200, body: authority.jwks(), contentType: 'application/jwk-set+json' };
    }
    const user = authenticate(req);
    record.username = user.username;
    const segments = path.split('/').filter((s) => s !== '');
    if (segments[0] === 'api') {
      if (segments.length === 1) {
        const address = (req.socket.address() as AddressInfo | undefined) ?? { address: '127.0.0.1', port: 0 };
        return { status: 200, body: apiVersions(`${address.address}:${address.port}`) };
      }
      const version = segments[1] ?? '';
      if (segments.length === 2) {
        const list = resourceList(store, '', version);
        if (!list) throw statusErrors.routeNotFound();
        return { status: 200, body: list };
      }
      const target = resolveTarget(store, '', version, segments.slice(2));
      if (!target) throw statusErrors.routeNotFound();
      return serveResource(req, res, user, target, parsed.searchParams, record);
    }
    if (segments[0] === 'apis') {
      const groups = groupVersions(store);
      if (segments.length === 1) return { status: 200, body: apiGroupList(store) };
      const group = segments[1] ?? '';
      const versions = groups.get(group);
      if (!versions) throw statusErrors.routeNotFound();
      if (segments.length === 2) return { status: 200, body: { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) } };
      const version = segments[2] ?? '';
      if (segments.length === 3) {
        const list = resourceList(store, group, version);
        if (!list) throw statusErrors.routeNotFound();
        return { status: 200, body: list };
      }
      if (group === 'authentication.k8s.io' && version === 'v1' && segments.length === 4 && segments[3] === 'tokenreviews') {
        if (method !== 'POST') throw statusErrors.methodNotAllowed();
        const body = parseJson(await readBody(req));
        record.body = body;
        return { status: 201, body: tokenReview(tokenDeps, user, asObject(body, 'TokenReview')) };
      }
      const target = resolveTarget(store, group, version, segments.slice(3));
      if (!target) throw statusErrors.routeNotFound();
      return serveResource(req, res, user, target, parsed.searchParams, record);
    }
    throw statusErrors.routeNotFound();
  };

  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const parsed = new URL(req.url ?? '/', 'https://127.0.0.1');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: parsed.pathname,
      query: Object.fromEntries(parsed.searchParams.entries()),
      username: undefined,
      body: undefined,
      status: 0,
    };
    requests.push(record);
    const injected = fault?.({ method: record.method, path: record.path });
    if (injected === 'drop') {
      record.status = -1;
      req.socket.destroy();
      return;
    }
    if (injected) {
      record.status = injected.status;
      send(res, injected.status, injected.body ?? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'injected fault', code: injected.status });
      return;
    }
    route(req, res, parsed, record)
      .then((result) => {
        if (result === undefined) {
          record.status = 200;
          return;
        }
        record.status = result.status;
        send(res, result.status, result.body, result.contentType, result.warnings);
      })
      .catch((err: unknown) => {
        const status =
          err instanceof KubeStatusError
            ? err.status
            : statusErrors.internal(err instanceof Error ? err.message : String(err)).status;
        record.status = status.code;
        if (!res.headersSent) send(res, status.code, status);
        else res.end();
      });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {
    // A client that rejects our certificate: nothing to answer.
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `https://127.0.0.1:${port}`;
  const client = new KubeClient({ url, caPem: tls.caPem, token: adminToken });

  const serviceAccount = (namespace: string, name: string): KubeObject => store.get(serviceAccountsType, namespace, name);

  return {
    url,
    caPem: tls.caPem,
    adminToken,
    issuer: authority.issuer,
    apiAudiences: authority.apiAudiences,
    client,
    clientFor: (token) => client.withToken(token),
    store,
    tokens: authority,
    gc,
    requests,
    setAuthorizer(next) {
      authorize = next;
    },
    injectFault(next) {
      fault = next;
    },
    createNamespace(name, labels) {
      return store.create(namespacesType, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });
    },
    createServiceAccount(namespace, name) {
      return store.create(serviceAccountsType, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
    },
    mintToken(mint) {
      const sa = mint.uid === undefined ? serviceAccount(mint.namespace, mint.serviceAccount) : undefined;
      return authority.mintBound({
        serviceAccount: { namespace: mint.namespace, name: mint.serviceAccount, uid: mint.uid ?? sa?.metadata.uid ?? '' },
        ...(mint.audiences !== undefined ? { audiences: mint.audiences } : {}),
        ...(mint.expirationSeconds !== undefined ? { expirationSeconds: mint.expirationSeconds } : {}),
        ...(mint.issuedAt !== undefined ? { issuedAt: mint.issuedAt } : {}),
        ...(mint.pod !== undefined ? { pod: mint.pod } : {}),
      });
    },
    mintLegacyToken(namespace, saName, secretName = `${saName}-token`) {
      serviceAccount(namespace, saName);
      let secret =
        store.tryGet(secretsType, namespace, secretName) ??
        store.create(secretsType, namespace, {
          apiVersion: 'v1',
          kind: 'Secret',
          type: SERVICE_ACCOUNT_TOKEN_SECRET_TYPE,
          metadata: { name: secretName, annotations: { [SA_NAME_ANNOTATION]: saName } },
        });
      secret = populateTokenSecret(store, authority, tls.caPem, store.get(secretsType, namespace, secret.metadata.name ?? secretName));
      const token = (secret['data'] as Record<string, string> | undefined)?.['token'];
      if (!token) throw new Error(`secret ${namespace}/${secretName} holds no token`);
      return Buffer.from(token, 'base64').toString('utf8');
    },
    async close() {
      gc.stop();
      client.close();
      for (const w of [...watches]) {
        w.handle.stop();
        w.res.end();
      }
      watches.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
    },
  };
}
