import type { Client, Secret } from '../../api/index.js';
import { defineCommand, fail } from '../command.js';
import type { CommandContext } from '../command.js';
import { parseDataArgs } from '../data-args.js';
import { ExitCode, messageFor } from '../exit.js';
import { LOGIN_HANDLERS, UNSUPPORTED_METHODS, readMissingSecret, readTextFile } from '../login-methods.js';
import { outputSecret, printRawField, wrapAtLength } from '../output/index.js';
import { readHidden } from '../prompt.js';
import { storeToken } from '../token-file.js';

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


interface OutputOptions {
  noStore: boolean;
  noPrint: boolean;
  tokenOnly: boolean;
  field: string;
}

/** Stores the token (unless -no-store) and prints the result: Vault's tail of `LoginCommand.Run`. */
function storeAndPrint(ctx: CommandContext, secret: Secret, token: string, opts: OutputOptions): number {
  const { ui, io, format } = ctx;
  if (!opts.noStore) {
    try {
      storeToken(token, io.env);
    } catch (err) {
      ui.err(`Error storing token: ${messageFor(err)}`);
      ui.err(`${wrapAtLength('Authentication was successful, but the token was not persisted. The resulting token is shown below for your records.')}\n`);
      outputSecret(ui, format, secret);
      return ExitCode.RemoteError;
    }
    warnAboutEnvToken(ctx);
  } else if (!opts.tokenOnly) {
    ui.err(
      `${wrapAtLength('The token was not stored in token helper. Set the VAULT_TOKEN environment variable or pass the token below with each request to the server.')}\n`,
    );
  }

  if (opts.noPrint) return ExitCode.Ok;
  if (opts.field !== '') return printRawField(ui, format, secret, opts.field);
  if (format === 'table') {
    ui.out(
      opts.noStore
        ? 'Success! You are now authenticated.\n'
        : `${wrapAtLength(
            'Success! You are now authenticated. The token information displayed below is already stored in the token helper. You do NOT need to run "coffer login" again. Future requests will automatically use this token.',
          )}\n`,
    );
  }
  return outputSecret(ui, format, secret);
}

/** The default method: verify (lookup-self) and store an existing token. */
async function tokenLogin(ctx: CommandContext, opts: OutputOptions): Promise<number> {
  const { ui, flags, io } = ctx;
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
  return storeAndPrint(ctx, secret, token, opts);
}

/**
 * Vault's `extractToken`: the response's auth block, or (for a login wrapped with -wrap-ttl)
 * the unwrapped response, unless the wrapping token itself is what the user asked for.
 */
async function extractToken(client: Client, secret: Secret, unwrap: boolean, depth = 0): Promise<{ secret: Secret; wrapped: boolean }> {
  if (secret.auth !== null) return { secret, wrapped: false };
  if (secret.wrap_info !== null) {
    if ((secret.wrap_info.wrapped_accessor ?? '') === '') throw new Error('wrapped response does not contain a token');
    if (!unwrap) return { secret, wrapped: true };
    if (depth > 3) throw new Error('too many levels of wrapping');
    client.setToken(secret.wrap_info.token);
    const inner = await client.sys.wrapping.unwrap();
    if (inner === null) throw new Error('empty response from auth helper');
    return extractToken(client, inner, unwrap, depth + 1);
  }
  throw new Error('no auth or wrapping info in response');
}

/** `-method=<type>` other than token: the handler logs in, then the token is stored like a token login. */
async function methodLogin(ctx: CommandContext, method: string, opts: OutputOptions): Promise<number> {
  const { ui, flags, io } = ctx;
  const handler = LOGIN_HANDLERS[method];
  if (handler === undefined) {
    ui.err(
      wrapAtLength(
        UNSUPPORTED_METHODS.has(method)
          ? `Auth method "${method}" is not yet supported by "coffer login" (supported: token, ${Object.keys(LOGIN_HANDLERS).join(', ')}). Log in through the HTTP API and pass the resulting token to "coffer login".`
          : `Unknown auth method: ${method}. Use "coffer auth list" to see the complete list of auth methods. Additionally, some auth methods are only available via the HTTP API.`,
      ),
    );
    return ExitCode.LocalError;
  }

  // Refused before parsing, which would quote it: a bare argument may well be a password.
  if (ctx.args.some((a) => !a.includes('=') && a !== '-' && !a.startsWith('@'))) {
    ui.err('Error parsing configuration: the arguments must be K=V pairs (for example username=alice); a value is never given on its own');
    return ExitCode.LocalError;
  }
  const nonInteractive = flags.bool('non-interactive');
  const stdinUsed = ctx.args.some((a) => a === '-' || a.endsWith('=-'));
  const readStdin = nonInteractive ? () => Promise.resolve('') : () => ctx.readStdin();
  const config: Record<string, string> = {};
  try {
    const parsed = await parseDataArgs(ctx.args, { readStdin });
    for (const [key, value] of Object.entries(parsed)) {
      if (Array.isArray(value) || (typeof value === 'object' && value !== null)) throw new Error(`"${key}" must be given once, as a string`);
      config[key] = value === null || value === undefined ? '' : String(value as string | number | boolean);
    }
  } catch (err) {
    ui.err(`Error parsing configuration: ${messageFor(err)}`);
    return ExitCode.LocalError;
  }

  // As Vault: mount= wins, then -path, then the method's name.
  const mountArg = config['mount'] ?? '';
  delete config['mount'];
  const trim = (p: string): string => p.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  const mount = trim(mountArg) || trim(flags.string('path')) || method;

  const client = ctx.client();
  let secret: Secret;
  try {
    secret = await handler.auth({
      client,
      config,
      mount,
      readSecret: (key, prompt) => readMissingSecret(io, { nonInteractive, stdinUsed, readStdin }, key, prompt),
      readFile: readTextFile,
    });
  } catch (err) {
    return fail(ctx, 'Error authenticating', err);
  }

  // Whatever -wrap-ttl said applied to the login only, as in Vault.
  client.setWrapTtl(undefined);
  let extracted: { secret: Secret; wrapped: boolean };
  try {
    extracted = await extractToken(client, secret, !opts.tokenOnly && !opts.noStore);
  } catch (err) {
    ui.err(`Error extracting token: ${messageFor(err)}`);
    return ExitCode.RemoteError;
  }
  secret = extracted.secret;
  if (extracted.wrapped) {
    if (opts.tokenOnly) return printRawField(ui, ctx.format, secret, 'wrapping_token');
    if (opts.noStore) return outputSecret(ui, ctx.format, secret);
  }
  const auth = secret.auth;
  if (auth === null) {
    ui.err(wrapAtLength('The server returned a secret, but the secret has no authentication information attached. This should never happen and is likely a bug.'));
    return ExitCode.RemoteError;
  }
  if (auth.client_token === '' && auth.mfa_requirement !== undefined && auth.mfa_requirement !== null) {
    ui.err(wrapAtLength('Error authenticating: the server requires multi-factor authentication (MFA) for this login, which "coffer login" does not support yet.'));
    return ExitCode.RemoteError;
  }
  if (auth.client_token === '') {
    ui.err('Error authenticating: the server returned no client token');
    return ExitCode.RemoteError;
  }
  return storeAndPrint(ctx, secret, auth.client_token, opts);
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
      usage: `Type of authentication to use such as "userpass" or "approle". Note this corresponds to the TYPE, not the enabled path. Use -path to specify the path where the authentication is enabled. Supported: token, ${Object.keys(LOGIN_HANDLERS).join(', ')}.`,
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
Usage: coffer login [options] [AUTH K=V...]

  Authenticates users or machines using the provided arguments. A successful
  authentication results in a token - conceptually similar to a session token
  on a website. By default, this token is cached on the local machine (in
  ~/.vault-token, mode 0600) for future requests.

  The default auth method is "token". If the token is not supplied as an
  argument, the command prompts for it (without echo). If the argument is "-",
  the token is read from stdin:

      $ coffer login
      Token (will be hidden):

      $ echo "$TOKEN" | coffer login -

  The -method flag selects another auth method: userpass, approle, kubernetes,
  jwt or oidc (with jwt=). They take "K=V" pairs; a value may be @file or - to
  read it from a file or stdin. To authenticate to the userpass auth method
  (the password is prompted for when it is not given):

      $ coffer login -method=userpass username=my-username

  With an AppRole, or from a Kubernetes pod (the service account token is read
  from its default location when jwt= is not given):

      $ coffer login -method=approle role_id=... secret_id=@secret-id.txt

      $ coffer login -method=kubernetes role=my-app

  If an auth method is enabled at a non-standard path, the -method flag still
  refers to the canonical type, but the -path flag refers to the enabled path:

      $ coffer login -method=userpass -path=corp-users username=sally

  Use "coffer auth help TYPE" for the parameters of a method, and "coffer auth
  list" to see the enabled auth methods.

  If the authentication is requested with response wrapping (via -wrap-ttl),
  the returned token is automatically unwrapped unless:

    - The -token-only flag is used, in which case this command will output
      the wrapping token.

    - The -no-store flag is used, in which case this command will output the
      details of the wrapping token.`,

  async run(ctx) {
    const { ui, flags } = ctx;
    const opts: OutputOptions = { noStore: flags.bool('no-store'), noPrint: flags.bool('no-print'), tokenOnly: flags.bool('token-only'), field: flags.string('field') };
    if (opts.tokenOnly) {
      opts.noStore = true;
      opts.field = 'token';
    }
    if (opts.noStore && opts.noPrint) {
      ui.err(wrapAtLength('-no-store and -no-print cannot be used together'));
      return ExitCode.LocalError;
    }

    const method = flags.string('method').trim().replace(/^\/+|\/+$/g, '') || 'token';
    if (method === 'token') return tokenLogin(ctx, opts);
    return methodLogin(ctx, method, opts);
  },
});
