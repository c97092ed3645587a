import { sanitizePath, type MountConfigInput } from '../../api/index.js';
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
  tuneConfigFromFlags,
  VERSION_FLAG,
  ttlFlag,
} from '../secrets-shared.js';

export const command = defineCommand({
  path: ['secrets', 'tune'],
  synopsis: 'Tune a secrets engine configuration',
  flags: [
    AUDIT_REQUEST_KEYS_FLAG,
    AUDIT_RESPONSE_KEYS_FLAG,
    ttlFlag('default-lease-ttl', true),
    { name: 'description', kind: 'string', example: 'string', usage: 'Human-friendly description of this secrets engine. This overrides the current stored value, if any.' },
    LISTING_VISIBILITY_FLAG,
    ttlFlag('max-lease-ttl', true),
    PASSTHROUGH_HEADERS_FLAG,
    ALLOWED_RESPONSE_HEADERS_FLAG,
    OPTIONS_FLAG,
    VERSION_FLAG,
    PLUGIN_VERSION_FLAG,
  ],
  help: `
Usage: coffer secrets tune [options] PATH

  Tunes the configuration options for the secrets engine at the given PATH.
  The argument corresponds to the PATH where the secrets engine is enabled,
  not the TYPE!

  Tune the default lease for the PKI secrets engine:

      $ coffer secrets tune -default-lease-ttl=72h pki/

  Upgrade a KV version 1 mount to version 2:

      $ coffer secrets tune -options=version=2 secret/`,

  async run(ctx) {
    expectArgs(ctx, 1);
    const { flags } = ctx;
    const options = flags.map('options');
    const version = flags.int('version');
    if (version > 0) options['version'] = String(version);
    const mountPath = `${sanitizePath(ctx.args[0] ?? '')}/`;

    const config: MountConfigInput = tuneConfigFromFlags(flags, options);

    try {
      await ctx.client().sys.tuneMount(mountPath, config);
    } catch (err) {
      return fail(ctx, `Error tuning secrets engine ${mountPath}`, err);
    }
    ctx.ui.out(`Success! Tuned the secrets engine at: ${mountPath}`);
    return ExitCode.Ok;
  },
});
