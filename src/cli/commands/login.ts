import type { Secret } from '../../api/index.js';
import { defineCommand, fail } from '../command.js';
import type { CommandContext } from '../command.js';
import { parseDataArgs } from '../data-args.js';
import { ExitCode, messageFor } from '../exit.js';
import { outputSecret, printRawField, wrapAtLength } from '../output/index.js';
import { readHidden } from '../prompt.js';
import { storeToken } from '../token-file.js';

/** Vault's CLI login methods other than `token`: named so the refusal can say they are not there yet. */
const OTHER_METHODS = new Set(['userpass', 'ldap', 'approle', 'github', 'cert', 'oidc', 'jwt', 'kubernetes', 'aws', 'azure', 'gcp', 'okta', 'radius', 'alicloud', 'oci', 'cf', 'kerberos', 'plugin']);

/** A lookup-self response turned into the `auth` block a login returns (Vault's token `CLIHandler`). */
function authFromLookup(token: string, lookup: Secret): Secret {
  const data = lookup.data ?? {};
  const strings = (v: unknown): string[] | null => (Array.isArray(v) ? v.map((x) => String(x)) : null);
  const tokenPolicies = strings(data['policies']);
  const identityPolicies = strings(data['identity_policies']);
  const id = typeof data['id'] === 'string' && data['id'] !== '' ? data['id'] : token;
  const ttl = typeof data['ttl'] === 'number' ? data['ttl'] : Number(data['ttl'] ?? 0) || 0;
  const policies = tokenPolicies === null && identityPolicies === null ? null : [...(tokenPolicies ?? []), ...(identityPolicies ?? [])];
  return {
    request_id: '',
    lease_id: '',
    lease_duration: 0,
    renewable: false,
    data: null,
    warnings: null,
    wrap_info: null,
    auth: {
      client_token: id,
      accessor: typeof data['accessor'] === 'string' ? data['accessor'] : '',
      policies,
      token_policies: tokenPolicies,
      identity_policies: identityPolicies,
      metadata: null,
      lease_duration: ttl,
      renewable: data['renewable'] === true || data['renewable'] === 'true',
    },
  };
}

/** Warns (stderr) when an environment token will override the stored one. */
function warnAboutEnvToken(ctx: CommandContext): void {
  for (const name of ['COFFER_TOKEN', 'VAULT_TOKEN']) {
    const v = ctx.io.env[name];
    if (v !== undefined && v !== '') {
      ctx.ui.err(
        `${wrapAtLength(`WARNING! The ${name} environment variable is set! The value of this variable will take precedence; if this is unwanted please unset ${name} or update its value accordingly.`)}\n`,
      );
      return;
    }
  }
}

export const command = defineCommand({
  path: ['login'],
  synopsis: 'Authenticate locally',
  sets: { field: true, format: true },
  flags: [
    {
      name: 'method',
      kind: 'string',
      example: 'string',
      default: 'token',
      usage: 'Type of authentication to use such as "userpass" or "ldap". Note this corresponds to the TYPE, not the enabled path. Use -path to specify the path where the authentication is enabled. Only "token" is supported for now.',
    },
    {
      name: 'path',
      kind: 'string',
      example: 'string',
      usage: 'Remote path where the auth method is enabled. This defaults to the TYPE of method (e.g. userpass -> userpass/).',
    },
    {
      name: 'no-store',
      kind: 'bool',
      usage: 'Do not persist the token to the token helper (usually the local filesystem) after authentication for use in future requests. The token will only be displayed in the command output.',
    },
    { name: 'no-print', kind: 'bool', usage: 'Do not display the token. The token will be still be stored to the configured token helper.' },
    {
      name: 'token-only',
      kind: 'bool',
      usage: 'Output only the token with no verification. This flag is a shortcut for "-field=token -no-store". Setting those flags to other values will have no affect.',
    },
  ],
  help: `
Usage: coffer login [options] [TOKEN]

  Authenticates users or machines using the provided arguments. A successful
  authentication results in a token - conceptually similar to a session token
  on a website. By default, this token is cached on the local machine (in
  ~/.vault-token, mode 0600) for future requests.

  The default (and for now the only) auth method is "token". If the token is
  not supplied as an argument, the command prompts for it (without echo). If
  the argument is "-", the token is read from stdin:

      $ coffer login
      Token (will be hidden):

      $ echo "$TOKEN" | coffer login -

  The token is verified with auth/token/lookup-self before it is stored. Pass
  "lookup=false" to skip the verification:

      $ coffer login token=- lookup=false

  Other auth methods (-method=userpass, ldap, approle, ...) are not yet
  supported by this command: log in through the HTTP API and pass the
  resulting token to "coffer login".`,

  async run(ctx) {
    const { ui, flags, format, io } = ctx;
    let noStore = flags.bool('no-store');
    let field = flags.string('field');
    const tokenOnly = flags.bool('token-only');
    const noPrint = flags.bool('no-print');
    if (tokenOnly) {
      noStore = true;
      field = 'token';
    }
    if (noStore && noPrint) {
      ui.err(wrapAtLength('-no-store and -no-print cannot be used together'));
      return ExitCode.LocalError;
    }

    const method = flags.string('method').trim().replace(/^\/+|\/+$/g, '') || 'token';
    if (method !== 'token') {
      const known = OTHER_METHODS.has(method);
      ui.err(
        wrapAtLength(
          known
            ? `Auth method "${method}" is not yet supported by "coffer login": only -method=token is available for now. Log in through the HTTP API and pass the resulting token to "coffer login".`
            : `Unknown auth method: ${method}. Only -method=token is supported by "coffer login" for now.`,
        ),
      );
      return ExitCode.LocalError;
    }

    // As Vault: a bare first argument is the token; K=V arguments (token=, lookup=) also work.
    const rawArgs = [...ctx.args];
    if (rawArgs.length > 0 && !(rawArgs[0] ?? '').includes('=')) rawArgs[0] = `token=${rawArgs[0] ?? ''}`;
    // A second bare argument is refused here, before the K=V parser quotes it: it may be a token.
    if (rawArgs.slice(1).some((a) => !a.includes('='))) {
      ui.err('Error parsing configuration: the arguments after the token must be K=V pairs (for example lookup=false)');
      return ExitCode.LocalError;
    }
    let config: Record<string, unknown>;
    try {
      const stdin = flags.bool('non-interactive') ? () => Promise.resolve('') : () => ctx.readStdin();
      config = await parseDataArgs(rawArgs, { readStdin: stdin });
    } catch (err) {
      ui.err(`Error parsing configuration: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }

    let lookup = true;
    if (config['lookup'] !== undefined) {
      const raw = String(config['lookup']);
      if (!['1', 't', 'T', 'true', 'TRUE', 'True', '0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) {
        ui.err(`Error authenticating: Failed to parse "lookup" as boolean: invalid syntax`);
        return ExitCode.RemoteError;
      }
      lookup = ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw);
    }

    let token: string;
    if (config['token'] !== undefined) {
      if (typeof config['token'] !== 'string') {
        ui.err('Error authenticating: the token must be given once, as a string');
        return ExitCode.RemoteError;
      }
      token = config['token'];
    } else {
      if (flags.bool('non-interactive') || io.stdin.isTTY !== true) {
        ui.err(
          `Error authenticating: ${wrapAtLength('cannot ask for a token: stdin is not a terminal (or -non-interactive is set). To pipe the token, pass "-" as the argument to read it from stdin.')}`,
        );
        return ExitCode.RemoteError;
      }
      try {
        // The prompt goes to stderr, as in Vault, so stdout stays clean for -field and -format.
        token = await readHidden({ ...io, stdout: io.stderr }, 'Token (will be hidden): ');
      } catch (err) {
        ui.err(`Error authenticating: ${messageFor(err) === 'interrupted' ? 'user interrupted' : messageFor(err)}`);
        return ExitCode.RemoteError;
      }
    }
    token = token.trim();
    if (token === '') {
      ui.err('Error authenticating: a token must be passed to auth, please view the help for more information');
      return ExitCode.RemoteError;
    }

    let secret: Secret;
    if (!lookup) {
      // Not verified: all that is known is the token itself.
      secret = authFromLookup(token, { request_id: '', lease_id: '', lease_duration: 0, renewable: false, data: { id: token }, warnings: null, auth: null, wrap_info: null });
    } else {
      const client = ctx.client();
      client.setToken(token);
      // The lookup is never wrapped (as in Vault), whatever -wrap-ttl says.
      client.setWrapTtl(undefined);
      try {
        secret = authFromLookup(token, await client.auth.token.lookupSelf());
      } catch (err) {
        return fail(ctx, 'Error authenticating: error looking up token', err);
      }
    }

    if (!noStore) {
      try {
        storeToken(token, io.env);
      } catch (err) {
        ui.err(`Error storing token: ${messageFor(err)}`);
        ui.err(`${wrapAtLength('Authentication was successful, but the token was not persisted. The resulting token is shown below for your records.')}\n`);
        outputSecret(ui, format, secret);
        return ExitCode.RemoteError;
      }
      warnAboutEnvToken(ctx);
    } else if (!tokenOnly) {
      ui.err(
        `${wrapAtLength('The token was not stored in token helper. Set the VAULT_TOKEN environment variable or pass the token below with each request to the server.')}\n`,
      );
    }

    if (noPrint) return ExitCode.Ok;
    if (field !== '') return printRawField(ui, format, secret, field);
    if (format === 'table') {
      ui.out(
        noStore
          ? 'Success! You are now authenticated.\n'
          : `${wrapAtLength(
              'Success! You are now authenticated. The token information displayed below is already stored in the token helper. You do NOT need to run "coffer login" again. Future requests will automatically use this token.',
            )}\n`,
      );
    }
    return outputSecret(ui, format, secret);
  },
});
