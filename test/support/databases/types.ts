/** A database server started for a test suite. */
export interface TestDatabase {
  kind: 'postgres' | 'mariadb';
  /** Always `127.0.0.1`. */
  host: string;
  port: number;
  superuser: string;
  superpassword: string;
  /** The database the connection URL and `query` use. */
  database: string;
  /** Vault style, with `{{username}}`/`{{password}}` markers. */
  connectionUrl: string;
  dataDir: string;
  /** Runs SQL as the superuser and returns the rows (`$1` placeholders for PostgreSQL, `?` for MariaDB). */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Really logs in with these credentials: true when accepted, false when refused; other failures throw. */
  canLogin(user: string, password: string): Promise<boolean>;
  /** Shuts the server down (idempotent). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** How long to wait for the server to accept logins (default 30 s). */
  startTimeoutMs?: number;
}
