/**
 * Declarative backends (Vault's sdk/framework): an engine is a list of paths, each with a
 * pattern, typed fields and operation handlers. `createBackend` turns the declaration into
 * something the core can route requests to; validation, help and OpenAPI come from the
 * same declaration.
 */
import { UnsupportedOperationError, UnsupportedPathError, UserError } from '../../shared/errors.js';
import { openApiSchema, type FieldSchema, type FieldShape, type FieldValues } from './fields.js';
import type { LogicalRequest, LogicalResponse, MountView, Operation, Storage } from './logical.js';

export type Handler<S extends FieldShape> = (
  req: LogicalRequest,
  fields: FieldValues<S>,
) => Promise<LogicalResponse | null | undefined>;

export interface OperationSpec<S extends FieldShape> {
  handler: Handler<S>;
  summary?: string;
}

export interface PathSpec<S extends FieldShape = FieldShape> {
  /**
   * A regular expression (anchored for you) over the path relative to the mount. Named
   * groups (`(?<name>.+)`) are URL captures and must be declared in `fields`.
   */
  pattern: string;
  fields: S;
  operations: Partial<Record<Exclude<Operation, 'help'>, Handler<S> | OperationSpec<S>>>;
  /** Decides `create` (false) vs `update` (true) for POST/PUT; ACLs follow the result. */
  existenceCheck?: (req: LogicalRequest, fields: FieldValues<S>) => Promise<boolean>;
  /** Any body key is accepted (KV v1): no "unrecognized parameters" warning. */
  takesArbitraryInput?: boolean;
  synopsis?: string;
  description?: string;
}

/** What `renew` and `revoke` of a leased secret are given. */
export interface LeaseRequest {
  readonly leaseId: string;
  readonly storage: Storage;
  readonly mount: MountView;
  /** What the backend put in `LeaseSecret.internalData` when it issued the secret. */
  readonly internalData: Readonly<Record<string, unknown>>;
  /** Requested renewal increment in seconds (0 = the default). */
  readonly increment: number;
  /** Unix ms the lease was issued and its current expiry. */
  readonly issueTimeMs: number;
  readonly expireTimeMs: number;
}

/** A kind of leased secret a backend issues (Vault's framework.Secret). */
export interface SecretKind {
  type: string;
  /** Seconds; 0 = the mount's default. */
  defaultTtl?: number;
  maxTtl?: number;
  /** Extends the lease; returns the granted TTL (seconds), or null to refuse renewal. */
  renew?(req: LeaseRequest): Promise<{ ttl: number; warnings?: string[] } | null>;
  /** Destroys what the lease stands for (drops the database user, revokes the cert…). */
  revoke(req: LeaseRequest): Promise<void>;
}

export interface SpecialPaths {
  /** Paths reachable without a token. A trailing `*` matches any suffix. */
  unauthenticated?: readonly string[];
  /** Paths that need `sudo` on top of the operation's capability. */
  root?: readonly string[];
}

export interface BackendSpec {
  /** `logical` for secrets engines and sys, `credential` for auth methods. */
  kind: 'logical' | 'credential';
  help: string;
  paths: readonly PathSpec<any>[];
  specialPaths?: SpecialPaths;
  /** Kinds of leased secrets this backend issues, renews and revokes. */
  secrets?: readonly SecretKind[];
  /** Runs once after the backend is mounted (or the server unsealed), before it serves. */
  initialize?(): Promise<void>;
  /** Runs when the mount is disabled or the server seals. */
  cleanup?(): Promise<void>;
  /** Auth methods that lock users out (Vault's user lockout) expose them to sys/locked-users. */
  lockout?: {
    /** Alias identifiers (e.g. usernames) locked right now. */
    list(): Promise<string[]>;
    /** True when a lock was removed. */
    unlock(aliasIdentifier: string): Promise<boolean>;
  };
}

/** Services of the server a backend may call (Vault's logical.SystemView), without reaching into the core. */
export interface SystemView {
  /**
   * A password generated from the named policy (`sys/policies/password/:name`). Throws a
   * `UserError` naming the policy when it does not exist.
   */
  generatePasswordFromPolicy(name: string): Promise<string>;
  /**
   * Publishes an event (Vault's `SendEvent`) after a change committed: `type` is the full
   * event type (`kv-v2/data-write`), `metadata` strings only and never secret values. `path`
   * and `data_path` are relative to the mount; the server prepends the mount path. Never
   * blocks and never throws. Optional so hand-built views in tests need not supply it.
   */
  sendEvent?(type: string, metadata: Readonly<Record<string, string>>): void;
}

/** What a factory is given when a mount is created or loaded. */
export interface BackendConfig {
  storage: Storage;
  mount: MountView;
  system: SystemView;
}

export type BackendFactory = (config: BackendConfig) => BackendSpec | Promise<BackendSpec>;

export function defineBackend(spec: BackendSpec): BackendSpec {
  return spec;
}

/** Declares one path; a function so that `fields` types flow into the handlers. */
export function definePath<S extends FieldShape>(spec: PathSpec<S>): PathSpec<S> {
  return spec;
}

interface CompiledPath {
  spec: PathSpec<FieldShape>;
  regex: RegExp;
}

export interface ExistenceResult {
  /** False when the path declares no existence check. */
  checked: boolean;
  exists: boolean;
}

/** A mounted backend, as the core sees it. */
export interface Backend {
  readonly spec: BackendSpec;
  handleRequest(req: LogicalRequest): Promise<LogicalResponse | null>;
  existenceCheck(req: LogicalRequest): Promise<ExistenceResult>;
  /** Whether `path` is listed in `specialPaths.<kind>`. */
  isSpecialPath(kind: keyof SpecialPaths, path: string): boolean;
  openApi(mountPath: string): Record<string, unknown>;
}

export function createBackend(spec: BackendSpec): Backend {
  const compiled: CompiledPath[] = spec.paths.map((p) => ({
    spec: p as PathSpec<FieldShape>,
    regex: new RegExp(`^(?:${p.pattern})$`),
  }));

  function route(path: string): { path: CompiledPath; captures: Record<string, string> } {
    for (const candidate of compiled) {
      const m = candidate.regex.exec(path);
      if (m) return { path: candidate, captures: { ...(m.groups ?? {}) } };
    }
    throw new UnsupportedPathError();
  }

  function parseFields(
    p: CompiledPath,
    req: LogicalRequest,
    captures: Record<string, string>,
  ): { values: Record<string, unknown>; unknown: string[] } {
    const values: Record<string, unknown> = {};
    const errors: string[] = [];
    const fields = p.spec.fields;
    for (const [name, schema] of Object.entries(fields)) {
      const fromCapture = Object.prototype.hasOwnProperty.call(captures, name) ? captures[name] : undefined;
      const raw = fromCapture !== undefined ? fromCapture : req.data[name];
      if (raw === undefined || (raw === null && schema.type !== 'any')) {
        if (schema.default !== undefined) values[name] = structuredCloneSafe(schema.default);
        else if (schema.required && req.operation !== 'read' && req.operation !== 'list' && req.operation !== 'delete') {
          errors.push(`missing required field "${name}"`);
        }
        continue;
      }
      try {
        const v = (schema as FieldSchema).coerce(raw);
        if (schema.allowedValues && !schema.allowedValues.includes(v)) {
          throw new Error(`value must be one of ${JSON.stringify(schema.allowedValues)}`);
        }
        values[name] = v;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        errors.push(`error converting input for field "${name}": ${reason}`);
      }
    }
    if (errors.length > 0) {
      throw new UserError(`Field validation failed: ${errors.join('; ')}`);
    }
    const unknown = p.spec.takesArbitraryInput
      ? []
      : Object.keys(req.data).filter((k) => !Object.prototype.hasOwnProperty.call(fields, k) && !IGNORED_PARAMS.has(k));
    return { values, unknown };
  }

  function handlerFor(p: CompiledPath, op: Operation): Handler<FieldShape> | undefined {
    if (op === 'help') return undefined;
    const entry = p.spec.operations[op] ?? (op === 'create' && !p.spec.existenceCheck ? p.spec.operations.update : undefined);
    if (entry === undefined) return undefined;
    return typeof entry === 'function' ? entry : entry.handler;
  }

  const backend: Backend = {
    spec,

    async handleRequest(req) {
      const { path: p, captures } = route(req.path);
      if (req.operation === 'help') {
        return { data: { help: helpText(spec, p.spec), openapi: backend.openApi(req.mount.path) } };
      }
      const handler = handlerFor(p, req.operation);
      if (!handler) throw new UnsupportedOperationError();
      const { values, unknown } = parseFields(p, req, captures);
      const resp = (await handler(req, values as FieldValues<FieldShape>)) ?? null;
      if (resp && unknown.length > 0 && !resp.raw) {
        resp.warnings = [
          ...(resp.warnings ?? []),
          `Endpoint ignored these unrecognized parameters: [${unknown.sort().join(' ')}]`,
        ];
      }
      return resp;
    },

    async existenceCheck(req) {
      let routed: { path: CompiledPath; captures: Record<string, string> };
      try {
        routed = route(req.path);
      } catch {
        return { checked: false, exists: false };
      }
      const check = routed.path.spec.existenceCheck;
      if (!check) return { checked: false, exists: false };
      const { values } = parseFields(routed.path, { ...req, operation: 'read' }, routed.captures);
      return { checked: true, exists: await check(req, values as FieldValues<FieldShape>) };
    },

    isSpecialPath(kind, path) {
      const list = spec.specialPaths?.[kind];
      if (!list) return false;
      return list.some((pattern) => matchSpecialPath(pattern, path));
    },

    openApi(mountPath) {
      return buildOpenApi(spec, mountPath);
    },
  };
  return backend;
}

/** Keys every endpoint accepts silently (Vault strips these before validation). */
const IGNORED_PARAMS = new Set(['help', 'list']);

/** Vault's special-path matching: exact, or a prefix when the pattern ends in `*`. */
/**
 * Vault's special-path syntax: a trailing `*` matches any suffix, a `+` segment matches exactly
 * one path segment (`issuer/+/pem`).
 */
export function matchSpecialPath(pattern: string, path: string): boolean {
  if (!pattern.includes('+')) {
    if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
    return pattern === path;
  }
  const prefix = pattern.endsWith('*');
  const patternSegments = (prefix ? pattern.slice(0, -1) : pattern).split('/');
  const pathSegments = path.split('/');
  if (prefix ? pathSegments.length < patternSegments.length : pathSegments.length !== patternSegments.length) return false;
  return patternSegments.every((seg, i) => {
    const actual = pathSegments[i] ?? '';
    if (seg === '+') return actual !== '';
    // With a trailing `*`, the last pattern segment is a prefix of the path's segment.
    return prefix && i === patternSegments.length - 1 ? actual.startsWith(seg) : actual === seg;
  });
}

function structuredCloneSafe<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

function helpText(spec: BackendSpec, p: PathSpec<FieldShape>): string {
  const lines = [`Request:        ${p.pattern}`, `Matching Route: ^${p.pattern}$`, '', p.synopsis ?? '', ''];
  const fields = Object.entries(p.fields);
  if (fields.length > 0) {
    lines.push('## PARAMETERS', '');
    for (const [name, schema] of fields) lines.push(`${name} (${schema.type})`, `    ${schema.description}`, '');
  }
  if (p.description) lines.push('## DESCRIPTION', '', p.description, '');
  lines.push(spec.help);
  return lines.join('\n');
}

/** Turns a path regex into an OpenAPI template: named groups become `{name}`. */
export function patternToTemplate(pattern: string): string {
  return pattern
    .replace(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>(?:[^()]|\([^()]*\))*\)/g, '{$1}')
    .replace(/\(\?:([^()|]*)\)\?/g, '$1')
    .replace(/[\^$?*+]/g, '')
    .replace(/\\/g, '');
}

const OPENAPI_METHOD: Record<Exclude<Operation, 'help'>, { method: string; query?: string }> = {
  read: { method: 'get' },
  list: { method: 'get', query: 'list' },
  create: { method: 'post' },
  update: { method: 'post' },
  patch: { method: 'patch' },
  delete: { method: 'delete' },
};

function buildOpenApi(spec: BackendSpec, mountPath: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const p of spec.paths as readonly PathSpec<FieldShape>[]) {
    const template = `/${mountPath}${patternToTemplate(p.pattern)}`;
    const item: Record<string, unknown> = {};
    const captures = [...p.pattern.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1] ?? '');
    item['parameters'] = captures.map((name) => ({
      name,
      in: 'path',
      required: true,
      description: p.fields[name]?.description ?? '',
      schema: { type: 'string' },
    }));
    if (p.synopsis) item['description'] = p.synopsis;
    const bodyFields = Object.entries(p.fields).filter(([name]) => !captures.includes(name));
    for (const op of Object.keys(p.operations) as Exclude<Operation, 'help'>[]) {
      const { method, query } = OPENAPI_METHOD[op];
      const entry = p.operations[op];
      const summary = typeof entry === 'object' && entry.summary ? entry.summary : `${op} ${template}`;
      const operation: Record<string, unknown> = { summary, responses: { '200': { description: 'OK' } } };
      if (query) {
        operation['parameters'] = [{ name: query, in: 'query', required: true, schema: { type: 'string', enum: ['true'] } }];
      }
      if ((method === 'post' || method === 'patch') && bodyFields.length > 0) {
        operation['requestBody'] = {
          content: {
            [method === 'patch' ? 'application/merge-patch+json' : 'application/json']: {
              schema: {
                type: 'object',
                properties: Object.fromEntries(bodyFields.map(([name, schema]) => [name, openApiSchema(schema)])),
              },
            },
          },
        };
      }
      if (item[method] === undefined) item[method] = operation;
    }
    paths[template] = item;
  }
  return {
    openapi: '3.0.2',
    info: { title: 'Coffer API', description: spec.help, version: '1' },
    paths,
  };
}
