/** Flags `secrets enable` and `secrets tune` share. */
import { formatDuration } from '../shared/index.js';
import type { MountConfigInput } from '../api/index.js';
import type { FlagSpec, FlagValues } from './flags.js';

export const AUDIT_REQUEST_KEYS_FLAG: FlagSpec = {
  name: 'audit-non-hmac-request-keys',
  kind: 'list',
  example: 'string',
  usage: "Key that will not be HMAC'd by audit devices in the request data object. To specify multiple values, specify this flag multiple times.",
};

export const AUDIT_RESPONSE_KEYS_FLAG: FlagSpec = {
  name: 'audit-non-hmac-response-keys',
  kind: 'list',
  example: 'string',
  usage: "Key that will not be HMAC'd by audit devices in the response data object. To specify multiple values, specify this flag multiple times.",
};

export const LISTING_VISIBILITY_FLAG: FlagSpec = {
  name: 'listing-visibility',
  kind: 'string',
  example: 'string',
  usage: 'Determines the visibility of the mount in the UI-specific listing endpoint.',
};

export const PASSTHROUGH_HEADERS_FLAG: FlagSpec = {
  name: 'passthrough-request-headers',
  kind: 'list',
  example: 'string',
  usage: 'Request header value that will be sent to the plugin. To specify multiple values, specify this flag multiple times.',
};

export const ALLOWED_RESPONSE_HEADERS_FLAG: FlagSpec = {
  name: 'allowed-response-headers',
  kind: 'list',
  example: 'string',
  usage: 'Response header value that plugins will be allowed to set. To specify multiple values, specify this flag multiple times.',
};

export const OPTIONS_FLAG: FlagSpec = {
  name: 'options',
  kind: 'map',
  example: 'key=value',
  usage: 'Key-value pair provided as key=value for the mount options. This can be specified multiple times.',
};

export const VERSION_FLAG: FlagSpec = {
  name: 'version',
  kind: 'int',
  example: 'int',
  usage: 'Select the version of the engine to run. Not supported by all engines.',
};

export const PLUGIN_VERSION_FLAG: FlagSpec = {
  name: 'plugin-version',
  kind: 'string',
  example: 'string',
  usage: 'Select the semantic version of the plugin to enable.',
};

export function ttlFlag(name: 'default-lease-ttl' | 'max-lease-ttl', tune: boolean): FlagSpec {
  const what = name === 'default-lease-ttl' ? 'default' : 'maximum';
  return {
    name,
    kind: 'duration',
    example: 'duration',
    usage: `The ${what} lease TTL for this secrets engine. If unspecified, this defaults to the server's globally configured ${what} lease TTL${tune ? ', or a previously configured value for the secrets engine' : ''}.`,
  };
}

/** Vault's `ttlToAPI` for tune commands: 0 leaves the value unchanged, negative means "system". */
export function ttlToApi(seconds: number): string | undefined {
  if (seconds === 0) return undefined;
  if (seconds < 0) return 'system';
  return formatDuration(seconds);
}

/**
 * The config `secrets tune` and `auth tune` send: only the flags that were given, as
 * Vault's flag visitor does (auth tune adds token_type and the lockout settings).
 */
export function tuneConfigFromFlags(flags: FlagValues, options: Record<string, string>): Omit<MountConfigInput, 'force_no_cache'> {
  const config: Omit<MountConfigInput, 'force_no_cache'> = {};
  const dlt = ttlToApi(flags.duration('default-lease-ttl'));
  if (dlt !== undefined) config.default_lease_ttl = dlt;
  const mlt = ttlToApi(flags.duration('max-lease-ttl'));
  if (mlt !== undefined) config.max_lease_ttl = mlt;
  if (Object.keys(options).length > 0) config.options = options;
  if (flags.isSet('audit-non-hmac-request-keys')) config.audit_non_hmac_request_keys = flags.list('audit-non-hmac-request-keys');
  if (flags.isSet('audit-non-hmac-response-keys')) config.audit_non_hmac_response_keys = flags.list('audit-non-hmac-response-keys');
  if (flags.isSet('description')) config.description = flags.string('description');
  if (flags.isSet('listing-visibility')) config.listing_visibility = flags.string('listing-visibility');
  if (flags.isSet('passthrough-request-headers')) config.passthrough_request_headers = flags.list('passthrough-request-headers');
  if (flags.isSet('allowed-response-headers')) config.allowed_response_headers = flags.list('allowed-response-headers');
  if (flags.isSet('plugin-version')) config.plugin_version = flags.string('plugin-version');
  return config;
}
