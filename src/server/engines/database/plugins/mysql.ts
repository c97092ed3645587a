/**
 * `mysql-database-plugin` and its `-aurora`, `-rds` and `-legacy` variants (which differ only
 * in the default username template), as Vault's `plugins/database/mysql`, on mysql2.
 *
 * - Creation and rotation statements are prepared and executed in one transaction; a
 *   statement the server cannot prepare (error 1295) is executed plainly.
 * - MySQL commits DDL implicitly, so a transaction cannot undo a half-created user: after a
 *   failed creation the role's rollback statements run, or — when it has none — the user the
 *   failed statements created (if it did not exist before) is dropped.
 * - Revocation runs as plain statements; the default (`REVOKE ALL PRIVILEGES, GRANT OPTION`
 *   and `DROP USER` at `'%'`) only when the user exists in `mysql.user`.
 * - Renewal is a no-op: MySQL has no password expiry per lease.
 */
import { createSecureContext } from 'node:tls';
import mysql from 'mysql2/promise';
import type { Pool, PoolConnection, PoolOptions, RowDataPacket, SslOptions } from 'mysql2/promise';
import { InternalError, UnavailableError, UserError } from '../../../../shared/errors.js';
import { createRedactor, renderConnectionUrl, type Redactor } from './connection-url.js';
import { connectFailure, isUnreachable, statementFailure, verifyFailure } from './db-errors.js';
import { mysqlEndpoint, parseMysqlConnection, type MysqlConnectionOptions } from './mysql-dsn.js';
import { normaliseSqlConfig, parseSqlConnectionSettings, weakBool, weakString, type SqlConnectionSettings } from './sql-config.js';
import { expandStatements, formatExpiration, substituteStatement, type StatementValues } from './statements.js';
import type {
  DatabasePlugin,
  DeleteUserRequest,
  InitializeRequest,
  InitializeResponse,
  NewUserRequest,
  Statements,
  UpdateUserRequest,
} from './types.js';

export const MYSQL_DEFAULT_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 10) (.RoleName | truncate 10) (random 20) (unix_time) | truncate 32 }}';
export const MYSQL_LEGACY_USERNAME_TEMPLATE = '{{ printf "v-%s-%s-%s" (.RoleName | truncate 4) (random 20) | truncate 16 }}';

export const MYSQL_DEFAULT_REVOCATION_STATEMENTS = `
  REVOKE ALL PRIVILEGES, GRANT OPTION FROM '{{name}}'@'%';
  DROP USER '{{name}}'@'%'
`;
export const MYSQL_DEFAULT_ROTATE_STATEMENT = `ALTER USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';`;

/** ER_UNSUPPORTED_PS: "This command is not supported in the prepared statement protocol yet". */
const ER_UNSUPPORTED_PS = 1295;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 60_000;

interface MysqlState {
  settings: SqlConnectionSettings;
  connection: MysqlConnectionOptions;
  ssl: SslOptions | undefined;
  endpoint: string;
  pool: Pool;
  /** When each pooled connection was opened, for `max_connection_lifetime`. */
  openedAt: WeakMap<object, number>;
  /** Connections of this pool in use, and whether the pool was replaced (root rotation). */
  usage: { active: number; retired: boolean };
  secrets: string[];
  redact: Redactor;
}

function errnoOf(err: unknown): number | undefined {
  const errno = typeof err === 'object' && err !== null ? (err as { errno?: unknown }).errno : undefined;
  return typeof errno === 'number' ? errno : undefined;
}

/** TLS from the config's `tls_*` fields (they win, as Vault registers them over the DSN's `tls`), else the DSN. */
function tlsOptions(config: Readonly<Record<string, unknown>>, connection: MysqlConnectionOptions): SslOptions | undefined {
  const ca = weakString(config, 'tls_ca');
  const certificateKey = weakString(config, 'tls_certificate_key');
  const skipVerify = weakBool(config, 'tls_skip_verify');
  if (ca === '' && certificateKey === '') {
    if (connection.tls === undefined) return undefined;
    return { rejectUnauthorized: connection.tls.verify, verifyIdentity: connection.tls.verify };
  }
  const ssl: SslOptions = { rejectUnauthorized: !skipVerify, verifyIdentity: !skipVerify };
  if (ca !== '') {
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new UserError('failed to append CA to client options: tls_ca holds no PEM certificate');
    ssl.ca = ca;
  }
  if (certificateKey !== '') {
    try {
      createSecureContext({ cert: certificateKey, key: certificateKey });
    } catch (err) {
      throw new UserError(
        `unable to load tls_certificate_key: it must hold a PEM certificate and its private key (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    ssl.cert = certificateKey;
    ssl.key = certificateKey;
  }
  return ssl;
}

function makePool(state: Pick<MysqlState, 'connection' | 'settings' | 'ssl' | 'openedAt'>): Pool {
  const { connection, settings } = state;
  const options: PoolOptions = {
    user: connection.user,
    password: connection.password,
    connectTimeout: connection.connectTimeoutMs || DEFAULT_CONNECT_TIMEOUT_MS,
    connectionLimit: settings.maxOpenConnections,
    maxIdle: settings.maxIdleConnections,
    idleTimeout: IDLE_TIMEOUT_MS,
    waitForConnections: true,
    queueLimit: 0,
    multipleStatements: false,
    enableKeepAlive: true,
  };
  if (connection.socketPath !== undefined) options.socketPath = connection.socketPath;
  if (connection.host !== undefined) options.host = connection.host;
  if (connection.port !== undefined) options.port = connection.port;
  if (connection.database !== undefined) options.database = connection.database;
  if (connection.charset !== undefined) options.charset = connection.charset;
  if (state.ssl !== undefined) options.ssl = state.ssl;
  const pool = mysql.createPool(options);
  pool.on('connection', (conn) => state.openedAt.set(conn, Date.now()));
  return pool;
}

export class MysqlPlugin implements DatabasePlugin {
  readonly type = 'mysql';
  private state: MysqlState | undefined;
  private closed = false;

  constructor(readonly defaultUsernameTemplate: string) {}

  async initialize(req: InitializeRequest): Promise<InitializeResponse> {
    if (this.closed) throw new InternalError('the database plugin has been closed');
    const settings = parseSqlConnectionSettings(req.config);
    const secrets = [settings.password];
    const redact = createRedactor(secrets);
    // Vault never escapes the MySQL password: the Go driver takes it literally.
    const rendered = renderConnectionUrl(
      settings.connectionUrl,
      { username: settings.username, password: settings.password },
      { escapeUsername: !settings.disableEscaping, escapePassword: false },
    );
    let connection: MysqlConnectionOptions;
    try {
      connection = parseMysqlConnection(rendered);
    } catch (err) {
      throw new UserError(redact(err instanceof Error ? err.message : String(err)));
    }
    secrets.push(connection.password);
    const partial = { settings, connection, ssl: tlsOptions(req.config, connection), openedAt: new WeakMap<object, number>() };
    const state: MysqlState = {
      ...partial,
      endpoint: mysqlEndpoint(connection),
      pool: makePool(partial),
      usage: { active: 0, retired: false },
      secrets,
      redact: createRedactor(secrets),
    };

    if (req.verifyConnection) {
      try {
        const conn = await state.pool.getConnection();
        try {
          await conn.query('SELECT 1');
        } finally {
          conn.release();
        }
      } catch (err) {
        await state.pool.end().catch(() => undefined);
        throw verifyFailure(err, state.endpoint, state.redact);
      }
    }

    const previous = this.state;
    this.state = state;
    if (previous !== undefined) void previous.pool.end().catch(() => undefined);
    return { config: normaliseSqlConfig(req.config, settings) };
  }

  async newUser(req: NewUserRequest): Promise<void> {
    const state = this.ready();
    if (req.username === '') throw new UserError('missing username');
    const statements = expandStatements(req.statements.commands);
    if (statements.length === 0) throw new UserError('empty creation statements');
    const redact = createRedactor([...state.secrets, req.password]);
    const values: StatementValues = {
      name: req.username,
      username: req.username,
      password: req.password,
      expiration: formatExpiration(req.expiration),
    };
    // Only a user this call created may be dropped when it fails half-way.
    const existedBefore = await this.userExists(state, req.username).catch((err: unknown) => {
      if (err instanceof UnavailableError) throw err;
      return true;
    });
    try {
      await this.runInTransaction(state, statements, values, 'failed to create the user', redact, true);
    } catch (err) {
      // Unreachable: cleaning up would only wait for the same dead server again.
      if (err instanceof UnavailableError) throw err;
      const rollback = expandStatements(req.rollbackStatements.commands);
      if (rollback.length > 0) await this.runBestEffort(state, rollback, { name: req.username, username: req.username });
      else if (!existedBefore) await this.dropAllHosts(state, req.username);
      throw err;
    }
  }

  async updateUser(req: UpdateUserRequest): Promise<void> {
    const state = this.ready();
    if (req.username === '') throw new UserError('missing username');
    if (req.password === undefined && req.expiration === undefined) throw new UserError('no change requested');
    if (req.password !== undefined) {
      await this.changePassword(state, req.username, req.password.newPassword, req.password.statements);
    }
    // Expiration changes are a no-op for MySQL, as in Vault.
  }

  async deleteUser(req: DeleteUserRequest): Promise<void> {
    const state = this.ready();
    if (req.username === '') throw new UserError('missing username');
    let statements = expandStatements(req.statements.commands);
    if (statements.length === 0) {
      if (!(await this.userExists(state, req.username))) return;
      statements = expandStatements([MYSQL_DEFAULT_REVOCATION_STATEMENTS]);
    }
    // Plain statements: REVOKE/DROP USER are not all preparable.
    await this.runInTransaction(
      state,
      statements,
      { name: req.username, username: req.username },
      'failed to revoke the user',
      state.redact,
      false,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const state = this.state;
    this.state = undefined;
    if (state !== undefined) await state.pool.end().catch(() => undefined);
  }

  // ---- internals ------------------------------------------------------------------------

  private ready(): MysqlState {
    if (this.closed) throw new InternalError('the database plugin has been closed');
    if (this.state === undefined) throw new InternalError('connection has not been initialized');
    return this.state;
  }

  private async getConnection(state: MysqlState): Promise<PoolConnection> {
    const lifetimeMs = state.settings.maxConnectionLifetimeSeconds * 1000;
    for (;;) {
      const conn = await state.pool.getConnection();
      const opened = state.openedAt.get(conn.connection);
      if (lifetimeMs > 0 && opened !== undefined && Date.now() - opened >= lifetimeMs) {
        // Past max_connection_lifetime: close it and take (or open) another.
        conn.destroy();
        continue;
      }
      return conn;
    }
  }

  /** A pooled connection, with connection failures mapped to 503/500. */
  private async acquire(state: MysqlState): Promise<PoolConnection> {
    try {
      return await this.getConnection(state);
    } catch (err) {
      // A root rotation may have swapped the pool while this request was waiting.
      const current = this.state;
      if (current !== undefined && current.pool !== state.pool) {
        try {
          return await this.getConnection(current);
        } catch (retryErr) {
          throw connectFailure(retryErr, current.endpoint, current.redact);
        }
      }
      throw connectFailure(err, state.endpoint, state.redact);
    }
  }

  /**
   * Runs `fn` on a pooled connection after its opening step (starting a transaction, or a
   * read) worked. A pooled connection found dead on that step is discarded and the step tried
   * again on another one — nothing has run yet, so that is safe (database/sql's ErrBadConn
   * retry). A connection that failed is destroyed rather than returned to the pool.
   */
  private async withConnection<O, T>(
    state: MysqlState,
    opening: { run: (conn: PoolConnection) => Promise<O>; what: string; redact: Redactor },
    fn: (conn: PoolConnection, opened: O) => Promise<T>,
  ): Promise<T> {
    const current = this.state ?? state;
    current.usage.active++;
    try {
      for (let attempt = 1; ; attempt++) {
        const conn = await this.acquire(current);
        let opened: O;
        try {
          opened = await opening.run(conn);
        } catch (err) {
          const dead = isUnreachable(err);
          if (dead) conn.destroy();
          else conn.release();
          // Every idle connection may be dead; past the pool size, a new one failed too.
          if (dead && attempt <= current.settings.maxOpenConnections) continue;
          throw statementFailure(opening.what, err, state.endpoint, opening.redact);
        }
        let broken = false;
        try {
          return await fn(conn, opened);
        } catch (err) {
          broken = err instanceof UnavailableError;
          throw err;
        } finally {
          if (broken) conn.destroy();
          else conn.release();
        }
      }
    } finally {
      current.usage.active--;
      // mysql2's end() closes connections still in use, so a replaced pool ends when idle.
      if (current.usage.retired && current.usage.active === 0) void current.pool.end().catch(() => undefined);
    }
  }

  /** Prepares and executes one statement; falls back to a plain query on error 1295. */
  private async execPrepared(conn: PoolConnection, sql: string): Promise<void> {
    let prepared: Awaited<ReturnType<PoolConnection['prepare']>>;
    try {
      prepared = await conn.prepare(sql);
    } catch (err) {
      if (errnoOf(err) !== ER_UNSUPPORTED_PS) throw err;
      await conn.query(sql);
      return;
    }
    try {
      await prepared.execute([]);
    } finally {
      // Closing also drops it from mysql2's statement cache: the SQL may hold a password.
      await prepared.close();
    }
  }

  private async runInTransaction(
    state: MysqlState,
    statements: readonly string[],
    values: StatementValues,
    what: string,
    redact: Redactor,
    prepare: boolean,
  ): Promise<void> {
    const opening = { run: (conn: PoolConnection) => conn.beginTransaction(), what: `${what}: unable to start a transaction`, redact };
    await this.withConnection(state, opening, async (conn) => {
      for (const [index, statement] of statements.entries()) {
        const sql = substituteStatement(statement, values);
        try {
          if (prepare) await this.execPrepared(conn, sql);
          else await conn.query(sql);
        } catch (err) {
          await conn.rollback().catch(() => undefined);
          throw statementFailure(`${what}: statement ${index + 1} of ${statements.length} failed`, err, state.endpoint, redact);
        }
      }
      try {
        await conn.commit();
      } catch (err) {
        throw statementFailure(`${what}: commit failed`, err, state.endpoint, redact);
      }
    });
  }

  private async runBestEffort(state: MysqlState, statements: readonly string[], values: StatementValues): Promise<void> {
    const opening = { run: (conn: PoolConnection) => conn.query('SELECT 1'), what: 'rollback', redact: state.redact };
    try {
      await this.withConnection(state, opening, async (conn) => {
        for (const statement of statements) {
          await this.execPrepared(conn, substituteStatement(statement, values)).catch(() => undefined);
        }
      });
    } catch {
      // best effort: the creation error is what the caller needs to see
    }
  }

  /** Drops every `user@host` of a user that a failed creation left behind. */
  private async dropAllHosts(state: MysqlState, username: string): Promise<void> {
    const opening = {
      run: (conn: PoolConnection) => conn.query<RowDataPacket[]>('SELECT Host AS host FROM mysql.user WHERE User = ?', [username]),
      what: 'unable to list the hosts of the user',
      redact: state.redact,
    };
    try {
      await this.withConnection(state, opening, async (conn, [rows]) => {
        for (const row of rows) {
          await conn.query(conn.format('DROP USER ?@?', [username, String(row['host'])])).catch(() => undefined);
        }
      });
    } catch {
      // best effort
    }
  }

  private async userExists(state: MysqlState, username: string): Promise<boolean> {
    const opening = {
      run: (conn: PoolConnection) =>
        conn.query<RowDataPacket[]>('SELECT EXISTS (SELECT user FROM mysql.user WHERE user = ?) AS present', [username]),
      what: 'unable to check whether the user exists',
      redact: state.redact,
    };
    return this.withConnection(state, opening, async (_conn, [rows]) => Number(rows[0]?.['present']) === 1);
  }

  private async changePassword(state: MysqlState, username: string, newPassword: string, statements: Statements): Promise<void> {
    if (newPassword === '') throw new UserError('must provide both username and password');
    let list = expandStatements(statements.commands);
    if (list.length === 0) list = expandStatements([MYSQL_DEFAULT_ROTATE_STATEMENT]);
    const redact = createRedactor([...state.secrets, newPassword]);
    await this.runInTransaction(
      state,
      list,
      { name: username, username, password: newPassword },
      'failed to change the password',
      redact,
      true,
    );
    if (username === state.connection.user) this.adoptRootPassword(state, username, newPassword);
  }

  /** The connection's own user got a new password: replace the pool so new connections use it. */
  private adoptRootPassword(state: MysqlState, username: string, newPassword: string): void {
    const current = this.state ?? state;
    const settings = current.settings.username === username ? { ...current.settings, password: newPassword } : current.settings;
    const connection: MysqlConnectionOptions = { ...current.connection, password: newPassword };
    const secrets = [...current.secrets, newPassword];
    const partial = { settings, connection, ssl: current.ssl, openedAt: new WeakMap<object, number>() };
    this.state = {
      ...current,
      ...partial,
      pool: makePool(partial),
      usage: { active: 0, retired: false },
      secrets,
      redact: createRedactor(secrets),
    };
    current.usage.retired = true;
    // Requests still on the old pool end it when the last of them finishes (withConnection).
    if (current.usage.active === 0) void current.pool.end().catch(() => undefined);
  }
}

export function createMysqlPlugin(defaultUsernameTemplate = MYSQL_DEFAULT_USERNAME_TEMPLATE): DatabasePlugin {
  return new MysqlPlugin(defaultUsernameTemplate);
}
