/**
 * Test harness: a real token store and cubbyhole store over in-memory storages, the
 * wrapping service, and a small stand-in for the core pipeline that runs `sys/wrapping/*`
 * and `cubbyhole/*` requests the way the real pipeline is meant to: header parsing, the
 * wrapping-token pre-check, token use counting, the wrapping-token path limit, `callerOf`,
 * revocation of used-up tokens and response wrapping. (No ACL: only the path limit.)
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { PermissionDeniedError, UnsupportedPathError } from '../../shared/errors.js';
import { createCubbyholeStore, cubbyholeBackend, cubbyholeRevokeHook, type CubbyholeStore } from '../cubbyhole/index.js';
import { createBackend, defineBackend, type Backend, type LogicalRequest, type LogicalResponse, type MountView, type Operation } from '../sdk/index.js';
import { InmemStorage } from '../sdk/testing.js';
import { createTokenStore, type TokenEntry, type TokenStore } from '../tokens/index.js';
import { WRAPPING_UNAUTHENTICATED_PATHS, checkWrappingRequest, wrapPaths } from './paths.js';
import {
  createWrappingService,
  decideWrap,
  isWrappingToken,
  wrappedAccessorFor,
  wrappedResponse,
  wrappingTokenMayCall,
  type WrappedResponse,
  type WrappingService,
} from './service.js';
import { parseWrapFormat, parseWrapTtl } from './ttl.js';

/** InmemStorage with a text dump, for "is this secret anywhere" checks. */
export class DumpStorage extends InmemStorage {
  dump(): string {
    const parts: string[] = [];
    for (const [k, v] of this.entries) parts.push(k, Buffer.from(v).toString('utf8'));
    return parts.join('\n');
  }
}

export interface Clock {
  now(): number;
  advance(seconds: number): void;
}

export function testClock(start = Date.UTC(2024, 0, 2, 3, 4, 5, 678)): Clock {
  let t = start;
  return {
    now: () => t,
    advance(seconds) {
      t += seconds * 1000;
    },
  };
}

export interface WrappingHarness {
  clock: Clock;
  tokenStorage: DumpStorage;
  cubbyStorage: DumpStorage;
  tokens: TokenStore;
  cubbyholes: CubbyholeStore;
  service: WrappingService;
  rootToken: string;
  /** A plain service token (policy `default`). */
  newToken(extra?: { type?: 'service' | 'batch'; parent?: TokenEntry | null }): Promise<{ token: string; entry: TokenEntry }>;
  /** A `WrappedResponse` like the pipeline would pass. */
  envelope(data: Record<string, unknown>, extra?: Partial<WrappedResponse>): WrappedResponse;
  /** Runs one request through the pipeline stand-in. `path` is the full path (`sys/wrapping/unwrap`). */
  call(
    token: string | null,
    operation: Operation | 'write',
    path: string,
    data?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<LogicalResponse | null>;
}

function mountView(path: string, type: string): MountView {
  return {
    path,
    type,
    uuid: randomUUID(),
    accessor: `${type}_12345678`,
    options: {},
    defaultLeaseTtl: () => 2764800,
    maxLeaseTtl: () => 2764800,
  };
}

export async function createWrappingHarness(options: { jwtKey?: KeyObject } = {}): Promise<WrappingHarness> {
  const clock = testClock();
  const tokenStorage = new DumpStorage();
  const cubbyStorage = new DumpStorage();
  const tokens = createTokenStore(tokenStorage, { now: clock.now, batchKey: new Uint8Array(32).fill(9) });
  const cubbyholes = createCubbyholeStore(cubbyStorage);
  tokens.addRevokeHook(cubbyholeRevokeHook(cubbyholes));
  const service = createWrappingService({
    tokens,
    cubbyholes,
    now: () => new Date(clock.now()),
    ...(options.jwtKey ? { jwtKey: options.jwtKey, apiAddr: 'https://127.0.0.1:8200' } : {}),
  });
  const callers = new Map<string, { token: string; entry: TokenEntry }>();
  const sysMount = mountView('sys/', 'system');
  const cubbyMount = mountView('cubbyhole/', 'cubbyhole');
  const sys: Backend = createBackend(
    defineBackend({
      kind: 'logical',
      help: 'sys',
      specialPaths: { unauthenticated: WRAPPING_UNAUTHENTICATED_PATHS },
      paths: wrapPaths(service, { callerOf: (id) => callers.get(id) ?? null }),
    }),
  );
  const cubby: Backend = createBackend(cubbyholeBackend(cubbyholes, { callerOf: (id) => callers.get(id) ?? null }));
  const rootToken = await tokens.createRootToken();

  async function call(
    token: string | null,
    operation: Operation | 'write',
    path: string,
    data: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<LogicalResponse | null> {
    const lowered: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) lowered[k.toLowerCase()] = v;
    // HTTP layer: X-Vault-Wrap-TTL / -Format.
    const wrapTtl = parseWrapTtl(lowered['x-vault-wrap-ttl']);
    const wrapFormat = parseWrapFormat(lowered['x-vault-wrap-format']);
    // Pre-authentication wrapping-token check.
    let clientToken = token ?? undefined;
    let body: Readonly<Record<string, unknown>> = data;
    const checked = await checkWrappingRequest(service, { path, data, clientToken });
    if (checked) {
      clientToken = checked.clientToken;
      body = checked.data;
    }
    // Routing.
    let backend: Backend;
    let mount: MountView;
    if (path.startsWith('sys/')) {
      backend = sys;
      mount = sysMount;
    } else if (path.startsWith('cubbyhole/')) {
      backend = cubby;
      mount = cubbyMount;
    } else {
      throw new UnsupportedPathError();
    }
    const relative = path.slice(mount.path.length);
    const unauthenticated = backend.isSpecialPath('unauthenticated', relative);
    const entry = clientToken ? await tokens.lookup(clientToken) : null;
    if (!unauthenticated && !entry) throw new PermissionDeniedError();
    // Wrapping tokens may only unwrap (their ACL aside).
    if (entry && isWrappingToken(entry) && !wrappingTokenMayCall(path)) throw new PermissionDeniedError();
    const id = randomUUID();
    const base: LogicalRequest = {
      id,
      operation: operation === 'write' ? 'update' : operation,
      path: relative,
      data: body,
      headers: lowered,
      remoteAddr: '127.0.0.1',
      storage: new InmemStorage(),
      mount,
    };
    let used: TokenEntry | null = entry;
    if (entry && clientToken) {
      // Lookups made with the caller's token are unauthenticated and do not use it.
      if (!unauthenticated) {
        used = await tokens.useToken(entry);
        if (!used) throw new PermissionDeniedError();
      }
      callers.set(id, { token: clientToken, entry: used ?? entry });
    }
    let req = base;
    if (req.operation === 'update') {
      const existence = await backend.existenceCheck(req);
      if (existence.checked && !existence.exists) req = { ...req, operation: 'create' };
    }
    let resp: LogicalResponse | null;
    try {
      resp = await backend.handleRequest(req);
    } finally {
      callers.delete(id);
      if (used && used !== entry) await tokens.revokeIfExhausted(used);
    }
    // Response wrapping.
    const decision = decideWrap({ operation: req.operation, response: resp, requestTtl: wrapTtl, requestFormat: wrapFormat, path });
    if (!decision || !resp) return resp;
    const envelope: WrappedResponse = {
      request_id: id,
      lease_id: '',
      renewable: false,
      lease_duration: resp.leaseDuration ?? 0,
      data: resp.data ?? null,
      wrap_info: null,
      warnings: resp.warnings && resp.warnings.length > 0 ? resp.warnings : null,
      auth: null,
      mount_type: mount.type,
    };
    const wrappedAccessor = wrappedAccessorFor(resp);
    const info = await service.wrap(envelope, {
      ttl: decision.ttl,
      creationPath: path,
      format: decision.format,
      ...(wrappedAccessor ? { wrappedAccessor } : {}),
    });
    return wrappedResponse(info);
  }

  return {
    clock,
    tokenStorage,
    cubbyStorage,
    tokens,
    cubbyholes,
    service,
    rootToken,
    async newToken(extra = {}) {
      const created = await tokens.createToken({
        policies: ['default'],
        parent: extra.parent ?? null,
        orphan: extra.parent ? false : true,
        path: 'auth/token/create',
        displayName: 'token',
        ...(extra.type ? { type: extra.type } : {}),
      });
      return { token: created.token, entry: created.entry };
    },
    envelope(data, extra = {}) {
      return {
        request_id: randomUUID(),
        lease_id: '',
        renewable: false,
        lease_duration: 2764800,
        data,
        wrap_info: null,
        warnings: null,
        auth: null,
        mount_type: 'kv',
        ...extra,
      };
    },
    call,
  };
}
