/** sys/mounts, sys/mounts/:path[/tune], sys/remount, sys/internal/ui/mounts. */
import { randomUUID } from 'node:crypto';
import { PermissionDeniedError, UserError } from '../../../shared/errors.js';
import { definePath, f } from '../../sdk/index.js';
import { normaliseMountPath, type MountConfig } from '../mount-table.js';
import type { SystemContext } from './context.js';
import { renderMount, renderTune } from './render-mount.js';

const mountConfigField = f.map({
  description:
    'Mount configuration: default_lease_ttl, max_lease_ttl, force_no_cache, listing_visibility, audit_non_hmac_request_keys, audit_non_hmac_response_keys, passthrough_request_headers, allowed_response_headers.',
});

function requirePath(raw: string): string {
  const path = normaliseMountPath(raw);
  if (path === null) throw new UserError(`invalid mount path "${raw}"`);
  return path;
}

export function parseMountConfig(raw: Record<string, unknown> | undefined): Partial<MountConfig> {
  if (!raw) return {};
  const ttl = (key: string): number | undefined => {
    const value = raw[key];
    if (value === undefined || value === '' || value === null) return undefined;
    if (value === 'system') return 0;
    try {
      return f.durationSecond().coerce(value);
    } catch (err) {
      throw new UserError(`invalid ${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const list = (key: string): string[] | undefined =>
    raw[key] === undefined ? undefined : f.commaStringSlice().coerce(raw[key]);
  const out: Partial<MountConfig> = {};
  const defaultTtl = ttl('default_lease_ttl');
  const maxTtl = ttl('max_lease_ttl');
  if (defaultTtl !== undefined) out.default_lease_ttl = defaultTtl;
  if (maxTtl !== undefined) out.max_lease_ttl = maxTtl;
  if (raw['force_no_cache'] !== undefined) out.force_no_cache = f.bool().coerce(raw['force_no_cache']);
  if (raw['listing_visibility'] !== undefined) {
    const visibility = f.string().coerce(raw['listing_visibility']);
    if (!['', 'unauth', 'hidden'].includes(visibility)) throw new UserError(`invalid listing_visibility ${visibility}`);
    out.listing_visibility = visibility;
  }
  for (const key of [
    'audit_non_hmac_request_keys',
    'audit_non_hmac_response_keys',
    'passthrough_request_headers',
    'allowed_response_headers',
  ] as const) {
    const value = list(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function stringOptions(raw: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!raw) return undefined;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
}

export function mountPaths(ctx: SystemContext) {
  const { core } = ctx;
  const migrations = new Map<string, { source_mount: string; target_mount: string; status: string }>();

  const tunePath = definePath({
    pattern: 'mounts/(?<path>.+?)/tune/?',
    fields: {
      path: f.string({ description: 'The mount path.', required: true }),
      default_lease_ttl: f.string({ description: 'Default lease TTL ("1h", seconds, or "system").' }),
      max_lease_ttl: f.string({ description: 'Maximum lease TTL ("1h", seconds, or "system").' }),
      description: f.string({ description: 'Human-friendly description of the mount.' }),
      options: f.map({ description: 'Engine options, e.g. {"version":"2"} for kv.' }),
      listing_visibility: f.string({ description: '"unauth" to list the mount in the UI without a token.' }),
      audit_non_hmac_request_keys: f.commaStringSlice({ description: 'Request keys audit devices leave un-HMACed.' }),
      audit_non_hmac_response_keys: f.commaStringSlice({ description: 'Response keys audit devices leave un-HMACed.' }),
      passthrough_request_headers: f.commaStringSlice({ description: 'Request headers passed to the backend.' }),
      allowed_response_headers: f.commaStringSlice({ description: 'Response headers the backend may set.' }),
      force_no_cache: f.bool({ description: 'Disable caching.' }),
    },
    synopsis: 'Read or tune a mount’s configuration.',
    operations: {
      read: async (_req, fields) => {
        const path = requirePath(fields.path);
        const entry = core.getMount(path);
        if (!entry) throw new UserError(`cannot fetch mount entry for "${path}"`);
        return { data: renderTune(core, entry) };
      },
      update: async (req, fields) => {
        const path = requirePath(fields.path);
        const config = parseMountConfig(req.data as Record<string, unknown>);
        const { default_lease_ttl: defaultLeaseTtl, max_lease_ttl: maxLeaseTtl, ...rest } = config;
        const options = stringOptions(fields.options);
        const { warnings } = await core.tune(path, {
          ...(defaultLeaseTtl !== undefined ? { defaultLeaseTtl } : {}),
          ...(maxLeaseTtl !== undefined ? { maxLeaseTtl } : {}),
          ...(fields.description !== undefined ? { description: fields.description } : {}),
          ...(options !== undefined ? { options } : {}),
          config: rest,
        });
        return warnings.length > 0 ? { warnings } : null;
      },
    },
  });

  return [
    definePath({
      pattern: 'mounts/?',
      fields: {},
      synopsis: 'List the mounted secrets engines.',
      operations: {
        read: async () => ({
          data: Object.fromEntries(core.listMounts().map((m) => [m.path, renderMount(core, m)])),
        }),
      },
    }),
    tunePath,
    definePath({
      pattern: 'mounts/(?<path>.+)',
      fields: {
        path: f.string({ description: 'Where to mount the engine.', required: true }),
        type: f.string({ description: 'The engine type, e.g. "kv", "kv-v2".' }),
        description: f.string({ description: 'Human-friendly description of the mount.' }),
        config: mountConfigField,
        options: f.map({ description: 'Engine options, e.g. {"version":"2"} for kv.' }),
        local: f.bool({ description: 'Do not replicate the mount.', default: false }),
        seal_wrap: f.bool({ description: 'Seal-wrap the engine’s storage.', default: false }),
        external_entropy_access: f.bool({ description: 'Give the engine access to external entropy.', default: false }),
        plugin_name: f.string({ description: 'Deprecated alias of type.' }),
        plugin_version: f.string({ description: 'Plugin version (built-ins only).' }),
      },
      synopsis: 'Enable, read or disable a secrets engine.',
      operations: {
        read: async (_req, fields) => {
          const entry = core.getMount(requirePath(fields.path));
          return entry ? { data: renderMount(core, entry) } : null;
        },
        update: async (_req, fields) => {
          const type = fields.type || fields.plugin_name;
          if (!type) throw new UserError('backend type must be specified as a string');
          const options = stringOptions(fields.options);
          await core.mount({
            path: requirePath(fields.path),
            type,
            description: fields.description ?? '',
            config: parseMountConfig(fields.config),
            options: options ?? null,
            local: fields.local,
            sealWrap: fields.seal_wrap,
            externalEntropyAccess: fields.external_entropy_access,
          });
          return null;
        },
        delete: async (_req, fields) => {
          await core.unmount(requirePath(fields.path));
          return null;
        },
      },
    }),
    definePath({
      pattern: 'remount',
      fields: {
        from: f.string({ description: 'The current mount path.', required: true }),
        to: f.string({ description: 'The new mount path.', required: true }),
      },
      synopsis: 'Move a mount to a new path, keeping its data.',
      operations: {
        // Needs sudo: listed in the backend's root paths, enforced by the pipeline.
        update: async (_req, fields) => {
          const from = requirePath(fields.from);
          const to = requirePath(fields.to);
          await core.remount(from, to);
          const id = randomUUID();
          migrations.set(id, { source_mount: from, target_mount: to, status: 'success' });
          return { data: { migration_id: id } };
        },
      },
    }),
    definePath({
      pattern: 'remount/status/(?<migration_id>.+)',
      fields: { migration_id: f.string({ description: 'The id returned by sys/remount.', required: true }) },
      synopsis: 'Status of a remount.',
      operations: {
        read: async (_req, fields) => {
          const info = migrations.get(fields.migration_id);
          return info ? { data: { migration_id: fields.migration_id, migration_info: info } } : null;
        },
      },
    }),
    definePath({
      pattern: 'internal/ui/mounts/?',
      fields: {},
      synopsis: 'Mounts visible to the caller (used by the UI and the CLI).',
      operations: {
        read: async (req) => {
          const caller = ctx.authOf(req.id);
          const visible = (path: string, visibility: string | undefined): boolean =>
            visibility === 'unauth' || caller?.isRoot === true || (caller?.acl.hasMountAccess(path) ?? false);
          const secret: Record<string, unknown> = {};
          for (const entry of core.listMounts()) {
            if (entry.type === 'system' || entry.type === 'identity') continue;
            if (visible(entry.path, entry.config.listing_visibility)) secret[entry.path] = renderMount(core, entry);
          }
          const auth: Record<string, unknown> = {};
          for (const entry of core.listAuthMounts()) {
            if (visible(entry.path, entry.config.listing_visibility)) auth[entry.path.slice('auth/'.length)] = renderMount(core, entry);
          }
          return { data: { secret, auth } };
        },
      },
    }),
    definePath({
      pattern: 'internal/ui/mounts/(?<path>.+)',
      fields: { path: f.string({ description: 'Any path within a mount.', required: true }) },
      synopsis: 'The mount that serves a path (the CLI asks this before every `kv` command).',
      operations: {
        read: async (req, fields) => {
          const caller = ctx.authOf(req.id);
          const path = fields.path.replace(/^\/+/, '');
          const entry = core.findMountFor(path);
          if (!entry || !caller || !(caller.isRoot || caller.acl.hasMountAccess(entry.path))) {
            throw new PermissionDeniedError(
              `preflight capability check returned 403, please ensure client's policies grant access to path "${path.endsWith('/') ? path : `${path}/`}"`,
            );
          }
          return { data: { ...renderMount(core, entry), path: entry.path } };
        },
      },
    }),
  ];
}
