/**
 * `postgresql-database-plugin` (Vault's `plugins/database/postgresql`, OpenBao's
 * `internal/builtin/database/postgresql`), on node-postgres.
 *
 * - Creation, rotation, renewal and custom revocation statements run in one transaction.
 * - Default rotation: `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}'` after checking
 *   `pg_roles`; default renewal: `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}'`.
 * - Default revocation: revoke what the role holds (per schema with column grants, `public`,
 *   CONNECT on the current database) outside a transaction, continuing past errors, then
 *   `DROP ROLE IF EXISTS` — only when every REVOKE worked.
 * - `password_authentication = scram-sha-256` hashes passwords locally; the verifier is what
 *   `{{password}}` becomes.
 */
import pg from 'pg';
import type { PoolClient, PoolConfig } from 'pg';
import { InternalError, UnavailableError, UserError, isAppError, type AppError } from '../../../../shared/errors.js';
import { createRedactor, renderConnectionUrl, type Redactor } from './connection-url.js';
import { connectFailure, isUnreachable, statementFailure, verifyFailure } from './db-errors.js';
import { parsePostgresConnection, pgEndpoint, pgOptionsString, type PgConnectionOptions } from './pg-connection.js';
import { scramHash } from './scram.js';
import { normaliseSqlConfig, parseSqlConnectionSettings, weakString, type SqlConnectionSettings } from './sql-config.js';
import { expandStatements, formatExpiration, quoteIdentifier, substituteStatement, type StatementValues } from './statements.js';
import type {
  DatabasePlugin,
  DeleteUserRequest,
  InitializeRequest,
  InitializeResponse,
  NewUserRequest,
  Statements,
  UpdateUserRequest,
} from './types.js';

export const POSTGRESQL_DEFAULT_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';

export const POSTGRESQL_DEFAULT_RENEW_STATEMENT = `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`;
export const POSTGRESQL_DEFAULT_ROTATE_STATEMENT = `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`;

export type PasswordAuthentication = 'password' | 'scram-sha-256';

/** Used when the connection string sets no `connect_timeout`: a black-holed host must not hang a request. */
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** Idle connections above `max_idle_connections` are closed after this long. */
const IDLE_TIMEOUT_MS = 10_000;

interface PgState {
  settings: SqlConnectionSettings;
  passwordAuthentication: PasswordAuthentication;
  connection: PgConnectionOptions;
  endpoint: string;
  pool: pg.Pool;
  /** Every credential this instance has held, for redaction. */
  secrets: string[];
  redact: Redactor;
}

function parsePasswordAuthentication(raw: string): PasswordAuthentication {
  if (raw === '' || raw === 'password') return 'password';
  if (raw === 'scram-sha-256') return 'scram-sha-256';
  throw new UserError(`'${raw}' is not a valid password authentication type`);
}

function makePool(connection: PgConnectionOptions, settings: SqlConnectionSettings): pg.Pool {
  const password = connection.password ?? '';
  const config: PoolConfig = {
    host: connection.host,
    port: connection.port,
    // A function, so node-postgres never falls back to PGPASSWORD or ~/.pgpass of the server.
    password: () => password,
    ssl: connection.ssl,
    application_name: connection.applicationName ?? 'coffer',
    max: settings.maxOpenConnections,
    min: settings.maxIdleConnections,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    maxLifetimeSeconds: settings.maxConnectionLifetimeSeconds,
    connectionTimeoutMillis: (connection.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000,
    // An idle pool must not keep the server process alive at shutdown.
    allowExitOnIdle: true,
  };
  if (connection.user !== undefined) config.user = connection.user;
  if (connection.database !== undefined) config.database = connection.database;
  const options = pgOptionsString(connection);
  if (options !== undefined) config.options = options;
  const pool = new pg.Pool(config);
  // Idle clients that lose their connection are dropped by the pool; without a listener the
  // 'error' event would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Several failures of one `updateUser` as one error (503 only when every part was a 503). */
function combine(errors: AppError[]): AppError {
  const [first] = errors;
  if (first === undefined) return new InternalError();
  if (errors.length === 1) return first;
  const message = errors.map((e) => e.message).join('; ');
  return errors.every((e) => e instanceof UnavailableError) ? new UnavailableError(message) : new InternalError(message);
}

function ignoreClientError(): void {
  // see acquire()
}

function asAppError(err: unknown): AppError {
  return isAppError(err) ? err : new InternalError(err instanceof Error ? err.message : String(err));
}

export class PostgresqlPlugin implements DatabasePlugin {
  readonly type = 'postgres';
  readonly defaultUsernameTemplate = POSTGRESQL_DEFAULT_USERNAME_TEMPLATE;
  private state: PgState | undefined;
  private closed = false;

  async initialize(req: InitializeRequest): Promise<InitializeResponse> {
    if (this.closed) throw new InternalError('the database plugin has been closed');
    const settings = parseSqlConnectionSettings(req.config);
    const passwordAuthentication = parsePasswordAuthentication(weakString(req.config, 'password_authentication'));
    const secrets = [settings.password];
    const redact = createRedactor(secrets);
    const rendered = renderConnectionUrl(
      settings.connectionUrl,
      { username: settings.username, password: settings.password },
      { escapeUsername: !settings.disableEscaping, escapePassword: !settings.disableEscaping },
    );
    let connection: PgConnectionOptions;
    try {
      connection = parsePostgresConnection(rendered);
    } catch (err) {
      throw new UserError(redact(err instanceof Error ? err.message : String(err)));
    }
    if (connection.password !== undefined) secrets.push(connection.password);
    const state: PgState = {
      settings,
      passwordAuthentication,
      connection,
      endpoint: pgEndpoint(connection),
      pool: makePool(connection, settings),
      secrets,
      redact: createRedactor(secrets),
    };

    if (req.verifyConnection) {
      try {
        const client = await state.pool.connect();
        try {
          await client.query('SELECT 1');
        } finally {
          client.release();
        }
      } catch (err) {
        await state.pool.end().catch(() => undefined);
        throw verifyFailure(err, state.endpoint, state.redact);
      }
    }

    const previous = this.state;
    this.state = state;
    if (previous !== undefined) void previous.pool.end().catch(() => undefined);

    const config = normaliseSqlConfig(req.config, settings);
    if ('password_authentication' in req.config) config['password_authentication'] = passwordAuthentication;
    return { config };
  }

  async newUser(req: NewUserRequest): Promise<void> {
    const state = this.ready();
    if (req.username === '') throw new UserError('missing username');
    const statements = expandStatements(req.statements.commands);
    if (statements.length === 0) throw new UserError('empty creation statements');
    const password = await this.passwordValue(state, req.password);
    const redact = createRedactor([...state.secrets, req.password, password]);
    const values: StatementValues = {
      name: req.username,
      username: req.username,
      password,
      expiration: formatExpiration(req.expiration),
    };
    try {
      await this.runInTransaction(state, statements, values, 'failed to create the user', redact);
    } catch (err) {
      // The transaction is gone either way; an unreachable server gets no second attempt to wait for.
      if (!(err instanceof UnavailableError)) {
        await this.runBestEffort(state, req.rollbackStatements, { name: req.username, username: req.username });
      }
      throw err;
    }
  }

  async updateUser(req: UpdateUserRequest): Promise<void> {
    const state = this.ready();
    if (req.username === '') throw new UserError('missing username');
    if (req.password === undefined && req.expiration === undefined) throw new UserError('no changes requested');
    const errors: AppError[] = [];
    if (req.password !== undefined) {
      try {
        await this.changePassword(state, req.username, req.password.newPassword, req.password.statements);
      } catch (err) {
        errors.push(asAppError(err));
      }
    }
    if (req.expiration !== undefined) {
      try {
        await this.changeExpiration(this.state ?? state, req.username, req.expiration.newExpiration, req.expiration.statements);
      } catch (err) {
        errors.push(asAppError(err));
      }
    }
    if (errors.length > 0) throw combine(errors);
  }

  async deleteUser(req: DeleteUserRequest): Promise<void> {
    const state = this.ready();
    if (req.username === '') throw new UserError('missing username');
    const values: StatementValues = { name: req.username, username: req.username };
    const statements = expandStatements(req.statements.commands);
    if (statements.length > 0) {
      await this.runInTransaction(state, statements, values, 'failed to revoke the user', state.redact);
      return;
    }
    await this.defaultDeleteUser(state, req.username);
  }

  async close(): Promise<void> {
    this.closed = true;
    const state = this.state;
    this.state = undefined;
    if (state !== undefined) await state.pool.end().catch(() => undefined);
  }

  // ---- internals ------------------------------------------------------------------------

  private ready(): PgState {
    if (this.closed) throw new InternalError('the database plugin has been closed');
    if (this.state === undefined) throw new InternalError('connection has not been initialized');
    return this.state;
  }

  private passwordValue(state: PgState, password: string): Promise<string> | string {
    return state.passwordAuthentication === 'scram-sha-256' ? scramHash(password) : password;
  }

  /** A pooled client, with connection failures mapped to 503/500. Give it back with `release`. */
  private async acquire(state: PgState): Promise<PoolClient> {
    let client: PoolClient;
    try {
      client = await state.pool.connect();
    } catch (err) {
      // A root rotation may have swapped the pool while this request was waiting.
      const current = this.state;
      if (current === undefined || current.pool === state.pool) throw connectFailure(err, state.endpoint, state.redact);
      try {
        client = await current.pool.connect();
      } catch (retryErr) {
        throw connectFailure(retryErr, current.endpoint, current.redact);
      }
    }
    // The pool stops listening while a client is checked out: a connection that dies between
    // two statements would otherwise be an unhandled 'error' event. The next query fails instead.
    client.on('error', ignoreClientError);
    return client;
  }

  /** Returns a client to its pool; a broken one is destroyed instead. */
  private release(client: PoolClient, broken: boolean): void {
    client.removeListener('error', ignoreClientError);
    client.release(broken ? true : undefined);
  }

  /**
   * Runs `fn` on a pooled client after its opening query (`BEGIN`, or a read) worked. A pooled
   * connection found dead on that opening query (the server restarted, an admin killed the
   * session) is discarded and the query tried again on another one — nothing has run yet,
   * so that is safe (database/sql's ErrBadConn retry). A client whose connection failed is
   * destroyed rather than returned to the pool.
   */
  private async withClient<T>(
    state: PgState,
    opening: { sql: string; params?: unknown[]; what: string; redact: Redactor },
    fn: (client: PoolClient, opened: pg.QueryResult) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.acquire(state);
      let opened: pg.QueryResult;
      try {
        opened = await client.query(opening.sql, opening.params);
      } catch (err) {
        const dead = isUnreachable(err);
        this.release(client, dead);
        // Every idle connection may be dead; past the pool size, a new one failed too.
        if (dead && attempt <= state.settings.maxOpenConnections) continue;
        throw statementFailure(opening.what, err, state.endpoint, opening.redact);
      }
      let broken = false;
      try {
        return await fn(client, opened);
      } catch (err) {
        broken = err instanceof UnavailableError;
        throw err;
      } finally {
        this.release(client, broken);
      }
    }
  }

  private async runInTransaction(
    state: PgState,
    statements: readonly string[],
    values: StatementValues,
    what: string,
    redact: Redactor,
  ): Promise<void> {
    const opening = { sql: 'BEGIN', what: `${what}: unable to start a transaction`, redact };
    for (let attempt = 1; ; attempt++) {
      const conflicted = await this.withClient(state, opening, async (client): Promise<boolean> => {
        for (const [index, statement] of statements.entries()) {
          try {
            await client.query(substituteStatement(statement, values));
          } catch (err) {
            await client.query('ROLLBACK').catch(() => undefined);
            if (isCatalogConflict(err) && attempt < CONFLICT_ATTEMPTS) return true;
            throw statementFailure(
              `${what}: statement ${index + 1} of ${statements.length} failed`,
              err,
              state.endpoint,
              redact,
            );
          }
        }
        try {
          await client.query('COMMIT');
        } catch (err) {
          if (isCatalogConflict(err) && attempt < CONFLICT_ATTEMPTS) return true;
          throw statementFailure(`${what}: commit failed`, err, state.endpoint, redact);
        }
        return false;
      });
      if (!conflicted) return;
      await conflictBackoff(attempt);
    }
  }

  /** Runs statements one by one outside a transaction, ignoring failures (rollback of a failed create). */
  private async runBestEffort(state: PgState, statements: Statements, values: StatementValues): Promise<void> {
    const list = expandStatements(statements.commands);
    if (list.length === 0) return;
    try {
      await this.withClient(state, { sql: 'SELECT 1', what: 'rollback', redact: state.redact }, async (client) => {
        for (const statement of list) {
          await client.query(substituteStatement(statement, values)).catch(() => undefined);
        }
      });
    } catch {
      // best effort: the creation error is what the caller needs to see
    }
  }

  private async roleExists(state: PgState, username: string): Promise<boolean> {
    const opening = {
      sql: 'SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1);',
      params: [username],
      what: 'unable to check whether the role exists',
      redact: state.redact,
    };
    return this.withClient(state, opening, async (_client, result) => (result.rows[0] as { exists?: unknown } | undefined)?.exists === true);
  }

  private async changePassword(state: PgState, username: string, newPassword: string, statements: Statements): Promise<void> {
    if (newPassword === '') throw new UserError('missing password');
    let list = expandStatements(statements.commands);
    if (list.length === 0) {
      if (!(await this.roleExists(state, username))) {
        throw new UserError(`cannot change the password of role "${username}": it does not exist`);
      }
      list = expandStatements([POSTGRESQL_DEFAULT_ROTATE_STATEMENT]);
    }
    const password = await this.passwordValue(state, newPassword);
    const redact = createRedactor([...state.secrets, newPassword, password]);
    await this.runInTransaction(state, list, { name: username, username, password }, 'failed to change the password', redact);
    if (username === state.connection.user) this.adoptRootPassword(state, username, newPassword);
  }

  /**
   * The connection's own user got a new password: later connections must log in with it.
   * The pool is replaced; the old one finishes what it is doing and closes.
   */
  private adoptRootPassword(state: PgState, username: string, newPassword: string): void {
    const current = this.state ?? state;
    const settings = current.settings.username === username ? { ...current.settings, password: newPassword } : current.settings;
    const connection: PgConnectionOptions = { ...current.connection, password: newPassword };
    const secrets = [...current.secrets, newPassword];
    const old = current.pool;
    this.state = {
      ...current,
      settings,
      connection,
      pool: makePool(connection, settings),
      secrets,
      redact: createRedactor(secrets),
    };
    void old.end().catch(() => undefined);
  }

  private async changeExpiration(state: PgState, username: string, expiration: Date, statements: Statements): Promise<void> {
    let list = expandStatements(statements.commands);
    if (list.length === 0) list = expandStatements([POSTGRESQL_DEFAULT_RENEW_STATEMENT]);
    const values: StatementValues = { name: username, username, expiration: formatExpiration(expiration) };
    await this.runInTransaction(state, list, values, 'failed to change the expiration', state.redact);
  }

  private async defaultDeleteUser(state: PgState, username: string): Promise<void> {
    if (!(await this.roleExists(state, username))) return;
    const role = quoteIdentifier(username);
    const fail = (what: string, err: unknown): AppError => statementFailure(what, err, state.endpoint, state.redact);
    const opening = {
      sql: 'SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee=$1;',
      params: [username],
      what: 'unable to list the privileges to revoke',
      redact: state.redact,
    };
    await this.withClient(state, opening, async (client, grants) => {
      const schemas = (grants.rows as { table_schema: string }[]).map((row) => row.table_schema);
      let database: string | null;
      try {
        const db = await client.query<{ current_database: string | null }>('SELECT current_database();');
        database = db.rows[0]?.current_database ?? null;
      } catch (err) {
        throw fail('unable to read the current database', err);
      }

      const revocations: string[] = [];
      for (const schema of schemas) {
        revocations.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${quoteIdentifier(schema)} FROM ${role};`);
        revocations.push(`REVOKE USAGE ON SCHEMA ${quoteIdentifier(schema)} FROM ${role};`);
      }
      revocations.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM ${role};`);
      revocations.push(`REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM ${role};`);
      revocations.push(`REVOKE USAGE ON SCHEMA public FROM ${role};`);
      if (database !== null) revocations.push(`REVOKE CONNECT ON DATABASE ${quoteIdentifier(database)} FROM ${role};`);

      // Not in a transaction, and on past errors: remove as much access as possible now.
      const { failed, lastError } = await runRevocations(client, revocations, fail);
      // The role cannot be dropped while it still holds privileges.
      if (failed > 0) throw fail(`could not perform all revocation statements (${failed} failed)`, lastError);

      for (let attempt = 1; ; attempt++) {
        try {
          await client.query(`DROP ROLE IF EXISTS ${role};`);
          return;
        } catch (err) {
          if (!isCatalogConflict(err) || attempt >= CONFLICT_ATTEMPTS) throw fail(`unable to drop role ${role}`, err);
          await conflictBackoff(attempt);
        }
      }
    });
  }
}

/** Runs each REVOKE past errors (retrying lost catalog races); how many failed, and the last error. */
async function runRevocations(
  client: PoolClient,
  revocations: readonly string[],
  fail: (what: string, err: unknown) => AppError,
): Promise<{ failed: number; lastError: unknown }> {
  let lastError: unknown;
  let failed = 0;
  for (const revocation of revocations) {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(revocation);
      } catch (err) {
        if (isUnreachable(err)) throw fail('could not perform all revocation statements', err);
        if (isCatalogConflict(err) && attempt < CONFLICT_ATTEMPTS) {
          await conflictBackoff(attempt);
          continue;
        }
        lastError = err;
        failed++;
      }
      break;
    }
  }
  return { failed, lastError };
}

/** Tries of a statement (or transaction) that lost a race on a shared catalog row. */
const CONFLICT_ATTEMPTS = 8;

/**
 * PostgreSQL refuses concurrent changes to the same catalog row: two revocations running
 * `REVOKE … ON SCHEMA public` / `ON DATABASE` at once, or two creations granting on the same
 * tables, fail with "tuple concurrently updated" (XX000), a serialization failure (40001) or a
 * deadlock (40P01). They are retried: the other side commits in milliseconds.
 */
function isCatalogConflict(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.code === '40001' || e.code === '40P01') return true;
  return e.code === 'XX000' && typeof e.message === 'string' && e.message.includes('tuple concurrently updated');
}

function conflictBackoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createPostgresqlPlugin(): DatabasePlugin {
  return new PostgresqlPlugin();
}
