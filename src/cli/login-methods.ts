/**
 * `coffer login -method=<type>` handlers other than `token` (Vault's `LoginHandler`s): each
 * turns the `K=V` arguments into a login request and returns the server's response.
 *
 *   userpass    Vault's handler: `username=` (required), `password=` (prompted without echo on
 *               a terminal when missing, else read as one line from stdin).
 *   approle     no CLI handler in Vault (`vault write auth/approle/login`): a convenience,
 *               `role_id=` and `secret_id=`.
 *   kubernetes  no CLI handler in Vault either: `role=` and `jwt=` (default: the pod's service
 *               account token file, as Vault Agent's kubernetes auto-auth reads it).
 *   jwt         no CLI handler in Vault: `role=` (optional) and `jwt=`.
 *   oidc        Vault's handler runs a browser flow, which is not supported here yet; with
 *               `jwt=` it logs in like `jwt` against the oidc mount.
 *
 * Credentials are never part of an error message: missing values are named by their key only.
 */
import { readFile } from 'node:fs/promises';
import type { Client, Secret } from '../api/index.js';
import { AppError } from '../shared/index.js';
import type { CliIo } from './context.js';
import { UsageError, messageFor } from './exit.js';
import { readHidden } from './prompt.js';

/** Where a pod's service account token is mounted. */
export const SERVICE_ACCOUNT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LoginInput {
  readonly client: Client;
  /** The `K=V` arguments (strings), without `mount`. */
  readonly config: Readonly<Record<string, string>>;
  /** The mount path (`-path`, `mount=`, or the method's name), without slashes. */
  readonly mount: string;
  /** A secret the user did not pass: a hidden prompt on a terminal, else one line of stdin. */
  readSecret(key: string, prompt: string): Promise<string>;
  /** Reads a local file (the service account token). */
  readFile(path: string): Promise<string>;
}

export interface LoginHandler {
  /** `coffer auth help <type>`. */
  readonly help: string;
  auth(input: LoginInput): Promise<Secret>;
}

/** A handler's refusal (exit 2, "Error authenticating: ..."), as Vault's handlers return errors. */
function loginError(message: string): AppError {
  return new AppError('ERR_INVALID_REQUEST', message);
}

function required(config: Readonly<Record<string, string>>, key: string): string {
  const v = config[key];
  if (v === undefined || v.trim() === '') throw loginError(`'${key}' must be specified`);
  return v;
}

const userpass: LoginHandler = {
  help: `
Usage: coffer login -method=userpass [CONFIG K=V...]

  The userpass auth method allows users to authenticate using a username and
  password combination. If the password is not given as an argument, the
  command prompts for it (without echo) on a terminal, or reads one line from
  stdin when it is piped.

  Authenticate as "sally":

      $ coffer login -method=userpass username=sally
      Password (will be hidden):

  Authenticate as "bob" with the password read from a file:

      $ coffer login -method=userpass username=bob password=@password.txt

Configuration:

  mount=<string>
      Path where the userpass auth method is enabled. The default is userpass
      (or the -path flag).

  password=<string>
      Password to use for authentication. If not provided, the CLI prompts for
      it (or reads it from stdin).

  username=<string>
      Username to use for authentication.`,

  async auth(input) {
    const username = required(input.config, 'username');
    let password = input.config['password'] ?? '';
    if (password === '') password = await input.readSecret('password', 'Password (will be hidden): ');
    if (password === '') throw loginError("'password' must be specified");
    const params: Record<string, unknown> = { username, password };
    // Vault's handler passes the MFA method and passcode on when given.
    for (const key of ['method', 'passcode']) {
      const v = input.config[key];
      if (v !== undefined && v !== '') params[key] = v;
    }
    return input.client.auth.login('userpass', input.mount, params);
  },
};

const approle: LoginHandler = {
  help: `
Usage: coffer login -method=approle [CONFIG K=V...]

  The approle auth method authenticates machines or applications with a role
  ID and a secret ID. (Vault's CLI has no handler for it - "vault write
  auth/approle/login role_id=... secret_id=..." is used there; both work with
  Coffer.) Pass the secret ID from a file or stdin to keep it out of the
  shell history and the process list:

      $ coffer login -method=approle role_id=db02de05-... secret_id=@secret-id.txt

      $ echo "$SECRET_ID" | coffer login -method=approle role_id=db02de05-... secret_id=-

Configuration:

  mount=<string>
      Path where the approle auth method is enabled. The default is approle
      (or the -path flag).

  role_id=<string>
      The role ID of the AppRole.

  secret_id=<string>
      A secret ID of the AppRole (omit it for roles with bind_secret_id=false).`,

  async auth(input) {
    const roleId = required(input.config, 'role_id');
    const secretId = input.config['secret_id'] ?? '';
    return input.client.auth.approle(roleId, secretId === '' ? undefined : secretId, input.mount);
  },
};

/** The JWT from `jwt=` (trimmed: a token file usually ends with a newline). */
function jwtOf(config: Readonly<Record<string, string>>): string | undefined {
  const jwt = config['jwt'];
  return jwt === undefined || jwt.trim() === '' ? undefined : jwt.trim();
}

const kubernetes: LoginHandler = {
  help: `
Usage: coffer login -method=kubernetes [CONFIG K=V...]

  The kubernetes auth method authenticates a pod with its service account
  token, which the server verifies with the Kubernetes TokenReview API. (Vault's
  CLI has no handler for it - "vault write auth/kubernetes/login role=...
  jwt=..." is used there; both work with Coffer.) Without jwt=, the token is
  read from ${SERVICE_ACCOUNT_TOKEN_PATH}:

      $ coffer login -method=kubernetes role=demo

      $ coffer login -method=kubernetes role=demo jwt=@/path/to/token

Configuration:

  jwt=<string>
      The service account token (a JWT). The default is the contents of
      ${SERVICE_ACCOUNT_TOKEN_PATH}.

  mount=<string>
      Path where the kubernetes auth method is enabled. The default is
      kubernetes (or the -path flag).

  role=<string>
      The role to log in against.`,

  async auth(input) {
    const role = required(input.config, 'role');
    let jwt = jwtOf(input.config);
    if (jwt === undefined) {
      try {
        jwt = (await input.readFile(SERVICE_ACCOUNT_TOKEN_PATH)).trim();
      } catch (err) {
        const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : messageFor(err);
        throw loginError(`'jwt' must be specified: no jwt= argument and the service account token at ${SERVICE_ACCOUNT_TOKEN_PATH} cannot be read (${code})`);
      }
      if (jwt === '') throw loginError(`'jwt' must be specified: the service account token at ${SERVICE_ACCOUNT_TOKEN_PATH} is empty`);
    }
    return input.client.auth.kubernetes(role, jwt, input.mount);
  },
};

const JWT_CONFIG_HELP = `
Configuration:

  jwt=<string>
      The signed JWT (or OIDC ID token) to log in with. Use jwt=@file or jwt=-
      (stdin) to keep it out of the shell history.

  mount=<string>
      Path where the auth method is enabled. The default is the method's name
      (or the -path flag).

  role=<string>
      The role to log in against. The default is the mount's default_role.`;

const jwt: LoginHandler = {
  help: `
Usage: coffer login -method=jwt [CONFIG K=V...]

  The jwt auth method authenticates with a JWT signed by a trusted issuer
  (validated with the mount's keys, JWKS URL or OIDC discovery). (Vault's CLI
  has no handler for it - "vault write auth/jwt/login role=... jwt=..." is used
  there; both work with Coffer.)

      $ coffer login -method=jwt role=ci jwt=@token.jwt
${JWT_CONFIG_HELP}`,

  async auth(input) {
    const token = jwtOf(input.config);
    if (token === undefined) throw loginError("'jwt' must be specified");
    return input.client.auth.jwt(input.config['role'] ?? '', token, input.mount);
  },
};

const oidc: LoginHandler = {
  help: `
Usage: coffer login -method=oidc [CONFIG K=V...]

  Vault's CLI logs in to an oidc mount through a browser (a local callback
  listener receives the authorization code). That flow is not supported by the
  coffer CLI yet. An ID token obtained elsewhere can be passed with jwt=, which
  logs in like the jwt method against the oidc mount:

      $ coffer login -method=oidc role=dev jwt=@id-token.jwt
${JWT_CONFIG_HELP}`,

  async auth(input) {
    const token = jwtOf(input.config);
    if (token === undefined) {
      throw new UsageError(
        `the OIDC browser flow is not supported from the coffer CLI yet. Pass an ID token with jwt=@file (it is validated like -method=jwt), or complete the flow in the UI or through the HTTP API (auth/${input.mount}/oidc/auth_url) and run "coffer login" with the resulting token.`,
      );
    }
    return input.client.auth.jwt(input.config['role'] ?? '', token, input.mount);
  },
};

/** The methods `coffer login` supports besides `token`, by type. */
export const LOGIN_HANDLERS: Readonly<Record<string, LoginHandler>> = { userpass, approle, kubernetes, jwt, oidc };

/** Vault's login methods Coffer does not implement (named so the refusal can say so). */
export const UNSUPPORTED_METHODS = new Set(['ldap', 'github', 'cert', 'aws', 'azure', 'gcp', 'okta', 'radius', 'alicloud', 'oci', 'cf', 'pcf', 'kerberos', 'centrify', 'plugin']);

export const TOKEN_HELP = `
Usage: coffer login TOKEN [CONFIG K=V...]

  The token auth method authenticates with a token that already exists. The
  token is verified with auth/token/lookup-self before it is stored. If the
  token is not given, the command prompts for it (without echo); "-" reads it
  from stdin.

      $ coffer login
      Token (will be hidden):

      $ echo "$TOKEN" | coffer login -

Configuration:

  lookup=<bool>
      Whether to look the token up (and so verify it) before storing it. The
      default is true.

  token=<string>
      The token to use for authentication.`;

/** Reads a secret the user did not pass as an argument. */
export async function readMissingSecret(io: CliIo, opts: { nonInteractive: boolean; stdinUsed: boolean; readStdin: () => Promise<string> }, key: string, prompt: string): Promise<string> {
  if (opts.nonInteractive) throw loginError(`'${key}' must be specified (-non-interactive is set, so it cannot be asked for)`);
  if (io.stdin.isTTY === true) {
    try {
      // The prompt goes to stderr, as in Vault, so stdout stays clean for -field and -format.
      return await readHidden({ ...io, stdout: io.stderr }, prompt);
    } catch (err) {
      throw loginError(messageFor(err) === 'interrupted' ? 'user interrupted' : messageFor(err));
    }
  }
  if (opts.stdinUsed) throw loginError(`'${key}' must be specified (stdin is already used by another argument)`);
  // Piped: the first line of stdin, as Vault's password reader does.
  const text = await opts.readStdin();
  const line = text.split('\n')[0] ?? '';
  return line.replace(/\r$/, '');
}

/** Reads a file as UTF-8 (the default `readFile` of `LoginInput`). */
export function readTextFile(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
