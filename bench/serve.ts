/**
 * Child-process entry that runs one server for a benchmark, so the load generator and the
 * server never share an event loop:
 *
 *   node --import ./bench/register.mjs bench/serve.ts dev
 *   node --import ./bench/register.mjs bench/serve.ts sqlite [parentDir]
 *   node --import ./bench/register.mjs bench/serve.ts bare '<templates JSON>'
 *
 * `COFFER_BENCH_SERVER=dist` runs the compiled server in `dist/` (as `coffer server` does)
 * instead of the TypeScript sources through tsx.
 * Prints one JSON line on stdout once listening (`ServeReady`), then serves until SIGTERM,
 * SIGINT or its stdin closes (so it also goes away if the parent dies), closes the server,
 * removes its temporary data and exits 0 (which is when `--cpu-prof` writes its profile).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { findSourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { startServer as StartServer } from '../src/server/index.js';
import { startBareServer, type BareTemplates } from './bare-server.js';

export type ServeMode = 'dev' | 'sqlite' | 'bare';

export interface ServeReady {
  ready: true;
  mode: ServeMode;
  address: string;
  pid: number;
  /** Dev mode only. */
  rootToken?: string;
  /** sqlite mode only: the directory holding the database (removed on exit). */
  dataDir?: string;
}

export interface ServeCpuReply {
  cpu: { userMicros: number; systemMicros: number };
}

/** Reply to `profile-start` (`profiling: true`) and `profile-stop <file>` (`profile: <file>`). */
export interface ServeProfileReply {
  profiling?: true;
  profile?: string;
  error?: string;
}

/**
 * CPU profiling of this process's main thread only, started and stopped on command so the
 * profile covers exactly the load phase. (`node --cpu-prof` would also profile tsx's loader
 * thread and the whole start-up.)
 */
let session: Session | null = null;

function post<T>(method: string, params?: object): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (!session) {
      reject(new Error('no inspector session'));
      return;
    }
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/**
 * tsx emits each module on (nearly) one line, so profile positions are meaningless until
 * mapped back through the module's source map (tsx's, or tsc's for dist/; source maps are
 * on because tsx enables them). Lines and columns are 0-based both ways.
 */
function toOriginalPosition(frame: CallFrame): void {
  if (!frame.url.startsWith('file://') || frame.url.includes('/node_modules/')) return;
  const entry = findSourceMap(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (!entry || !('originalLine' in entry)) return;
  frame.lineNumber = entry.originalLine;
  frame.columnNumber = entry.originalColumn;
  // For dist/ (tsc source maps) this points back at src/.
  if (entry.originalSource.startsWith('file://')) frame.url = entry.originalSource;
}

async function profileCommand(command: string): Promise<ServeProfileReply> {
  if (command === 'profile-start') {
    session ??= new Session();
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
    return { profiling: true };
  }
  const file = command.slice('profile-stop '.length).trim();
  const { profile } = await post<{ profile: { nodes: { callFrame: CallFrame }[] } }>('Profiler.stop');
  session?.disconnect();
  session = null;
  for (const node of profile.nodes) toOriginalPosition(node.callFrame);
  writeFileSync(file, JSON.stringify(profile));
  return { profile: file };
}

let dataDir: string | undefined;

function removeDataDir(): void {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
}

async function loadStartServer(): Promise<typeof StartServer> {
  const specifier = process.env['COFFER_BENCH_SERVER'] === 'dist' ? '../dist/server/index.js' : '../src/server/index.js';
  const mod = (await import(specifier)) as { startServer: typeof StartServer };
  return mod.startServer;
}

async function main(): Promise<void> {
  const mode = process.argv[2];

  let close: () => Promise<void>;
  let ready: ServeReady;

  switch (mode) {
    case 'dev': {
      const startServer = await loadStartServer();
      const server = await startServer({ dev: { rootTokenId: 'root', listenAddress: '127.0.0.1:0' }, logLevel: 'silent' });
      close = () => server.close();
      ready = { ready: true, mode, address: server.address, pid: process.pid, ...(server.rootToken ? { rootToken: server.rootToken } : {}) };
      break;
    }
    case 'sqlite': {
      const dir = mkdtempSync(join(process.argv[3] ?? tmpdir(), 'coffer-bench-'));
      dataDir = dir;
      const configPath = join(dir, 'coffer.hcl');
      writeFileSync(
        configPath,
        [
          `storage "sqlite" {`,
          `  path = ${JSON.stringify(join(dir, 'coffer.db'))}`,
          `}`,
          `listener "tcp" {`,
          `  address     = "127.0.0.1:0"`,
          `  tls_disable = true`,
          `}`,
          ``,
        ].join('\n'),
      );
      const startServer = await loadStartServer();
      const server = await startServer({ configPath, logLevel: 'silent' });
      close = () => server.close();
      ready = { ready: true, mode, address: server.address, pid: process.pid, dataDir: dir };
      break;
    }
    case 'bare': {
      const templates = JSON.parse(process.argv[3] ?? 'null') as BareTemplates | null;
      if (!templates || typeof templates.read !== 'object' || typeof templates.write !== 'object') {
        throw new Error('bare mode needs the response templates as its second argument');
      }
      const server = await startBareServer(templates);
      close = () => server.close();
      ready = { ready: true, mode, address: server.address, pid: process.pid };
      break;
    }
    default:
      throw new Error(`usage: serve.ts dev|sqlite|bare [arg] (got ${String(mode)})`);
  }

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    close()
      .catch((err: unknown) => console.error('serve: close failed:', err))
      .finally(() => {
        removeDataDir();
        process.exit(0);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Commands from the parent, one per line: `cpu` asks for this process's CPU time so far
  // (to tell whether the server was saturated); `stop` shuts down.
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const command = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (command === 'cpu') {
        const { user, system } = process.cpuUsage();
        const reply: ServeCpuReply = { cpu: { userMicros: user, systemMicros: system } };
        process.stdout.write(`${JSON.stringify(reply)}\n`);
      } else if (command === 'stop') {
        stop();
      } else if (command === 'profile-start' || command.startsWith('profile-stop ')) {
        profileCommand(command)
          .catch((err: unknown): ServeProfileReply => ({ error: String(err) }))
          .then((reply) => process.stdout.write(`${JSON.stringify(reply)}\n`))
          .catch(() => undefined);
      }
    }
  });
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);

  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((err: unknown) => {
  console.error('serve: failed to start:', err);
  removeDataDir();
  process.exit(1);
});
