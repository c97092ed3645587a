/**
 * Static-role password rotation: setting a new password on the database user, and the
 * scheduler that does it when each role is due — one (unref'd) timer for the earliest due
 * role, failed rotations retried with backoff (first after 10 s, like Vault's queue).
 */
import { UserError, errorMessage } from '../../../shared/errors.js';
import { roleAllowed } from './allowed-roles.js';
import type { DatabaseContext, DatabaseEngineLogger } from './context.js';
import { generatePassword, passwordPolicyFor } from './credentials.js';
import { pluginFailure } from './redact.js';
import { nextScheduled } from './schedule.js';
import { STATIC_ROLE_PREFIX, getStaticRole, putStaticRole, requireConfig, type StaticRoleEntry } from './store.js';

/**
 * Arms a timer: `run` (which resolves when the due rotations are done) after `delayMs`.
 * Returns a function that cancels it. Tests pass one that records the callback instead.
 */
export type RotationTick = (run: () => Promise<void>, delayMs: number) => () => void;

export const defaultRotationTick: RotationTick = (run, delayMs) => {
  const timer = setTimeout(() => void run(), delayMs);
  // A pending rotation must not keep the process alive.
  timer.unref();
  return () => clearTimeout(timer);
};

/** Vault retries a failed rotation after 10 s; further failures back off up to 10 min. */
export const RETRY_BASE_MS = 10_000;
export const RETRY_MAX_MS = 10 * 60_000;
/** The timer never sleeps longer than this (setTimeout's range is ~24.8 days; cron can be further). */
export const MAX_TIMER_DELAY_MS = 60 * 60_000;

export class RotationScheduler {
  private readonly due = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private cancelTimer: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly now: () => number,
    private readonly tick: RotationTick,
    /** Rotates one due role; must update the schedule itself (`set`, `delete` or `retry`). */
    private readonly rotate: (name: string) => Promise<void>,
    private readonly logger: DatabaseEngineLogger,
  ) {}

  /** Schedules the role's next rotation at `atMs` and forgets earlier failures. */
  set(name: string, atMs: number): void {
    this.due.set(name, atMs);
    this.attempts.delete(name);
    this.arm();
  }

  delete(name: string): void {
    this.due.delete(name);
    this.attempts.delete(name);
    this.arm();
  }

  /** Schedules a retry after a failure; returns the delay in ms. */
  retry(name: string): number {
    const attempt = (this.attempts.get(name) ?? 0) + 1;
    const delay = Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
    this.due.set(name, this.now() + delay);
    this.attempts.set(name, attempt);
    this.arm();
    return delay;
  }

  /** When the role is next due (epoch ms), if scheduled. */
  dueAt(name: string): number | undefined {
    return this.due.get(name);
  }

  /** Runs every rotation that is due now (what the timer calls). */
  runDue(): Promise<void> {
    if (this.running !== null) return this.running;
    this.disarm();
    this.running = this.drain()
      .catch((err: unknown) => this.logger.error({ error: errorMessage(err) }, 'static role rotation batch failed'))
      .finally(() => {
        this.running = null;
        this.arm();
      });
    return this.running;
  }

  /** Stops the timer and waits for a running batch (mount cleanup). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    if (this.running !== null) await this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const now = this.now();
      let name: string | undefined;
      let earliest = Infinity;
      for (const [candidate, at] of this.due) {
        if (at <= now && at < earliest) {
          earliest = at;
          name = candidate;
        }
      }
      if (name === undefined) return;
      // Taken off first: `rotate` puts it back with its next time.
      this.due.delete(name);
      try {
        await this.rotate(name);
      } catch (err) {
        const delay = this.retry(name);
        this.logger.error({ role: name, error: errorMessage(err), retry_in_ms: delay }, 'static role rotation failed unexpectedly');
      }
    }
  }

  private arm(): void {
    this.disarm();
    if (this.stopped || this.running !== null || this.due.size === 0) return;
    const earliest = Math.min(...this.due.values());
    const delay = Math.min(Math.max(0, earliest - this.now()), MAX_TIMER_DELAY_MS);
    this.cancelTimer = this.tick(() => this.runDue(), delay);
  }

  private disarm(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }
}

/** When a role rotated at `fromMs` is next due. */
export function nextRotationMs(role: Pick<StaticRoleEntry, 'rotation_period' | 'rotation_schedule'>, fromMs: number): number {
  if (role.rotation_period > 0) return fromMs + role.rotation_period * 1000;
  return nextScheduled(role.rotation_schedule, fromMs);
}

/**
 * Sets a new password on the role's database user and returns the updated entry, stored.
 * With `persistPending`, the new password is recorded before the database is touched, so
 * a rotation that reaches the database but fails afterwards is rolled forward by the next
 * attempt (Vault's WAL). Without it (role creation) nothing is stored unless it succeeds.
 * The caller holds the role's lock.
 */
export async function setStaticAccount(
  ctx: DatabaseContext,
  name: string,
  role: StaticRoleEntry,
  options: { persistPending: boolean },
): Promise<StaticRoleEntry> {
  const config = await requireConfig(ctx.storage, role.db_name);
  if (!roleAllowed(config.allowed_roles, name)) throw new UserError(`${JSON.stringify(name)} is not an allowed role`);
  const password = role.pending_password ?? (await generatePassword(ctx.system, passwordPolicyFor(role.credential_config, config)));
  if (options.persistPending && role.pending_password === undefined) {
    await putStaticRole(ctx.storage, name, { ...role, pending_password: password });
  }
  try {
    await ctx.connections.use(role.db_name, (plugin) =>
      plugin.updateUser({
        username: role.username,
        password: { newPassword: password, statements: { commands: role.rotation_statements } },
      }),
    );
  } catch (err) {
    throw pluginFailure(err, 'error setting credentials: ', [password]);
  }
  const now = ctx.now();
  const { pending_password: _done, ...rest } = role;
  const updated: StaticRoleEntry = { ...rest, password, last_vault_rotation_ms: now, next_vault_rotation_ms: nextRotationMs(role, now) };
  await putStaticRole(ctx.storage, name, updated);
  return updated;
}

/**
 * Vault's database events for a static-role rotation: `database/rotate` after the new
 * password is stored, `database/rotate-fail` when it could not be set. `data_path`
 * (`static-creds/<name>`, Coffer's addition) lets tokens that may read the credentials learn
 * of the rotation; the failure event has none, so only root tokens see it. Never the password.
 */
function rotationEvent(ctx: DatabaseContext, name: string, path: string, ok: boolean): void {
  const operation = ok ? 'rotate' : 'rotate-fail';
  ctx.system.sendEvent?.(`database/${operation}`, {
    modified: String(ok),
    operation,
    path,
    name,
    ...(ok ? { data_path: `static-creds/${name}` } : {}),
  });
}

/** `rotate-role/:name`: rotate now and restart the role's schedule from now. */
export async function rotateRoleNow(ctx: DatabaseContext, name: string): Promise<void> {
  await ctx.roleLocks.run(name, async () => {
    const role = await getStaticRole(ctx.storage, name);
    if (role === null) throw new UserError('no static role found for role name');
    try {
      const updated = await setStaticAccount(ctx, name, role, { persistPending: true });
      ctx.scheduler.set(name, updated.next_vault_rotation_ms);
      rotationEvent(ctx, name, `rotate-role/${name}`, true);
    } catch (err) {
      const delay = ctx.scheduler.retry(name);
      rotationEvent(ctx, name, `rotate-role/${name}`, false);
      ctx.logger.warn({ role: name, database: role.db_name, error: errorMessage(err), retry_in_ms: delay }, 'unable to rotate credentials in rotate-role');
      throw pluginFailure(err, 'unable to finish rotating credentials; retries will continue in the background but it is also safe to retry manually: ', []);
    }
  });
}

/** The scheduler's rotation of one due role. Never throws: failures are logged and retried. */
export async function rotateDueRole(ctx: DatabaseContext, name: string): Promise<void> {
  await ctx.roleLocks.run(name, async () => {
    let role: StaticRoleEntry | null;
    try {
      role = await getStaticRole(ctx.storage, name);
    } catch (err) {
      const delay = ctx.scheduler.retry(name);
      ctx.logger.error({ role: name, error: errorMessage(err), retry_in_ms: delay }, 'unable to load static role');
      return;
    }
    if (role === null) {
      ctx.scheduler.delete(name);
      return;
    }
    const now = ctx.now();
    const pending = role.pending_password !== undefined;
    // Rotated meanwhile (rotate-role, an update): just follow the stored time.
    if (!pending && role.next_vault_rotation_ms > now) {
      ctx.scheduler.set(name, role.next_vault_rotation_ms);
      return;
    }
    // Outside the schedule's window (e.g. the server was down): wait for the next slot.
    if (!pending && role.rotation_schedule !== '' && role.rotation_window > 0 && now > role.next_vault_rotation_ms + role.rotation_window * 1000) {
      const next = nextScheduled(role.rotation_schedule, now);
      await putStaticRole(ctx.storage, name, { ...role, next_vault_rotation_ms: next });
      ctx.scheduler.set(name, next);
      ctx.logger.info({ role: name, database: role.db_name }, 'static role missed its rotation window; rotating at the next scheduled time');
      return;
    }
    try {
      const updated = await setStaticAccount(ctx, name, role, { persistPending: true });
      ctx.scheduler.set(name, updated.next_vault_rotation_ms);
      rotationEvent(ctx, name, `static-roles/${name}`, true);
    } catch (err) {
      const delay = ctx.scheduler.retry(name);
      rotationEvent(ctx, name, `static-roles/${name}`, false);
      ctx.logger.warn({ role: name, database: role.db_name, error: errorMessage(err), retry_in_ms: delay }, 'unable to rotate credentials of static role; will retry');
    }
  });
}

/** Loads every static role into the scheduler (backend `initialize`). */
export async function loadStaticRoles(ctx: DatabaseContext): Promise<void> {
  let names: string[];
  try {
    names = await ctx.storage.list(STATIC_ROLE_PREFIX);
  } catch (err) {
    ctx.logger.error({ error: errorMessage(err) }, 'unable to list static roles for rotation');
    return;
  }
  for (const name of names) {
    if (name.endsWith('/')) continue;
    try {
      const role = await getStaticRole(ctx.storage, name);
      if (role === null) continue;
      // An interrupted rotation is finished first thing.
      ctx.scheduler.set(name, role.pending_password !== undefined ? ctx.now() : role.next_vault_rotation_ms);
    } catch (err) {
      ctx.logger.error({ role: name, error: errorMessage(err) }, 'unable to load static role for rotation');
    }
  }
}
