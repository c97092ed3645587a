/**
 * The contract between the database secrets engine and a database plugin (Vault's
 * `sdk/database/dbplugin/v5`). One plugin instance serves one connection config
 * (`database/config/:name`) and owns its connection pool.
 *
 * The engine decides usernames, passwords, expirations and which statements run; the plugin
 * only talks to its database. Errors thrown by a plugin never contain the connection
 * password (nor any user password): a `UserError` for bad settings, an `UnavailableError`
 * for a database that cannot be reached, an `InternalError` for a statement that failed.
 */

/** SQL statements as configured on a role: each item may still hold several `;`-separated statements. */
export interface Statements {
  commands: readonly string[];
}

export interface InitializeRequest {
  /**
   * The config's connection details as written by the user: `connection_url` (with
   * `{{username}}`/`{{password}}` markers), `username`, `password`, `max_open_connections`,
   * `max_idle_connections`, `max_connection_lifetime`, `disable_escaping`,
   * `password_authentication`, `username_template`, TLS settings, …
   */
  config: Readonly<Record<string, unknown>>;
  /** Connect (and run a trivial query) now, failing when that does not work. */
  verifyConnection: boolean;
}

export interface InitializeResponse {
  /** The normalised details to persist (e.g. defaults filled in). Includes the password: the engine stores it encrypted and never returns it. */
  config: Record<string, unknown>;
}

export interface NewUserRequest {
  /** Already rendered from the username template by the engine. */
  username: string;
  password: string;
  /** The lease's expiry plus 5 s (Vault's slack), substituted as `{{expiration}}`. */
  expiration: Date;
  /** Creation statements; an empty list is refused by the engine before it gets here. */
  statements: Statements;
  /** Run (best effort) when a creation statement fails, so no half-created user is left. */
  rollbackStatements: Statements;
}

export interface UpdateUserRequest {
  username: string;
  /** Change the password (static role rotation, root rotation); empty statements = the plugin's default. */
  password?: { newPassword: string; statements: Statements };
  /** Move the expiry (lease renewal); empty statements = the plugin's default renew statement. */
  expiration?: { newExpiration: Date; statements: Statements };
}

export interface DeleteUserRequest {
  username: string;
  /** Empty = the plugin's default revocation. */
  statements: Statements;
}

export interface DatabasePlugin {
  /** Vault's plugin type (`postgres`, `mysql`). */
  readonly type: string;
  /** The Go-template username format used when the config sets no `username_template`. */
  readonly defaultUsernameTemplate: string;
  initialize(req: InitializeRequest): Promise<InitializeResponse>;
  newUser(req: NewUserRequest): Promise<void>;
  updateUser(req: UpdateUserRequest): Promise<void>;
  deleteUser(req: DeleteUserRequest): Promise<void>;
  /** Closes the pool; the instance is not used again. */
  close(): Promise<void>;
}

/** Makes a fresh, uninitialised plugin instance. */
export type DatabasePluginFactory = () => DatabasePlugin;
