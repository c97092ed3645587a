/**
 * Test doubles for the database engine (not part of the build): an in-memory "database
 * server" and a plugin talking to it, plus a manual clock/timer for the rotation scheduler.
 */
import { InternalError, UnavailableError, UserError } from '../../../shared/errors.js';
import type {
  DatabasePlugin,
  DatabasePluginFactory,
  DeleteUserRequest,
  InitializeRequest,
  InitializeResponse,
  NewUserRequest,
  UpdateUserRequest,
} from './plugins/types.js';
import type { RotationTick } from './rotation.js';
import type { LeaseRequest, LogicalResponse, SystemView } from '../../sdk/index.js';
import { InmemStorage, createTestBackend, type TestBackend } from '../../sdk/testing.js';
import { createDatabaseFactory } from './factory.js';
import type { DatabaseEngineLogger } from './context.js';

export const FAKE_PLUGIN_NAME = 'fake-database-plugin';
export const FAKE_USERNAME_TEMPLATE = '{{ printf "v-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 8) }}';

export interface FakeUser {
  password: string;
  /** null for users that do not expire (static and root users). */
  expiration: Date | null;
  /** The statements that created it (or that last changed it). */
  statements: readonly string[];
}

export type FakeOperation = 'initialize' | 'newUser' | 'updateUser' | 'deleteUser' | 'close';

export interface FakeCall {
  op: FakeOperation;
  /** Which plugin instance (index into `server.instances`). */
  instance: number;
  request: unknown;
}

/**
 * The shared state of every fake plugin instance, like one database server: users with
 * passwords and expiries, a log of calls, and failures to inject.
 */
export class FakeDatabaseServer {
  readonly users = new Map<string, FakeUser>();
  readonly calls: FakeCall[] = [];
  readonly instances: FakeDatabasePlugin[] = [];
  private readonly failures = new Map<FakeOperation, Error[]>();

  /** A plugin factory whose instances talk to this server. */
  readonly factory: DatabasePluginFactory = () => {
    const plugin = new FakeDatabasePlugin(this, this.instances.length);
    this.instances.push(plugin);
    return plugin;
  };

  /** Creates a user directly (e.g. the root user, or a static role's user). */
  addUser(username: string, password: string): void {
    this.users.set(username, { password, expiration: null, statements: [] });
  }

  /** Makes the next call of `op` (or the next `times` calls) fail with `error`. */
  failNext(op: FakeOperation, error: Error = new InternalError(`fake ${op} failure`), times = 1): void {
    const queue = this.failures.get(op) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.failures.set(op, queue);
  }

  callsOf(op: FakeOperation): FakeCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  /** Instances that were initialised and not closed. */
  openInstances(): FakeDatabasePlugin[] {
    return this.instances.filter((p) => p.initialized && !p.closed);
  }

  /** @internal */
  record(op: FakeOperation, instance: number, request: unknown): void {
    this.calls.push({ op, instance, request });
    const queue = this.failures.get(op);
    const failure = queue?.shift();
    if (failure !== undefined) throw failure;
  }
}

/** A `DatabasePlugin` over a `FakeDatabaseServer`. */
export class FakeDatabasePlugin implements DatabasePlugin {
  readonly type = 'fake';
  readonly defaultUsernameTemplate = FAKE_USERNAME_TEMPLATE;
  initialized = false;
  closed = false;
  config: Record<string, unknown> = {};

  constructor(
    readonly server: FakeDatabaseServer = new FakeDatabaseServer(),
    readonly index = 0,
  ) {}

  async initialize(req: InitializeRequest): Promise<InitializeResponse> {
    this.assertOpen();
    this.server.record('initialize', this.index, structuredClone(req));
    const url = req.config['connection_url'];
    if (typeof url !== 'string' || url === '') throw new UserError('connection_url cannot be empty');
    if (req.verifyConnection) {
      const username = req.config['username'];
      const password = req.config['password'];
      const user = typeof username === 'string' ? this.server.users.get(username) : undefined;
      if (typeof username === 'string' && user !== undefined && user.password !== password) {
        throw new UnavailableError(`password authentication failed for user "${username}"`);
      }
    }
    // Like the real plugins: settings come back normalised, defaults filled in.
    this.config = { max_open_connections: 4, ...req.config };
    this.initialized = true;
    return { config: { ...this.config } };
  }

  async newUser(req: NewUserRequest): Promise<void> {
    this.assertReady();
    this.server.record('newUser', this.index, req);
    if (req.statements.commands.length === 0) throw new UserError('empty creation statements');
    if (this.server.users.has(req.username)) throw new InternalError(`role "${req.username}" already exists`);
    this.server.users.set(req.username, { password: req.password, expiration: req.expiration, statements: req.statements.commands });
  }

  async updateUser(req: UpdateUserRequest): Promise<void> {
    this.assertReady();
    this.server.record('updateUser', this.index, req);
    const user = this.server.users.get(req.username);
    if (user === undefined) throw new InternalError(`role "${req.username}" does not exist`);
    if (req.password !== undefined) {
      user.password = req.password.newPassword;
      user.statements = req.password.statements.commands;
    }
    if (req.expiration !== undefined) user.expiration = req.expiration.newExpiration;
  }

  async deleteUser(req: DeleteUserRequest): Promise<void> {
    this.assertReady();
    this.server.record('deleteUser', this.index, req);
    this.server.users.delete(req.username);
  }

  async close(): Promise<void> {
    this.server.record('close', this.index, null);
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new InternalError('fake plugin instance used after close');
  }

  private assertReady(): void {
    this.assertOpen();
    if (!this.initialized) throw new InternalError('fake plugin instance used before initialize');
  }
}

/**
 * A clock and rotation timer driven by hand: `advance(ms)` moves time and runs the
 * scheduler's batch when its timer is due, resolving once it is done.
 */
export class ManualRotationClock {
  t = Date.UTC(2024, 0, 1, 0, 0, 0);
  private timer: { run: () => Promise<void>; at: number } | null = null;
  readonly now = (): number => this.t;
  readonly tick: RotationTick = (run, delayMs) => {
    const timer = { run, at: this.t + delayMs };
    this.timer = timer;
    return () => {
      if (this.timer === timer) this.timer = null;
    };
  };

  /** When the scheduler's timer fires next (epoch ms), if armed. */
  get timerAt(): number | null {
    return this.timer?.at ?? null;
  }

  /** Moves the clock by `ms`, firing the timer (repeatedly) while it is due. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      const timer = this.timer;
      if (timer === null || timer.at > target) break;
      this.t = Math.max(this.t, timer.at);
      this.timer = null;
      await timer.run();
    }
    this.t = target;
  }
}

/** A logger that keeps what it is given (tests check that no secret reaches it). */
export class RecordingLogger implements DatabaseEngineLogger {
  readonly entries: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  info(obj: Record<string, unknown>, msg: string): void {
    this.entries.push({ level: 'info', obj, msg });
  }
  warn(obj: Record<string, unknown>, msg: string): void {
    this.entries.push({ level: 'warn', obj, msg });
  }
  error(obj: Record<string, unknown>, msg: string): void {
    this.entries.push({ level: 'error', obj, msg });
  }
}

export interface DatabaseTestBackend extends TestBackend {
  server: FakeDatabaseServer;
  clock: ManualRotationClock;
  logger: RecordingLogger;
}

export interface DatabaseTestOptions {
  server?: FakeDatabaseServer;
  clock?: ManualRotationClock;
  storage?: InmemStorage;
  system?: SystemView;
  displayName?: string;
  defaultLeaseTtl?: number;
  maxLeaseTtl?: number;
}

/** A `database` backend over the fake plugin (registered as `fake-database-plugin`), a manual clock and in-memory storage. */
export async function createDatabaseTestBackend(options: DatabaseTestOptions = {}): Promise<DatabaseTestBackend> {
  const server = options.server ?? new FakeDatabaseServer();
  const clock = options.clock ?? new ManualRotationClock();
  const logger = new RecordingLogger();
  const factory = createDatabaseFactory({ plugins: { [FAKE_PLUGIN_NAME]: server.factory }, now: clock.now, rotationTick: clock.tick, logger });
  const tb = await createTestBackend(factory, {
    type: 'database',
    path: 'database/',
    ...(options.storage !== undefined ? { storage: options.storage } : {}),
    ...(options.system !== undefined ? { system: options.system } : {}),
    ...(options.displayName !== undefined ? { displayName: options.displayName } : {}),
    ...(options.defaultLeaseTtl !== undefined ? { defaultLeaseTtl: options.defaultLeaseTtl } : {}),
    ...(options.maxLeaseTtl !== undefined ? { maxLeaseTtl: options.maxLeaseTtl } : {}),
  });
  return { ...tb, server, clock, logger };
}

/** The lease request the core would hand the `creds` secret kind for a `creds/` response. */
export function leaseRequestFor(
  tb: TestBackend,
  resp: LogicalResponse | null,
  options: { increment?: number; issueTimeMs?: number; expireTimeMs?: number } = {},
): LeaseRequest {
  if (resp?.secret === undefined) throw new Error('the response carries no leased secret');
  const issue = options.issueTimeMs ?? 0;
  return {
    leaseId: `database/creds/test/${resp.secret.kind}`,
    storage: tb.storage,
    mount: tb.mount,
    internalData: resp.secret.internalData,
    increment: options.increment ?? 0,
    issueTimeMs: issue,
    expireTimeMs: options.expireTimeMs ?? issue + resp.secret.ttl * 1000,
  };
}

export const ROOT_USERNAME = 'admin';
export const ROOT_PASSWORD = 'root-Secret-Pass-123';
export const PG_URL = 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres';

/** The body of a `config/:name` write for the fake plugin. */
export function connectionBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    plugin_name: FAKE_PLUGIN_NAME,
    connection_url: PG_URL,
    username: ROOT_USERNAME,
    password: ROOT_PASSWORD,
    allowed_roles: '*',
    ...extra,
  };
}

/** Creates the root user on the fake server and writes `config/<name>`. */
export async function configureConnection(tb: DatabaseTestBackend, name = 'my-postgres', extra: Record<string, unknown> = {}): Promise<void> {
  if (!tb.server.users.has(ROOT_USERNAME)) tb.server.addUser(ROOT_USERNAME, ROOT_PASSWORD);
  await tb.request('write', `config/${name}`, connectionBody(extra));
}

/** The error a promise rejects with (fails loudly if it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected the promise to reject');
}
