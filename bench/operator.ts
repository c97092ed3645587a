/**
 * The ExternalSecret operator end to end (issues 6 and 7): `coffer operator run
 * -external-secrets` (the BUILT CLI, a child process) against the in-process Kubernetes API
 * test server and a real `coffer server -dev` (another child), per size N:
 *
 * - cold sync: operator start → every ExternalSecret Ready=True with its Secret; Kubernetes
 *   API requests (reads/writes/watches, per object), provider (KV) reads, CPU per process,
 *   RSS; against a ceiling measured in the same run (a bare loop doing one KV read + one
 *   Secret create + one status write per object with the operator's own clients, at the same
 *   concurrency) and, for memory, an idle operator with 0 objects;
 * - steady state over a few refresh intervals: provider reads per refresh round (ESO: one per
 *   object per interval), Kubernetes API requests per minute;
 * - propagation: K keys rewritten in the server, time until each affected Secret changed
 *   (p50/p99), by polling (bounded by refreshInterval) or, with `--events`, by server events.
 *
 *   npm run bench:operator -- --objects 1000 --json
 *   npm run bench -- operator                  # 1,000 (10,000 is a flag: slow on 2 cores)
 *
 * With `--json` the last line of output is one JSON object per size (the primary case: shared
 * keys, the first `--concurrent` value): {objects, cold_sync_s, propagation_p50_ms,
 * propagation_p99_ms, provider_reads_per_refresh, api_requests_per_min, rss_mb}.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backgroundCpuCores, fmtInt, formatTable, REPO_DIR, RESULTS_DIR } from './harness.js';
import { createReadToken, keyCount, seedKeys, type Layout } from './operator/fixtures.js';
import { killOperatorBenchChildren, requireBuiltCli, startCofferServer, CLI_PATH } from './operator/processes.js';
import { idleOperatorRss, runCase, type CaseResult, type CaseSpec, type PropagationMode } from './operator/run-case.js';

export interface OperatorBenchOptions {
  /** ExternalSecret counts, one full set of cases each. */
  sizes: number[];
  /** `-concurrent` values; the first is the primary (steady state and propagation run with it). */
  concurrencies: number[];
  /** Key layouts; each gets its own cold sync (and steady state with the primary concurrency). */
  layouts: Layout[];
  /** refreshInterval in seconds; undefined = per size (see `autoRefreshSec`). */
  refreshSec: number | undefined;
  namespaces: number;
  steadyIntervals: number;
  propagationWrites: number;
  mode: PropagationMode;
  operatorArgs: string[];
  /** CPU-profile the operator's cold sync (primary case only; no steady state then). */
  profile: boolean;
  log?: (line: string) => void;
}

export const OPERATOR_DEFAULTS: Omit<OperatorBenchOptions, 'log'> = {
  // 10,000 takes 10+ minutes on a shared 2-core box: ask for it with --objects / --keys.
  sizes: [1000],
  concurrencies: [1, 10],
  layouts: ['shared'],
  refreshSec: undefined,
  namespaces: 4,
  steadyIntervals: 2,
  propagationWrites: 20,
  mode: 'polling',
  operatorArgs: [],
  profile: false,
};

/**
 * The refreshInterval used when none is given: 10 s up to 1,000 objects, then growing with N
 * so the refresh load (N / interval reconciles per second) stays one the operator can sustain
 * on 2 cores; in events mode polling is only a safety net, so 60 s.
 */
export function autoRefreshSec(objects: number, mode: PropagationMode): number {
  if (mode === 'events') return 60;
  return Math.max(10, Math.ceil(objects / 100));
}

export interface OperatorSummary {
  objects: number;
  cold_sync_s: number;
  propagation_p50_ms: number | null;
  propagation_p99_ms: number | null;
  provider_reads_per_refresh: number | null;
  api_requests_per_min: number | null;
  rss_mb: number | null;
}

export interface OperatorBenchReport {
  table: string;
  failures: string[];
  idleRss: { rssMb: number; peakMb: number };
  cases: CaseResult[];
  summaries: OperatorSummary[];
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const orNull = (n: number | undefined, digits = 2): number | null => (n === undefined || !Number.isFinite(n) ? null : round(n, digits));

function summaryOf(objects: number, primary: CaseResult | undefined): OperatorSummary {
  return {
    objects,
    cold_sync_s: primary ? round(primary.cold.seconds) : Number.NaN,
    propagation_p50_ms: orNull(primary?.propagation?.p50Ms, 0),
    propagation_p99_ms: orNull(primary?.propagation?.p99Ms, 0),
    provider_reads_per_refresh: orNull(primary?.steady?.kvReadsPerRefresh, 0),
    api_requests_per_min: orNull(primary?.steady?.apiPerMin, 0),
    rss_mb: orNull(primary?.steady?.rssMb ?? primary?.cold.rssMb, 1),
  };
}

const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '-');

function caseName(c: CaseResult): string {
  return `${fmtInt(c.spec.objects)} ES, ${c.spec.layout} (${fmtInt(c.spec.keys)} keys), -concurrent=${c.spec.concurrency}`;
}

function render(report: Omit<OperatorBenchReport, 'table'>, mode: PropagationMode): string {
  const { cases, idleRss } = report;
  const cold = formatTable(
    ['cold sync', 'time (s)', 'ES/s', 'ceiling (s)', 'vs ceiling', 'API req/ES', 'reads', 'writes', 'KV reads/ES', 'reconciles/ES', 'errors', 'RSS MB', 'peak MB'],
    cases.map((c) => {
      const n = c.spec.objects;
      return [
        caseName(c),
        f2(c.cold.seconds),
        fmtInt(c.cold.synced / c.cold.seconds),
        f2(c.ceiling.seconds),
        pct(c.ceiling.seconds / c.cold.seconds),
        f2(c.cold.requests.total / n),
        f2(c.cold.requests.reads / n),
        f2(c.cold.requests.writes / n),
        f2(c.cold.kvReads / n),
        f2(c.cold.reconciles / n),
        fmtInt(c.cold.reconcileErrors),
        f1(c.cold.rssMb),
        f1(c.cold.peakMb),
      ];
    }),
    [false, true, true, true, true, true, true, true, true, true, true, true, true],
  );
  const cpuLines = cases.map(
    (c) =>
      `  ${caseName(c)}: operator ${f2(c.cold.cpu.operator)}, kube API + bench ${f2(c.cold.cpu.kubeApi)}, coffer server ${f2(c.cold.cpu.server)} cores; ` +
      `CLI "started" at ${f2(c.cold.startedSec)} s, first Secret at ${f2(c.cold.firstSecretSec)} s; watches ${c.cold.requests.watches}, non-2xx ${c.cold.requests.non2xx}; ` +
      `ceiling: ${f2(c.ceiling.requests.total / c.spec.objects)} API req/ES, ${f2(c.ceiling.kvReads / c.spec.objects)} KV reads/ES`,
  );
  const breakdown = cases.map(
    (c) =>
      `  ${caseName(c)}: ${Object.entries(c.cold.breakdown)
        .slice(0, 12)
        .map(([k, v]) => `${k} ${(v / c.spec.objects).toFixed(2)}`)
        .join(', ')}`,
  );
  const steadyCases = cases.filter((c) => c.steady !== undefined);
  const steady = steadyCases.length
    ? formatTable(
        ['steady state + propagation', 'refresh', 'window (s)', 'refreshes/ES', 'KV reads/refresh', 'vs 1/ES (ESO)', 'API req/min', 'reads/min', 'writes/min', 'watches/min', 'prop. p50 ms', 'p99 ms', 'seen', 'RSS MB', 'KB/ES vs idle'],
        steadyCases.map((c) => {
          const s = c.steady as NonNullable<CaseResult['steady']>;
          const p = c.propagation;
          return [
            caseName(c),
            `${c.spec.refreshSec}s`,
            f1(s.windowSec),
            f2(s.refreshesPerObject),
            fmtInt(s.kvReadsPerRefresh),
            pct(s.kvReadsPerRefresh / c.spec.objects),
            fmtInt(s.apiPerMin),
            fmtInt(s.readsPerMin),
            fmtInt(s.writesPerMin),
            f1(s.watchesPerMin),
            p ? fmtInt(p.p50Ms) : '-',
            p ? fmtInt(p.p99Ms) : '-',
            p ? `${p.observed}/${p.expected}` : '-',
            f1(s.rssMb),
            f1(((s.rssMb - idleRss.rssMb) * 1024) / c.spec.objects),
          ];
        }),
        [false, true, true, true, true, true, true, true, true, true, true, true, true, true, true],
      )
    : '(no steady-state case ran)';
  // Status writes tell whether every object refreshed once per interval (KV reads may be deduplicated).
  const behind = steadyCases
    .filter((c) => (c.steady?.refreshesPerObject ?? 0) < 0.9)
    .map(
      (c) =>
        `  NOTE ${caseName(c)}: the operator did not keep up with ${fmtInt(c.spec.objects / c.spec.refreshSec)} refreshes/s — ` +
        `effective refresh period ≈ ${f1(c.spec.refreshSec / Math.max(0.01, c.steady?.refreshesPerObject ?? 0))} s instead of ${c.spec.refreshSec} s`,
    );
  const steadyBreakdown = steadyCases.map(
    (c) =>
      `  ${caseName(c)}: ${Object.entries(c.steady?.breakdownPerMin ?? {})
        .slice(0, 10)
        .map(([k, v]) => `${k} ${fmtInt(v)}`)
        .join(', ')}; operator ${f2(c.steady?.cpu.operator ?? Number.NaN)} / kube API ${f2(c.steady?.cpu.kubeApi ?? Number.NaN)} / server ${f2(c.steady?.cpu.server ?? Number.NaN)} cores`,
  );
  const profiles = cases
    .filter((c) => c.profile !== undefined)
    .map((c) => `Operator CPU profile, ${caseName(c)} (${relative(process.cwd(), c.profile?.operatorFile ?? '')}):\n${c.profile?.operatorTop ?? ''}\n\nKube API test server (this process) during the same cold sync:\n${c.profile?.kubeApiTop ?? ''}`);
  return [
    cold,
    `(ceiling: a bare child doing one KV read + one Secret create + one status write per object with the operator's kube/vault clients from dist/, same concurrency; the operator's time includes its process start)`,
    'CPU during cold sync (cores; 2 on this machine):',
    ...cpuLines,
    'Kubernetes API requests per ExternalSecret during cold sync, by verb and resource:',
    ...breakdown,
    `ESO types on the test server: ${[...new Set(cases.map((c) => c.esoTypes))].join('; ')}`,
    '',
    `Propagation mode: ${
      mode === 'polling'
        ? 'polling (the stores\' token may not subscribe to server events, so the operator refreshes every refreshInterval)'
        : 'events (the stores\' token may subscribe to sys/events/subscribe/*; refreshInterval is only the fallback)'
    }`,
    steady,
    ...behind,
    `(refreshes/ES = ExternalSecret status writes per interval / N; idle operator, 0 objects: RSS ${f1(idleRss.rssMb)} MB, peak ${f1(idleRss.peakMb)} MB; "KB/ES vs idle" = (steady RSS − idle RSS) / N)`,
    ...(steadyBreakdown.length ? ['Kubernetes API requests per minute at steady state, by verb and resource:', ...steadyBreakdown] : []),
    ...profiles.flatMap((p) => ['', p]),
  ].join('\n');
}

/** Warns when dist/ (what the children run) is older than its sources in src/operator or src/cli. */
function staleDistWarning(): string | undefined {
  if (!existsSync(CLI_PATH)) return 'dist/ has no CLI build; run `npm run build`';
  // tsc's incremental build rewrites only what changed, so compare each source with its own output.
  const stale = (dir: string): string | undefined => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        const found = stale(p);
        if (found !== undefined) return found;
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
        const built = join(REPO_DIR, 'dist', relative(join(REPO_DIR, 'src'), p)).replace(/\.ts$/, '.js');
        if (existsSync(built) && statSync(built).mtimeMs < statSync(p).mtimeMs) return relative(REPO_DIR, p);
      }
    }
    return undefined;
  };
  const newer = stale(join(REPO_DIR, 'src', 'operator')) ?? stale(join(REPO_DIR, 'src', 'cli'));
  return newer !== undefined ? `dist/ may be stale: ${newer} is newer than its build; run \`npm run build\`` : undefined;
}

export async function runOperatorBench(options: OperatorBenchOptions): Promise<OperatorBenchReport> {
  const out = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const t0 = performance.now();
  const log = (line: string): void => out(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  requireBuiltCli();
  const stale = staleDistWarning();
  if (stale) log(`WARNING: ${stale}`);
  const failures: string[] = [];
  const cases: CaseResult[] = [];
  const summaries: OperatorSummary[] = [];
  const home = mkdtempSync(join(tmpdir(), 'coffer-opbench-server-'));
  log('operator: starting coffer server -dev (dist/) …');
  const server = await startCofferServer(home, `root-${Math.random().toString(36).slice(2)}`);
  try {
    const readToken = await createReadToken(server.address, server.rootToken, options.mode === 'events');
    const maxN = Math.max(...options.sizes);
    for (const layout of options.layouts) {
      log(`operator: writing ${fmtInt(keyCount(maxN, layout))} KV v2 keys (${layout})…`);
      await seedKeys(server.address, server.rootToken, layout, keyCount(maxN, layout));
    }
    log('operator: idle operator (0 objects) for the memory baseline…');
    const idleRss = await idleOperatorRss(3000);
    const shared = { server, readToken, log };
    const primaryConcurrency = options.concurrencies[0] ?? 1;
    for (const objects of options.sizes) {
      const refreshSec = options.refreshSec ?? autoRefreshSec(objects, options.mode);
      log(`operator: ${fmtInt(objects)} ExternalSecrets, refreshInterval ${refreshSec}s, ${options.namespaces} namespaces, mode ${options.mode}`);
      let primary: CaseResult | undefined;
      for (const layout of options.layouts) {
        for (const concurrency of options.concurrencies) {
          const isPrimary = concurrency === primaryConcurrency;
          const spec: CaseSpec = {
            objects,
            layout,
            concurrency,
            refreshSec,
            namespaces: options.namespaces,
            full: isPrimary && !options.profile,
            steadyIntervals: options.steadyIntervals,
            propagationWrites: options.propagationWrites,
            mode: options.mode,
            operatorArgs: options.operatorArgs,
            profile: options.profile && isPrimary && layout === options.layouts[0],
            coldTimeoutSec: Math.max(120, Math.ceil(objects * 0.1)),
          };
          const result = await runCase(spec, shared);
          cases.push(result);
          failures.push(...result.failures);
          if (isPrimary && layout === options.layouts[0]) primary = result;
        }
      }
      summaries.push(summaryOf(objects, primary));
    }
    const partial = { failures, idleRss, cases, summaries };
    return { table: render(partial, options.mode), ...partial };
  } catch (err) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}; the coffer server had exited (${String(server.child.exitCode ?? server.child.signalCode)}): ${server.output().slice(-2000)}`);
    }
    throw err;
  } finally {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** `npm run bench -- operator [--keys n]`: the default sizes, or only `n` ExternalSecrets. */
export async function runOperatorBenchFromSettings(settings: { keys?: number | undefined }): Promise<OperatorBenchReport> {
  return runOperatorBench({ ...OPERATOR_DEFAULTS, ...(settings.keys !== undefined ? { sizes: [settings.keys] } : {}) });
}

// ---- stand-alone: npm run bench:operator -- … -------------------------------------------------

const USAGE = `usage: npm run bench:operator -- [--objects N[,N…]] [--concurrent c[,c…]] [--layout shared|unique|both]
         [--refresh seconds] [--namespaces n] [--intervals n] [--writes k] [--events] [--operator-arg flag]…
         [--profile] [--json]
  --objects      ExternalSecret counts (default ${OPERATOR_DEFAULTS.sizes.join(',')})
  --concurrent   operator -concurrent values; the first is the primary case (default ${OPERATOR_DEFAULTS.concurrencies.join(',')})
  --layout       shared = N/10 remote keys each read by 10 ExternalSecrets, unique = one key each (default shared)
  --refresh      refreshInterval in seconds (default 10, or N/100 above 1,000 objects; 60 with --events)
  --intervals    steady-state window in refresh intervals (default ${OPERATOR_DEFAULTS.steadyIntervals})
  --writes       keys rewritten for the propagation measurement (default ${OPERATOR_DEFAULTS.propagationWrites})
  --events       propagation by server events (issue 7) instead of polling
  --operator-arg an extra flag for coffer operator run (repeatable)
  --profile      CPU-profile the operator's cold sync (node --cpu-prof) and print the top frames
  --json         end with one JSON line per size`;

function numberList(name: string, value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const out = value.split(',').map((v) => Number(v.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--${name} takes positive integers separated by commas (got "${value}")`);
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string' },
      concurrent: { type: 'string' },
      layout: { type: 'string' },
      refresh: { type: 'string' },
      namespaces: { type: 'string' },
      intervals: { type: 'string' },
      writes: { type: 'string' },
      events: { type: 'boolean', default: false },
      'operator-arg': { type: 'string', multiple: true },
      profile: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const layoutArg = values.layout ?? 'shared';
  if (!['shared', 'unique', 'both'].includes(layoutArg)) throw new Error(`--layout must be shared, unique or both (got "${layoutArg}")`);
  const single = (name: string, value: string | undefined): number | undefined => (value === undefined ? undefined : numberList(name, value, [])[0]);
  const options: OperatorBenchOptions = {
    sizes: numberList('objects', values.objects, OPERATOR_DEFAULTS.sizes),
    concurrencies: numberList('concurrent', values.concurrent, OPERATOR_DEFAULTS.concurrencies),
    layouts: layoutArg === 'both' ? ['shared', 'unique'] : [layoutArg as Layout],
    refreshSec: single('refresh', values.refresh),
    namespaces: single('namespaces', values.namespaces) ?? OPERATOR_DEFAULTS.namespaces,
    steadyIntervals: single('intervals', values.intervals) ?? OPERATOR_DEFAULTS.steadyIntervals,
    propagationWrites: single('writes', values.writes) ?? OPERATOR_DEFAULTS.propagationWrites,
    mode: values.events ? 'events' : 'polling',
    operatorArgs: values['operator-arg'] ?? [],
    profile: values.profile,
  };

  const background = await backgroundCpuCores();
  const environment = { node: process.version, platform: `${process.platform} ${release()}`, cpu: cpus()[0]?.model ?? 'unknown CPU', cores: availableParallelism(), backgroundCpuCoresBeforeRun: round(background) };
  console.log(`Coffer operator benchmark — ${environment.node}, ${environment.cores} cores (${environment.cpu})`);
  if (background > 0.2) console.warn(`WARNING: the machine is not idle (${(background * 100).toFixed(0)}% of a core busy before the run): figures will be low and noisy.`);
  const started = new Date();
  const report = await runOperatorBench(options);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `operator-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ timestamp: started.toISOString(), environment, options, ...report }, null, 2)}\n`);
  console.log(`\n${report.table}\n`);
  console.log(`results: ${relative(process.cwd(), file)}`);
  if (report.failures.length) {
    console.error('FAILED — these figures are not valid:');
    for (const f of report.failures) console.error(`  ${f}`);
  }
  if (values.json) for (const s of report.summaries) console.log(JSON.stringify(s));
  return report.failures.length ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main()
    .then((code) => {
      killOperatorBenchChildren();
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      console.error('operator benchmark failed:', err instanceof Error ? err.message : err);
      killOperatorBenchChildren();
      process.exitCode = 1;
    });
}
