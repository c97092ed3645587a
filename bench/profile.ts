/**
 * CPU-profiles a server child under one KV v2 workload and prints its hot spots.
 *
 *   node --import ./bench/register.mjs bench/profile.ts <dev|sqlite|bare> <read|write|write-many> [--duration 10] [--top 30] [--server src|dist]
 *
 * The server child samples its own main thread (node:inspector, 100 µs interval) during the
 * measured load only; the `.cpuprofile` lands in `bench/results/profiles/` (open it in Chrome
 * DevTools or speedscope) and its hot spots are printed.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { renderSummary, summarizeProfile, type CpuProfile } from './cpuprofile.js';
import { fmtInt, fmtMs, killAllChildren, RESULTS_DIR, runLoad, selectServerBuild, spawnServer, vaultCall, type ServerChild } from './harness.js';
import { initSqliteServer, KV_DEFAULTS, KV_FIXTURES } from './kv.js';

const WORKLOADS = ['read', 'write', 'write-many'] as const;
type Workload = (typeof WORKLOADS)[number];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: String(KV_DEFAULTS.readConnections) },
      top: { type: 'string', default: '30' },
      server: { type: 'string', default: 'src' },
    },
  });
  const [mode, workload] = positionals;
  if ((mode !== 'dev' && mode !== 'sqlite' && mode !== 'bare') || !WORKLOADS.includes(workload as Workload)) {
    throw new Error(`usage: bench/profile.ts <dev|sqlite|bare> <${WORKLOADS.join('|')}> [--duration s] [--connections n] [--top n]`);
  }
  if (values.server !== 'src' && values.server !== 'dist') throw new Error('--server must be src or dist');
  for (const warning of selectServerBuild(values.server)) console.warn(`WARNING: ${warning}`);
  const dir = join(RESULTS_DIR, 'profiles');
  mkdirSync(dir, { recursive: true });
  const name = `${mode}-${workload}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;

  const file = join(dir, name);
  const server: ServerChild = await spawnServer(mode, mode === 'bare' ? { args: [await captureTemplates()] } : {});
  try {
    const token = mode === 'sqlite' ? await initSqliteServer(server) : (server.rootToken ?? 'root');
    if (mode !== 'bare') await vaultCall(server.address, 'POST', KV_FIXTURES.readPath, { token, body: { data: KV_FIXTURES.secret } });
    const isRead = workload === 'read';
    const keys = KV_DEFAULTS.distinctKeys;
    const path =
      workload === 'read'
        ? `/v1/${KV_FIXTURES.readPath}`
        : workload === 'write'
          ? `/v1/${KV_FIXTURES.oneKeyPath}`
          : (n: number) => `/v1/${KV_FIXTURES.manyKeyPath(n % keys)}`;
    const spec = {
      name: `${mode} ${workload}`,
      address: server.address,
      server,
      method: isRead ? ('GET' as const) : ('POST' as const),
      headers: isRead ? { 'x-vault-token': token } : { 'x-vault-token': token, 'content-type': 'application/json' },
      ...(isRead ? {} : { body: KV_FIXTURES.writeBody }),
      path,
      connections: Number(values.connections),
    };
    // Warm up unprofiled, then profile exactly the measured load.
    await runLoad({ ...spec, durationSec: Number(values.warmup), warmupSec: 0 });
    await server.startProfile();
    const result = await runLoad({ ...spec, durationSec: Number(values.duration), warmupSec: 0 });
    await server.stopProfile(file);
    console.log(
      `${spec.name} while profiled: ${fmtInt(result.rps)} req/s, p50 ${fmtMs(result.latencyMs.p50)} ms, ` +
        `p99 ${fmtMs(result.latencyMs.p99)} ms, server CPU ${((result.serverCpuCores ?? 0) * 100).toFixed(0)}% ` +
        `(${(result.serverCpuMicrosPerRequest ?? 0).toFixed(0)} µs/request), ` +
        `errors+non2xx ${result.errors + result.non2xx}`,
    );
  } finally {
    await server.stop();
  }

  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(`profile: ${relative(process.cwd(), file)}\n`);
  console.log(renderSummary(summarizeProfile(profile), Number(values.top)));
}

/** The bare server's response bodies, as a dev server returns them (see kv.ts). */
async function captureTemplates(): Promise<string> {
  const dev = await spawnServer('dev');
  try {
    const token = dev.rootToken ?? 'root';
    const write = await vaultCall(dev.address, 'POST', KV_FIXTURES.readPath, { token, body: { data: KV_FIXTURES.secret } });
    const read = await vaultCall(dev.address, 'GET', KV_FIXTURES.readPath, { token });
    return JSON.stringify({ read: read.body, write: write.body });
  } finally {
    await dev.stop();
  }
}

main()
  .catch((err: unknown) => {
    console.error('profile failed:', err);
    process.exitCode = 1;
  })
  .finally(killAllChildren);
