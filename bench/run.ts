/**
 * Entry point of `npm run bench`: runs every benchmark (or those named), prints a table per
 * benchmark and writes the results to `bench/results/<name>-<timestamp>.json`. Exits 1 if
 * any run saw errors or non-2xx responses.
 *
 *   npm run bench                         # all benchmarks, default settings
 *   npm run bench -- kv --duration 4      # only `kv`, 4 s per case
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { AUTHZ_DEFAULTS, runAuthzBench } from './authz.js';
import { backgroundCpuCores, killAllChildren, RESULTS_DIR, selectServerBuild, type ServerBuild } from './harness.js';
import { KV_DEFAULTS, runKvBench } from './kv.js';
import { DATABASE_DEFAULTS, runDatabaseBench } from './database.js';
import { EVENTS_DEFAULTS, runEventsBench } from './events.js';
import { LEASES_DEFAULTS, runLeasesBench } from './leases.js';
import { LOGINS_DEFAULTS, runLoginsBench } from './logins.js';
import { PKI_DEFAULTS, runPkiBench } from './pki.js';
import { SEALED_CONTROLLER_DEFAULTS, runSealedControllerBench } from './sealed-controller.js';
import { SEALED_DEFAULTS, runSealedBench } from './sealed.js';
import { TRANSIT_DEFAULTS, runTransitBench } from './transit.js';

interface BenchOutcome {
  /** Printed after the run. */
  table: string;
  /** Reasons the run is invalid (errors, non-2xx); empty when it is fine. */
  failures: string[];
}

interface Benchmark {
  name: string;
  description: string;
  run(settings: Settings): Promise<BenchOutcome & Record<string, unknown>>;
}

interface Settings {
  durationSec: number | undefined;
  warmupSec: number | undefined;
  connections: number | undefined;
  keys: number | undefined;
  dataDir: string | undefined;
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'kv',
    description: 'KV v2 read/write throughput and latency: dev and sqlite servers vs a bare node:http ceiling',
    run: async (s) => {
      const report = await runKvBench({
        durationSec: s.durationSec ?? KV_DEFAULTS.durationSec,
        warmupSec: s.warmupSec ?? KV_DEFAULTS.warmupSec,
        readConnections: s.connections ?? KV_DEFAULTS.readConnections,
        writeConnections: s.connections ?? KV_DEFAULTS.writeConnections,
        distinctKeys: s.keys ?? KV_DEFAULTS.distinctKeys,
        ...(s.dataDir !== undefined ? { dataDir: s.dataDir } : {}),
      });
      return { ...report };
    },
  },
  {
    name: 'authz',
    description: 'ACL and audit cost: KV v2 reads through a 20-policy token (with/without a file audit device), service vs batch token create',
    run: async (s) => {
      const report = await runAuthzBench({
        durationSec: s.durationSec ?? AUTHZ_DEFAULTS.durationSec,
        warmupSec: s.warmupSec ?? AUTHZ_DEFAULTS.warmupSec,
        connections: s.connections ?? AUTHZ_DEFAULTS.connections,
        ...(s.dataDir !== undefined ? { dataDir: s.dataDir } : {}),
      });
      return { ...report };
    },
  },
  {
    name: 'logins',
    description: 'Logins/s for approle, userpass, jwt and kubernetes (TokenReview), service and batch tokens, vs bare POST and vault-benchmark',
    run: async (s) => {
      const report = await runLoginsBench({
        durationSec: s.durationSec ?? LOGINS_DEFAULTS.durationSec,
        warmupSec: s.warmupSec ?? LOGINS_DEFAULTS.warmupSec,
        connections: s.connections ?? LOGINS_DEFAULTS.connections,
        userpassConnections: LOGINS_DEFAULTS.userpassConnections,
      });
      return { ...report };
    },
  },
  {
    name: 'transit',
    description: 'Transit encrypt/decrypt over HTTP, single and batch of 100, vs raw node:crypto AES-256-GCM',
    run: async (s) => {
      const report = await runTransitBench({
        ...TRANSIT_DEFAULTS,
        durationSec: s.durationSec ?? TRANSIT_DEFAULTS.durationSec,
        warmupSec: s.warmupSec ?? TRANSIT_DEFAULTS.warmupSec,
        connections: s.connections ?? TRANSIT_DEFAULTS.connections,
      });
      return { ...report };
    },
  },
  {
    name: 'pki',
    description: 'PKI issue/s over HTTP for EC P-256 and RSA-2048 roles, vs in-process key generation + signing',
    run: async (s) => {
      const report = await runPkiBench({
        durationSec: s.durationSec ?? PKI_DEFAULTS.durationSec,
        warmupSec: s.warmupSec ?? PKI_DEFAULTS.warmupSec,
        connections: s.connections ?? PKI_DEFAULTS.connections,
      });
      return { ...report };
    },
  },
  {
    name: 'database',
    description: 'Dynamic PostgreSQL credentials: issue and revoke rates vs direct SQL, TTL-expiry-to-drop latency (p50/p99 over 1,000 leases)',
    run: async (s) => {
      const report = await runDatabaseBench({
        ...DATABASE_DEFAULTS,
        durationSec: s.durationSec ?? DATABASE_DEFAULTS.durationSec,
        warmupSec: s.warmupSec ?? DATABASE_DEFAULTS.warmupSec,
        connections: s.connections ?? DATABASE_DEFAULTS.connections,
      });
      return { ...report };
    },
  },
  {
    name: 'sealed',
    description: 'SealedSecret seal and unseal values/s in-process vs raw node:crypto RSA-OAEP + AES-GCM',
    run: async (s) => {
      const report = await runSealedBench({ ...SEALED_DEFAULTS, durationSec: s.durationSec ?? SEALED_DEFAULTS.durationSec });
      return { ...report };
    },
  },
  {
    name: 'sealed-controller',
    description: 'Time for the SealedSecret controller to unseal 1,000 SealedSecrets (--keys n) vs unsealing in-process + creating the Secrets directly',
    run: async (s) => {
      const report = await runSealedControllerBench({ ...SEALED_CONTROLLER_DEFAULTS, ...(s.keys !== undefined ? { count: s.keys } : {}) });
      return { ...report };
    },
  },
  {
    name: 'leases',
    description: 'Restart-to-ready and index memory with 100k and 1M leases in sqlite (--keys n: one size), vs a raw key listing',
    run: async (s) => {
      const report = await runLeasesBench({ sizes: s.keys !== undefined ? [s.keys] : LEASES_DEFAULTS.sizes });
      return { ...report };
    },
  },
  {
    name: 'events',
    description: 'sys/events/subscribe under KV v2 write load: events/s to 1, 10, 100 subscribers, write throughput vs no subscribers',
    run: async (s) => {
      const report = await runEventsBench({
        ...EVENTS_DEFAULTS,
        durationSec: s.durationSec ?? EVENTS_DEFAULTS.durationSec,
        warmupSec: s.warmupSec ?? EVENTS_DEFAULTS.warmupSec,
        connections: s.connections ?? EVENTS_DEFAULTS.connections,
      });
      return { ...report };
    },
  },
  { name: 'operator', description: 'ExternalSecret operator (built CLI) on the test Kubernetes API + a coffer server: cold sync of 1,000 ExternalSecrets (--keys n) vs a bare loop, steady-state KV reads and API requests, propagation p50/p99, RSS', run: async (s) => ({ ...(await (await import('./operator.js')).runOperatorBenchFromSettings(s)) }) },
];

/** Background load (in cores) above which the run is flagged as unreliable. */
const BUSY_MACHINE_CORES = 0.2;

const USAGE = `usage: npm run bench -- [name...] [--duration s] [--warmup s] [--connections n] [--keys n] [--data-dir dir] [--server src|dist]
benchmarks:
${BENCHMARKS.map((b) => `  ${b.name.padEnd(8)} ${b.description}`).join('\n')}`;

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number (got "${value}")`);
  return n;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      keys: { type: 'string' },
      'data-dir': { type: 'string' },
      server: { type: 'string', default: 'src' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = positionals.filter((p) => !BENCHMARKS.some((b) => b.name === p));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  if (values.server !== 'src' && values.server !== 'dist') {
    console.error(`--server must be src or dist (got "${values.server}")`);
    return 2;
  }
  const server: ServerBuild = values.server;
  for (const warning of selectServerBuild(server)) console.warn(`WARNING: ${warning}`);
  const selected = positionals.length ? BENCHMARKS.filter((b) => positionals.includes(b.name)) : BENCHMARKS;
  const settings: Settings = {
    durationSec: positiveNumber('duration', values.duration),
    warmupSec: positiveNumber('warmup', values.warmup),
    connections: positiveNumber('connections', values.connections),
    keys: positiveNumber('keys', values.keys),
    dataDir: values['data-dir'],
  };

  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  const background = await backgroundCpuCores();
  const environment = {
    node: process.version,
    platform: `${process.platform} ${release()}`,
    cpu: cpuModel,
    cores: availableParallelism(),
    backgroundCpuCoresBeforeRun: Number(background.toFixed(2)),
    server: server === 'src' ? 'src/ through tsx' : 'dist/ (compiled)',
  };
  console.log(`Coffer benchmarks — ${environment.node}, ${environment.cores} cores (${cpuModel}), server from ${environment.server}`);
  if (background > BUSY_MACHINE_CORES) {
    console.warn(
      `WARNING: the machine is not idle: other processes use ${(background * 100).toFixed(0)}% of a core ` +
        `before the run started, so every figure below will be low and noisy. Check \`top\`.`,
    );
  }
  console.log('');

  let failed = false;
  for (const bench of selected) {
    console.log(`== ${bench.name}: ${bench.description}`);
    const started = new Date();
    const outcome = await bench.run(settings);
    const timestamp = started.toISOString().replace(/[:.]/g, '-');
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${bench.name}-${timestamp}.json`);
    writeFileSync(file, `${JSON.stringify({ timestamp: started.toISOString(), environment, ...outcome }, null, 2)}\n`);
    console.log(`\n${outcome.table}\n`);
    console.log(`results: ${relative(process.cwd(), file)}\n`);
    if (outcome.failures.length) {
      failed = true;
      console.error(`FAILED — ${bench.name} saw errors or non-2xx responses, so its figures are not valid:`);
      for (const f of outcome.failures) console.error(`  ${f}`);
    }
  }
  return failed ? 1 : 0;
}

main()
  .then((code) => {
    killAllChildren();
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    console.error('benchmark failed:', err);
    killAllChildren();
    process.exitCode = 1;
  });
