import type { TokenCreateRequest } from '../../api/index.js';
import { formatDuration } from '../../shared/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { outputSecret, printRawField } from '../output/index.js';

export const command = defineCommand({
  path: ['token', 'create'],
  synopsis: 'Create a new token',
  sets: { field: true, format: true },
  flags: [
    { name: 'id', kind: 'string', example: 'string', usage: 'Value for the token. By default, this is an auto-generated string. Specifying this value requires sudo permissions.' },
    {
      name: 'display-name',
      kind: 'string',
      example: 'string',
      usage: 'Name to associate with this token. This is a non-sensitive value that can be used to help identify created secrets (e.g. prefixes).',
    },
    {
      name: 'ttl',
      kind: 'duration',
      usage: 'Initial TTL to associate with the token. Token renewals may be able to extend beyond this value, depending on the configured maximum TTLs. This is specified as a numeric string with suffix like "30s" or "5m".',
    },
    {
      name: 'explicit-max-ttl',
      kind: 'duration',
      usage: 'Explicit maximum lifetime for the token. Unlike normal TTLs, the maximum TTL is a hard limit and cannot be exceeded. This is specified as a numeric string with suffix like "30s" or "5m".',
    },
    {
      name: 'period',
      kind: 'duration',
      usage: 'If specified, every renewal will use the given period. Periodic tokens do not expire (unless -explicit-max-ttl is also provided). Setting this value requires sudo permissions. This is specified as a numeric string with suffix like "30s" or "5m".',
    },
    { name: 'renewable', kind: 'bool', default: true, usage: "Allow the token to be renewed up to it's maximum TTL. The default is true." },
    {
      name: 'orphan',
      kind: 'bool',
      usage: 'Create the token with no parent. This prevents the token from being revoked when the token which created it expires. Setting this value requires root or sudo permissions.',
    },
    { name: 'no-default-policy', kind: 'bool', usage: 'Detach the "default" policy from the policy set for this token.' },
    {
      name: 'use-limit',
      kind: 'int',
      usage: 'Number of times this token can be used. After the last use, the token is automatically revoked. By default, tokens can be used an unlimited number of times until their expiration.',
    },
    {
      name: 'role',
      kind: 'string',
      example: 'string',
      usage: 'Name of the role to create the token against. Specifying -role may override other arguments. The locally authenticated token must have permission for "auth/token/create/<role>".',
    },
    { name: 'type', kind: 'string', example: 'string', default: 'service', usage: 'The type of token to create. Can be "service" or "batch".' },
    {
      name: 'metadata',
      kind: 'map',
      example: 'key=value',
      usage: 'Arbitrary key=value metadata to associate with the token. This metadata will show in the audit log when the token is used. This can be specified multiple times to add multiple pieces of metadata.',
    },
    {
      name: 'policy',
      kind: 'list',
      example: 'string',
      usage: 'Name of a policy to associate with this token. This can be specified multiple times to attach multiple policies.',
    },
    {
      name: 'entity-alias',
      kind: 'string',
      example: 'string',
      usage: 'Name of the entity alias to associate with during token creation. Only works in combination with -role argument and used entity alias must be listed in allowed_entity_aliases. If this has been specified, the entity will not be inherited from the parent.',
    },
  ],
  help: `
Usage: coffer token create [options]

  Creates a new token that can be used for authentication. This token will be
  created as a child of the currently authenticated token. The generated token
  will inherit all policies and permissions of the currently authenticated
  token unless you explicitly define a subset list policies to assign to the
  token.

  A ttl can also be associated with the token. If a ttl is not associated
  with the token, then it cannot be renewed. If a ttl is associated with
  the token, it will expire after that amount of time unless it is renewed.

  Metadata associated with the token (specified with "-metadata") is written
  to the audit log when the token is used.

  If a role is specified, the role may override parameters specified here.

  Create a token attached to specific policies:

      $ coffer token create -policy=my-policy -policy=other-policy

  Create a periodic token:

      $ coffer token create -period=30m`,

  async run(ctx) {
    expectArgs(ctx, 0);
    const { ui, format, flags } = ctx;
    const type = flags.string('type').trim();
    // As Vault: batch tokens are never renewable.
    const renewable = type === 'batch' ? false : flags.bool('renewable');

    const request: TokenCreateRequest = {
      display_name: flags.string('display-name'),
      num_uses: flags.int('use-limit'),
      renewable,
      type,
      entity_alias: flags.string('entity-alias'),
    };
    const id = flags.string('id');
    if (id !== '') request.id = id;
    const policies = flags.list('policy').filter((p) => p !== '');
    if (policies.length > 0) request.policies = policies;
    const meta = flags.map('metadata');
    if (Object.keys(meta).length > 0) request.meta = meta;
    for (const [flag, key] of [
      ['ttl', 'ttl'],
      ['explicit-max-ttl', 'explicit_max_ttl'],
      ['period', 'period'],
    ] as const) {
      const seconds = flags.duration(flag);
      if (seconds > 0) request[key] = formatDuration(seconds);
    }
    if (flags.bool('orphan')) request.no_parent = true;
    if (flags.bool('no-default-policy')) request.no_default_policy = true;

    const role = flags.string('role');
    let secret;
    try {
      const tokens = ctx.client().auth.token;
      secret = role !== '' ? await tokens.createWithRole(role, request) : await tokens.create(request);
    } catch (err) {
      return fail(ctx, 'Error creating token', err);
    }

    const field = flags.string('field');
    if (field !== '') return printRawField(ui, format, secret, field);
    return outputSecret(ui, format, secret);
  },
});
