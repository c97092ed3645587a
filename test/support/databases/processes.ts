/**
 * Child database servers for tests: each runs in its own process group, is tracked until it
 * exits, and is killed by `stopAllDatabases()`, by this process's `exit` handler, and — if
 * this process dies without running handlers (SIGKILL) — by a small shell watchdog.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What `scripts/setup.sh` installs; named in every "binary missing" error. */
export const SETUP_HINT = 'run: bash scripts/setup.sh';

export interface RunAs {
  uid: number;
  gid: number;
}

/** A running server process. */
export interface ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<string>;
  hasExited(): boolean;
  /** Asks the server to shut down with `signal`, then SIGKILLs its group after `graceMs`. */
  stop(signal: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const running = new Set<ServerProcess>();
let exitHookInstalled = false;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Whether any process of the group still exists (zombies count until reaped). */
function groupAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // `exit` handlers must be synchronous: signal every server group; PostgreSQL's immediate
  // shutdown (SIGQUIT) still cleans up its shared memory, SIGKILL would not.
  process.on('exit', () => {
    for (const server of running) killGroup(server.child.pid, server.name === 'PostgreSQL' ? 'SIGQUIT' : 'SIGKILL');
  });
}

const WATCHDOG = [
  'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done',
  'if kill -0 "$2" 2>/dev/null; then kill -QUIT "-$2" 2>/dev/null; sleep 3; kill -KILL "-$2" 2>/dev/null; fi',
].join('\n');

/** Kills the server's group once this process is gone, however it died. */
function startWatchdog(serverPid: number): ChildProcess {
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'coffer-db-watchdog', String(process.pid), String(serverPid)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return watchdog;
}

/** The last `lines` lines of a log file (for error messages). */
export function logTail(path: string, lines = 30): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Environment for server processes: none of the developer's PG or MYSQL variables leak in. */
export function serverEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C', TZ: 'UTC' };
}

/** Starts a server in its own process group, its output appended to `logPath`. */
export function startServerProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { logPath: string; cwd: string; runAs?: RunAs },
): ServerProcess {
  installExitHook();
  const log = openSync(options.logPath, 'a');
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: serverEnv(),
    detached: true,
    stdio: ['ignore', log, log],
  };
  if (options.runAs !== undefined) {
    spawnOptions.uid = options.runAs.uid;
    spawnOptions.gid = options.runAs.gid;
  }
  const child = spawn(command, args, spawnOptions);
  closeSync(log);
  let done = false;
  let watchdog: ChildProcess | undefined;
  const exited = new Promise<string>((resolve) => {
    const finish = (how: string): void => {
      if (done) return;
      done = true;
      running.delete(server);
      killGroup(watchdog?.pid, 'SIGKILL');
      resolve(how);
    };
    child.once('exit', (code, signal) => finish(signal ?? `exit code ${String(code)}`));
    child.once('error', (err) => finish(`failed to start: ${err.message}`));
  });
  const server: ServerProcess = {
    name,
    child,
    logPath: options.logPath,
    exited,
    hasExited: () => done,
    async stop(signal, graceMs = 10_000) {
      if (done) return;
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        killGroup(child.pid, 'SIGKILL');
        await exited;
      }
      // Server children (PostgreSQL backends) go with the group; wait until they are gone so
      // the caller can remove the data dir.
      killGroup(child.pid, 'SIGKILL');
      for (let i = 0; i < 100 && groupAlive(child.pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    },
  };
  running.add(server);
  if (child.pid !== undefined) watchdog = startWatchdog(child.pid);
  return server;
}

/** Runs a setup command to completion; rejects with its output tail when it fails. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; runAs?: RunAs; logPath: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = openSync(options.logPath, 'a');
    const spawnOptions: SpawnOptions = { cwd: options.cwd, env: serverEnv(), stdio: ['ignore', log, log] };
    if (options.runAs !== undefined) {
      spawnOptions.uid = options.runAs.uid;
      spawnOptions.gid = options.runAs.gid;
    }
    const child = spawn(command, args, spawnOptions);
    closeSync(log);
    child.once('error', (err) => reject(new Error(`${command} could not be started: ${err.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${signal ?? `exit code ${String(code)}`}); log tail:\n${logTail(options.logPath)}`));
    });
  });
}

/** Stops every server still running (for `afterAll`). */
export async function stopAllServerProcesses(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop(server.name === 'PostgreSQL' ? 'SIGINT' : 'SIGTERM')));
}

/** The first executable found: absolute candidates as given, bare names on PATH. */
export function findExecutable(candidates: readonly string[]): string | undefined {
  const path = (process.env['PATH'] ?? '').split(delimiter).filter((p) => p !== '');
  for (const candidate of candidates) {
    if (candidate.startsWith('/')) {
      if (existsSync(candidate)) return candidate;
      continue;
    }
    for (const dir of [...path, '/usr/sbin', '/usr/local/sbin', '/sbin']) {
      const full = join(dir, candidate);
      if (existsSync(full)) return full;
    }
  }
  return undefined;
}

/** `/usr/lib/postgresql/<newest>/bin`, if any version is installed. */
export function debianPostgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** uid/gid of a system user, from /etc/passwd. */
export function systemUser(name: string): RunAs | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no passwd file
  }
  return undefined;
}

/** Polls `probe` until it resolves, the process exits, or the timeout passes. */
export async function waitUntilReady(
  server: ServerProcess,
  endpoint: string,
  probe: () => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt yet';
  while (Date.now() < deadline) {
    if (server.hasExited()) {
      throw new Error(`${server.name} exited before it was ready (${await server.exited}); log tail:\n${logTail(server.logPath)}`);
    }
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${server.name} did not become ready on ${endpoint} within ${timeoutMs} ms (last error: ${lastError}); log tail:\n${logTail(server.logPath)}`,
  );
}
