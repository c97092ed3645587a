/** sys/auth: enable, read, disable, list and tune auth methods (mounted under `auth/`). */
import { UserError } from '../../../shared/errors.js';
import { definePath, f } from '../../sdk/index.js';
import type { MountEntry } from '../mount-table.js';
import type { SystemContext } from './context.js';
import { normaliseMountPath } from '../mount-table.js';
import { parseMountConfig, stringOptions } from './paths-mounts.js';
import { renderMount, renderTune } from './render-mount.js';

const TOKEN_TYPES = ['default-service', 'default-batch', 'service', 'batch'];

function authPath(raw: string): string {
  const path = normaliseMountPath(raw);
  if (path === null) throw new UserError(`invalid auth path "${raw}"`);
  return `auth/${path}`;
}

function parseAuthConfig(raw: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!raw) return {};
  const out: Record<string, unknown> = { ...parseMountConfig(raw) };
  if (raw['token_type'] !== undefined && raw['token_type'] !== '') {
    const type = String(raw['token_type']);
    if (!TOKEN_TYPES.includes(type)) throw new UserError(`invalid token_type "${type}"`);
    out['token_type'] = type;
  }
  const lockout = raw['user_lockout_config'];
  if (lockout !== undefined) {
    if (typeof lockout !== 'object' || lockout === null || Array.isArray(lockout)) throw new UserError('user_lockout_config must be a map');
    out['user_lockout_config'] = { ...lockout };
  }
  return out;
}

/** An auth mount as sys/auth shows it: the mount shape plus the auth-only config keys. */
function renderAuth(ctx: SystemContext, entry: MountEntry): Record<string, unknown> {
  const rendered = renderMount(ctx.core, entry);
  const config: Record<string, unknown> = { ...(rendered['config'] as Record<string, unknown>), token_type: entry.config.token_type ?? 'default-service' };
  if (entry.config.user_lockout_config) config['user_lockout_config'] = entry.config.user_lockout_config;
  return { ...rendered, config };
}

export function authPaths(ctx: SystemContext) {
  const { core } = ctx;
  const configFields = {
    default_lease_ttl: f.string({ description: 'Default TTL of tokens issued by this method.' }),
    max_lease_ttl: f.string({ description: 'Maximum TTL of tokens issued by this method.' }),
    description: f.string({ description: 'Human-friendly description.' }),
    token_type: f.string({ description: 'default-service, default-batch, service or batch.' }),
    user_lockout_config: f.map({ description: 'lockout_threshold, lockout_duration, lockout_counter_reset, disable_lockout.' }),
    listing_visibility: f.string({ description: '"unauth" to list the method without a token.' }),
    audit_non_hmac_request_keys: f.commaStringSlice({ description: 'Request keys audit devices leave un-HMACed.' }),
    audit_non_hmac_response_keys: f.commaStringSlice({ description: 'Response keys audit devices leave un-HMACed.' }),
    passthrough_request_headers: f.commaStringSlice({ description: 'Request headers passed to the method.' }),
    allowed_response_headers: f.commaStringSlice({ description: 'Response headers the method may set.' }),
    options: f.map({ description: 'Method options.' }),
  };
  return [
    definePath({
      pattern: 'auth/?',
      fields: {},
      synopsis: 'List the enabled auth methods.',
      operations: {
        read: async () => ({
          data: Object.fromEntries(core.listAuthMounts().map((m) => [m.path.slice('auth/'.length), renderAuth(ctx, m)])),
        }),
      },
    }),
    definePath({
      pattern: 'auth/(?<path>.+?)/tune/?',
      fields: { path: f.string({ description: 'The auth mount path.', required: true }), ...configFields },
      synopsis: 'Read or tune an auth method’s configuration.',
      operations: {
        read: async (_req, fields) => {
          const entry = core.getMount(authPath(fields.path));
          if (!entry) throw new UserError(`cannot fetch mount entry for "${authPath(fields.path)}"`);
          return {
            data: {
              ...renderTune(core, entry),
              token_type: entry.config.token_type ?? 'default-service',
              ...(entry.config.user_lockout_config ? { user_lockout_config: entry.config.user_lockout_config } : {}),
            },
          };
        },
        update: async (req, fields) => {
          const config = parseAuthConfig(req.data as Record<string, unknown>);
          const { default_lease_ttl: defaultLeaseTtl, max_lease_ttl: maxLeaseTtl, ...rest } = config as {
            default_lease_ttl?: number;
            max_lease_ttl?: number;
          } & Record<string, unknown>;
          const options = stringOptions(fields.options);
          const { warnings } = await core.tune(authPath(fields.path), {
            ...(defaultLeaseTtl !== undefined ? { defaultLeaseTtl } : {}),
            ...(maxLeaseTtl !== undefined ? { maxLeaseTtl } : {}),
            ...(fields.description !== undefined ? { description: fields.description } : {}),
            ...(options !== undefined ? { options } : {}),
            config: rest,
          });
          return warnings.length > 0 ? { warnings } : null;
        },
      },
    }),
    definePath({
      pattern: 'auth/(?<path>.+)',
      fields: {
        path: f.string({ description: 'Where to mount the auth method (below auth/).', required: true }),
        type: f.string({ description: 'The method: userpass, approle, kubernetes, jwt, oidc.' }),
        description: f.string({ description: 'Human-friendly description.' }),
        config: f.map({ description: 'default_lease_ttl, max_lease_ttl, token_type, user_lockout_config, …' }),
        options: f.map({ description: 'Method options.' }),
        local: f.bool({ description: 'Do not replicate the mount.', default: false }),
        seal_wrap: f.bool({ description: 'Seal-wrap the method’s storage.', default: false }),
      },
      synopsis: 'Enable, read or disable an auth method.',
      operations: {
        read: async (_req, fields) => {
          const entry = core.getMount(authPath(fields.path));
          return entry ? { data: renderAuth(ctx, entry) } : null;
        },
        update: async (_req, fields) => {
          if (!fields.type) throw new UserError('backend type must be specified as a string');
          if (fields.type === 'token') throw new UserError('token credential backend cannot be instantiated');
          const options = stringOptions(fields.options);
          await core.mount({
            kind: 'auth',
            path: authPath(fields.path),
            type: fields.type,
            description: fields.description ?? '',
            config: parseAuthConfig(fields.config),
            options: options ?? null,
            local: fields.local,
            sealWrap: fields.seal_wrap,
          });
          return null;
        },
        delete: async (_req, fields) => {
          await core.unmount(authPath(fields.path), 'auth');
          return null;
        },
      },
    }),
  ];
}
