import type { MountInput } from '../../api/index.js';
import { formatDuration } from '../../shared/index.js';
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
  VERSION_FLAG,
  ttlFlag,
} from '../secrets-shared.js';

export const command = defineCommand({
  path: ['secrets', 'enable'],
  synopsis: 'Enable a secrets engine',
  flags: [
    { name: 'description', kind: 'string', example: 'string', usage: 'Human-friendly description for the purpose of this engine.' },
    {
      name: 'path',
      kind: 'string',
      example: 'string',
      usage: 'Place where the secrets engine will be accessible. This must be unique cross all secrets engines. This defaults to the "type" of the secrets engine.',
    },
    ttlFlag('default-lease-ttl', false),
    ttlFlag('max-lease-ttl', false),
    AUDIT_REQUEST_KEYS_FLAG,
    AUDIT_RESPONSE_KEYS_FLAG,
    LISTING_VISIBILITY_FLAG,
    PASSTHROUGH_HEADERS_FLAG,
    ALLOWED_RESPONSE_HEADERS_FLAG,
    {
      name: 'force-no-cache',
      kind: 'bool',
      usage: "Force the secrets engine to disable caching. If unspecified, this defaults to the server's globally configured cache settings.",
    },
    { name: 'plugin-name', kind: 'string', example: 'string', usage: "Name of the secrets engine plugin. This plugin name must already exist in the plugin catalog." },
    PLUGIN_VERSION_FLAG,
    OPTIONS_FLAG,
    { name: 'local', kind: 'bool', usage: 'Mark the secrets engine as local-only. Local engines are not replicated or removed by replication.' },
    { name: 'seal-wrap', kind: 'bool', usage: 'Enable seal wrapping of critical values in the secrets engine.' },
    { name: 'external-entropy-access', kind: 'bool', usage: "Enable secrets engine to access the server's external entropy source." },
    VERSION_FLAG,
  ],
  help: `
Usage: coffer secrets enable [options] TYPE

  Enables a secrets engine. By default, secrets engines are enabled at the path
  corresponding to their TYPE, but users can customize the path using the
  -path option.

  Once enabled, the server will route all requests which begin with the path
  to the secrets engine.

  Enable a KV version 2 secrets engine at kv/:

      $ coffer secrets enable -version=2 kv

  Enable the KV version 2 secrets engine at secret/ (kv-v2 is an alias):

      $ coffer secrets enable -path=secret kv-v2

  Enable the transit secrets engine with an explicit maximum TTL of 30m:

      $ coffer secrets enable -max-lease-ttl=30m transit`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { flags } = ctx;
    let engineType = (ctx.args[0] ?? '').trim();
    if (engineType === 'plugin') engineType = flags.string('plugin-name');
    let mountPath = flags.string('path');
    if (mountPath === '') mountPath = engineType;
    if (mountPath !== '' && !mountPath.endsWith('/')) mountPath += '/';

    const options = flags.map('options');
    const version = flags.int('version');
    if (version > 0) options['version'] = String(version);

    const input: MountInput = {
      type: engineType,
      description: flags.string('description'),
      local: flags.bool('local'),
      seal_wrap: flags.bool('seal-wrap'),
      external_entropy_access: flags.bool('external-entropy-access'),
      config: {
        default_lease_ttl: formatDuration(flags.duration('default-lease-ttl')),
        max_lease_ttl: formatDuration(flags.duration('max-lease-ttl')),
        force_no_cache: flags.bool('force-no-cache'),
      },
    };
    if (Object.keys(options).length > 0) input.options = options;
    const config = input.config ?? {};
    if (flags.isSet('audit-non-hmac-request-keys')) config.audit_non_hmac_request_keys = flags.list('audit-non-hmac-request-keys');
    if (flags.isSet('audit-non-hmac-response-keys')) config.audit_non_hmac_response_keys = flags.list('audit-non-hmac-response-keys');
    if (flags.isSet('listing-visibility')) config.listing_visibility = flags.string('listing-visibility');
    if (flags.isSet('passthrough-request-headers')) config.passthrough_request_headers = flags.list('passthrough-request-headers');
    if (flags.isSet('allowed-response-headers')) config.allowed_response_headers = flags.list('allowed-response-headers');
    if (flags.isSet('plugin-version')) config.plugin_version = flags.string('plugin-version');

    try {
      await ctx.client().sys.mount(mountPath, input);
    } catch (err) {
      return fail(ctx, 'Error enabling', err);
    }
    let thing = `${engineType} secrets engine`;
    if ((ctx.args[0] ?? '').trim() === 'plugin') thing = `${flags.string('plugin-name')} plugin`;
    if (flags.string('plugin-version') !== '') thing += ` version ${flags.string('plugin-version')}`;
    ctx.ui.out(`Success! Enabled the ${thing} at: ${mountPath}`);
    return ExitCode.Ok;
  },
});
