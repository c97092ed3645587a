import { sanitizePath, type AuthMountConfigInput, type UserLockoutConfigInput } from '../../api/index.js';
import { AUTH_VERSION_FLAG, TOKEN_TYPE_FLAG, authTtlFlag } from '../auth-shared.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode, UsageError } from '../exit.js';
import { printWarnings } from '../output/index.js';
import {
  ALLOWED_RESPONSE_HEADERS_FLAG,
  AUDIT_REQUEST_KEYS_FLAG,
  AUDIT_RESPONSE_KEYS_FLAG,
  LISTING_VISIBILITY_FLAG,
  OPTIONS_FLAG,
  PASSTHROUGH_HEADERS_FLAG,
  PLUGIN_VERSION_FLAG,
  ttlToApi,
  tuneConfigFromFlags,
} from '../secrets-shared.js';

const LOCKOUT_FLAGS = ['user-lockout-threshold', 'user-lockout-duration', 'user-lockout-counter-reset-duration', 'user-lockout-disable'] as const;

export const command = defineCommand({
  path: ['auth', 'tune'],
  synopsis: 'Tunes an auth method configuration',
  flags: [
    AUDIT_REQUEST_KEYS_FLAG,
    AUDIT_RESPONSE_KEYS_FLAG,
    authTtlFlag('default-lease-ttl', true),
    { name: 'description', kind: 'string', example: 'string', usage: 'Human-friendly description of the this auth method. This overrides the current stored value, if any.' },
    LISTING_VISIBILITY_FLAG,
    authTtlFlag('max-lease-ttl', true),
    PASSTHROUGH_HEADERS_FLAG,
    ALLOWED_RESPONSE_HEADERS_FLAG,
    OPTIONS_FLAG,
    TOKEN_TYPE_FLAG,
    AUTH_VERSION_FLAG,
    {
      name: 'user-lockout-threshold',
      kind: 'int',
      example: 'uint',
      usage: "The threshold for user lockout for this auth method. If unspecified, this defaults to the server's globally configured user lockout threshold, or a previously configured value for the auth method.",
    },
    {
      name: 'user-lockout-duration',
      kind: 'duration',
      example: 'duration',
      usage: "The user lockout duration for this auth method. If unspecified, this defaults to the server's globally configured user lockout duration, or a previously configured value for the auth method.",
    },
    {
      name: 'user-lockout-counter-reset-duration',
      kind: 'duration',
      example: 'duration',
      usage:
        "The user lockout counter reset duration for this auth method. If unspecified, this defaults to the server's globally configured user lockout counter reset duration, or a previously configured value for the auth method.",
    },
    {
      name: 'user-lockout-disable',
      kind: 'bool',
      usage: "Disable user lockout for this auth method. If unspecified, this defaults to the server's globally configured user lockout disable, or a previously configured value for the auth method.",
    },
    PLUGIN_VERSION_FLAG,
  ],
  help: `
Usage: coffer auth tune [options] PATH

  Tunes the configuration options for the auth method at the given PATH. The
  argument corresponds to the PATH where the auth method is enabled, not the
  TYPE!

  Tune the default lease for the userpass auth method:

      $ coffer auth tune -default-lease-ttl=72h userpass/

  Lock userpass users out for 30m after 5 failed logins:

      $ coffer auth tune -user-lockout-threshold=5 -user-lockout-duration=30m userpass/`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { flags } = ctx;
    const options = flags.map('options');
    const version = flags.int('version');
    if (version > 0) options['version'] = String(version);
    const mountPath = `${sanitizePath(ctx.args[0] ?? '')}/`;
    if (mountPath === '/') throw new UsageError('a path is required');

    const config: AuthMountConfigInput = tuneConfigFromFlags(flags, options);
    if (flags.isSet('token-type')) config.token_type = flags.string('token-type');

    if (LOCKOUT_FLAGS.some((f) => flags.isSet(f))) {
      const lockout: UserLockoutConfigInput = {};
      if (flags.isSet('user-lockout-threshold')) {
        const threshold = flags.int('user-lockout-threshold');
        // A Go uint flag: negative values do not parse.
        if (threshold < 0) throw new UsageError(`invalid value "${threshold}" for flag -user-lockout-threshold: parse error`);
        lockout.lockout_threshold = String(threshold);
      }
      const duration = ttlToApi(flags.duration('user-lockout-duration'));
      if (flags.isSet('user-lockout-duration') && duration !== undefined) lockout.lockout_duration = duration;
      const reset = ttlToApi(flags.duration('user-lockout-counter-reset-duration'));
      if (flags.isSet('user-lockout-counter-reset-duration') && reset !== undefined) lockout.lockout_counter_reset_duration = reset;
      if (flags.isSet('user-lockout-disable')) lockout.lockout_disable = flags.bool('user-lockout-disable');
      config.user_lockout_config = lockout;
    }

    try {
      const res = await ctx.client().sys.auth.tune(mountPath, config);
      printWarnings(ctx.ui, res);
    } catch (err) {
      return fail(ctx, `Error tuning auth method ${mountPath}`, err);
    }
    ctx.ui.out(`Success! Tuned the auth method at: ${mountPath}`);
    return ExitCode.Ok;
  },
});
