import type { AuthEnableOptions, AuthMountConfigInput } from '../../api/index.js';
import { formatDuration } from '../../shared/index.js';
import { AUTH_VERSION_FLAG, TOKEN_TYPE_FLAG, authTtlFlag } from '../auth-shared.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode } from '../exit.js';
import {
  ALLOWED_RESPONSE_HEADERS_FLAG,
  AUDIT_REQUEST_KEYS_FLAG,
  AUDIT_RESPONSE_KEYS_FLAG,
  LISTING_VISIBILITY_FLAG,
  OPTIONS_FLAG,
  PASSTHROUGH_HEADERS_FLAG,
  PLUGIN_VERSION_FLAG,
} from '../secrets-shared.js';

export const command = defineCommand({
  path: ['auth', 'enable'],
  synopsis: 'Enables a new auth method',
  flags: [
    { name: 'description', kind: 'string', example: 'string', usage: 'Human-friendly description for the purpose of this auth method.' },
    {
      name: 'path',
      kind: 'string',
      example: 'string',
      usage: 'Place where the auth method will be accessible. This must be unique across all auth methods. This defaults to the "type" of the auth method. The auth method will be accessible at "/auth/<path>".',
    },
    authTtlFlag('default-lease-ttl', false),
    authTtlFlag('max-lease-ttl', false),
    AUDIT_REQUEST_KEYS_FLAG,
    AUDIT_RESPONSE_KEYS_FLAG,
    LISTING_VISIBILITY_FLAG,
    PASSTHROUGH_HEADERS_FLAG,
    ALLOWED_RESPONSE_HEADERS_FLAG,
    { name: 'plugin-name', kind: 'string', example: 'string', usage: "Name of the auth method plugin. This plugin name must already exist in the server's plugin catalog." },
    PLUGIN_VERSION_FLAG,
    OPTIONS_FLAG,
    { name: 'local', kind: 'bool', usage: 'Mark the auth method as local-only. Local auth methods are not replicated nor removed by replication.' },
    { name: 'seal-wrap', kind: 'bool', usage: 'Enable seal wrapping of critical values in the auth method.' },
    { name: 'external-entropy-access', kind: 'bool', usage: "Enable the auth method to access the server's external entropy source." },
    TOKEN_TYPE_FLAG,
    AUTH_VERSION_FLAG,
  ],
  help: `
Usage: coffer auth enable [options] TYPE

  Enables a new auth method. An auth method is responsible for authenticating
  users or machines and assigning them policies with which they can access
  the server. Coffer serves the userpass, approle, kubernetes, jwt and oidc
  auth methods (the token method is always enabled at token/).

  Enable the userpass auth method at userpass/:

      $ coffer auth enable userpass

  Enable the AppRole auth method at ci-approle/ with a description:

      $ coffer auth enable -path=ci-approle -description="CI jobs" approle

  Enable the kubernetes auth method with a 1h default token TTL:

      $ coffer auth enable -default-lease-ttl=1h kubernetes`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { flags } = ctx;
    let authType = (ctx.args[0] ?? '').trim();
    const isPlugin = authType === 'plugin';
    if (isPlugin) authType = flags.string('plugin-name');
    // As Vault: the path defaults to the type (the plugin name for "plugin").
    let authPath = flags.string('path').trim().replace(/^\/+/, '');
    if (authPath === '') authPath = authType;
    if (authPath !== '' && !authPath.endsWith('/')) authPath += '/';

    const options = flags.map('options');
    const version = flags.int('version');
    if (version > 0) options['version'] = String(version);

    const config: AuthMountConfigInput = {
      default_lease_ttl: formatDuration(flags.duration('default-lease-ttl')),
      max_lease_ttl: formatDuration(flags.duration('max-lease-ttl')),
    };
    // Only what was given, as Vault's flag visitor does.
    if (flags.isSet('audit-non-hmac-request-keys')) config.audit_non_hmac_request_keys = flags.list('audit-non-hmac-request-keys');
    if (flags.isSet('audit-non-hmac-response-keys')) config.audit_non_hmac_response_keys = flags.list('audit-non-hmac-response-keys');
    if (flags.isSet('listing-visibility')) config.listing_visibility = flags.string('listing-visibility');
    if (flags.isSet('passthrough-request-headers')) config.passthrough_request_headers = flags.list('passthrough-request-headers');
    if (flags.isSet('allowed-response-headers')) config.allowed_response_headers = flags.list('allowed-response-headers');
    if (flags.isSet('token-type')) config.token_type = flags.string('token-type');
    if (flags.isSet('plugin-version')) config.plugin_version = flags.string('plugin-version');

    const input: AuthEnableOptions = {
      type: authType,
      description: flags.string('description'),
      config,
      local: flags.bool('local'),
      sealWrap: flags.bool('seal-wrap'),
      externalEntropyAccess: flags.bool('external-entropy-access'),
    };
    if (Object.keys(options).length > 0) input.options = options;

    try {
      await ctx.client().sys.auth.enable(authPath, input);
    } catch (err) {
      return fail(ctx, `Error enabling ${authType} auth`, err);
    }
    let thing = isPlugin ? `${flags.string('plugin-name')} plugin` : `${authType} auth method`;
    if (flags.string('plugin-version') !== '') thing += ` version ${flags.string('plugin-version')}`;
    ctx.ui.out(`Success! Enabled ${thing} at: ${authPath}`);
    return ExitCode.Ok;
  },
});
