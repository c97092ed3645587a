/**
 * One case of the operator benchmark: a fresh Kubernetes API test server holding N
 * ExternalSecrets (one SecretStore per namespace, all against one Coffer server), the
 * ceiling run, then `coffer operator run -external-secrets` as a child: cold sync, and for
 * "full" cases a steady-state window and a propagation run. Everything the bench observes
 * about the cluster comes from the test server's store (hooks, in-process: no API load).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeTestServer, type KubeObject, type KubeTestServer } from '../../test/support/kube/index.js';
import { renderSummary, summarizeProfile, type CpuProfile } from '../cpuprofile.js';
import { BENCH_DIR, REPO_DIR, RESULTS_DIR, vaultCall } from '../harness.js';
import type { CeilingPlan } from './ceiling.js';
import {
  createTenant,
  esType,
  externalSecret,
  keyCount,
  isExternalSecretType,
  keyPath,
  planObjects,
  registerEsoTypes,
  serverRequestCounts,
  writeKubeconfig,
  type BenchObject,
  type Layout,
} from './fixtures.js';
import { KubeRequestCounter, type RequestCounts, type RequestTotals } from './kube-stats.js';
import { ownCpuSeconds, procCpuSeconds, procMemory, promSum, startOperator, track, type CofferServer, type OperatorChild } from './processes.js';

/** How a KV write reaches the Secret: the operator's periodic refresh, or server events (issue 7). */
export type PropagationMode = 'polling' | 'events';

/**
 * Extra `coffer operator run` flags for the event-driven mode. Empty until the operator has
 * such a flag (issue 7 plans to subscribe automatically when a store points at Coffer).
 */
export const EVENTS_OPERATOR_ARGS: readonly string[] = [];

export interface CaseSpec {
  objects: number;
  layout: Layout;
  concurrency: number;
  refreshSec: number;
  namespaces: number;
  /** Steady-state window and propagation run too (else cold sync only). */
  full: boolean;
  steadyIntervals: number;
  /** Keys rewritten in the propagation run. */
  propagationWrites: number;
  mode: PropagationMode;
  operatorArgs: readonly string[];
  /** CPU-profile the operator (and this process) during the cold sync; skips steady state. */
  profile: boolean;
  coldTimeoutSec: number;
}

export interface Shared {
  server: CofferServer;
  /** The read-only token the SecretStores hold. */
  readToken: string;
  log: (line: string) => void;
}

export interface ColdSync {
  seconds: number;
  /** CLI printed "operator started". */
  startedSec: number;
  firstSecretSec: number;
  synced: number;
  requests: RequestTotals;
  breakdown: Record<string, number>;
  kvReads: number;
  /** Coffer requests outside `secret/` and `sys/` (logins, token lookups). */
  otherServerRequests: number;
  reconciles: number;
  reconcileErrors: number;
  /** Cores used during the cold sync. */
  cpu: { operator: number; kubeApi: number; server: number };
  rssMb: number;
  peakMb: number;
}

export interface Ceiling {
  seconds: number;
  errors: number;
  firstError: string;
  requests: RequestTotals;
  kvReads: number;
}

export interface SteadyState {
  windowSec: number;
  kvReads: number;
  kvReadsPerRefresh: number;
  /** ExternalSecret status writes per interval / N: 1 when every object refreshed once per interval. */
  refreshesPerObject: number;
  otherServerRequests: number;
  apiPerMin: number;
  readsPerMin: number;
  writesPerMin: number;
  watchesPerMin: number;
  breakdownPerMin: Record<string, number>;
  cpu: { operator: number; kubeApi: number; server: number };
  rssMb: number;
  peakMb: number;
}

export interface Propagation {
  mode: PropagationMode;
  keysWritten: number;
  expected: number;
  observed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface CaseResult {
  spec: Omit<CaseSpec, 'operatorArgs'> & { keys: number; operatorArgs: string[] };
  /** How the ESO types were served (CRDs with schemas, or plain registrations). */
  esoTypes: string;
  cold: ColdSync;
  ceiling: Ceiling;
  steady?: SteadyState;
  propagation?: Propagation;
  profile?: { operatorFile: string; operatorTop: string; kubeApiTop: string };
  failures: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A deadline to race against: it must not keep the process alive once the race is won. */
const deadline = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

function isReady(obj: KubeObject): boolean {
  const conds = (obj['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conds?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

const keyOf = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ''}/${name ?? ''}`;

function countsRecord(counts: RequestCounts, scale = 1): Record<string, number> {
  return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Number((v * scale).toFixed(2))]));
}

/** CPU meter over this process, the operator child and the server child. */
function cpuMeter(operatorPid: number, serverPid: number): () => { operator: number; kubeApi: number; server: number } {
  const t0 = performance.now();
  const own0 = ownCpuSeconds();
  const op0 = procCpuSeconds(operatorPid);
  const srv0 = procCpuSeconds(serverPid);
  return () => {
    const sec = (performance.now() - t0) / 1000;
    return {
      operator: (procCpuSeconds(operatorPid) - op0) / sec,
      kubeApi: (ownCpuSeconds() - own0) / sec,
      server: (procCpuSeconds(serverPid) - srv0) / sec,
    };
  };
}

/** The ceiling child: KV read + Secret create + status write per object, at `concurrency`. */
async function runCeiling(kube: KubeTestServer, kubeconfig: string, dir: string, objects: readonly BenchObject[], spec: CaseSpec, shared: Shared, counter: KubeRequestCounter): Promise<Ceiling> {
  const namespaces = [...new Set(objects.map((o) => o.namespace))].map((ns) => `ceiling-${ns}`);
  for (const ns of namespaces) kube.createNamespace(ns);
  const ES_TYPE = esType(kube);
  for (const o of objects) kube.store.create(ES_TYPE, `ceiling-${o.namespace}`, externalSecret({ ...o, namespace: `ceiling-${o.namespace}` }, spec.layout, `${spec.refreshSec}s`));
  const plan: CeilingPlan = {
    kubeconfig,
    vaultAddress: shared.server.address,
    vaultToken: shared.readToken,
    concurrency: spec.concurrency,
    items: objects.map((o) => ({ namespace: `ceiling-${o.namespace}`, name: o.name, key: keyPath(spec.layout, o.key) })),
  };
  const planFile = join(dir, 'ceiling-plan.json');
  writeFileSync(planFile, JSON.stringify(plan), { mode: 0o600 });
  const before = counter.snapshot();
  const server0 = await serverRequestCounts(shared.server.address, shared.server.rootToken);
  const child = spawn(process.execPath, ['--import', join(BENCH_DIR, 'register.mjs'), join(BENCH_DIR, 'operator', 'ceiling.ts'), planFile], {
    cwd: REPO_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), spec.coldTimeoutSec * 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  const line = out.trim().split('\n').pop() ?? '';
  let parsed: { elapsedMs: number; errors: number; firstError: string };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    throw new Error(`the ceiling child failed (exit ${String(code)}): ${err.trim() || out.trim()}`);
  }
  const { totals } = counter.since(before);
  const server1 = await serverRequestCounts(shared.server.address, shared.server.rootToken);
  // Leave nothing of the ceiling behind for the operator to list.
  for (const ns of namespaces) {
    kube.store.deleteCollection(ES_TYPE, ns);
    kube.store.deleteCollection(kube.store.type('secrets'), ns);
  }
  return { seconds: parsed.elapsedMs / 1000, errors: parsed.errors, firstError: parsed.firstError, requests: totals, kvReads: server1.kvReads - server0.kvReads };
}

async function startParentProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return session;
}

export async function runCase(spec: CaseSpec, shared: Shared): Promise<CaseResult> {
  const { log, server } = shared;
  const failures: string[] = [];
  const label = `${spec.objects} ES, ${spec.layout}, -concurrent=${spec.concurrency}`;
  const dir = mkdtempSync(join(tmpdir(), 'coffer-opbench-'));
  // The test server copies its whole watch history on every event once it is full (O(limit) per
  // write); the operator's watches start right after their lists, so a short history suffices.
  const kube = await startKubeTestServer({ historyLimit: 2000 });
  const counter = new KubeRequestCounter(kube);
  let operator: OperatorChild | undefined;
  try {
    const esoTypes = await registerEsoTypes(kube);
    const ES_TYPE = esType(kube);
    const namespaces = Array.from({ length: spec.namespaces }, (_, i) => `bench-${i}`);
    for (const ns of namespaces) createTenant(kube, ns, server.address, shared.readToken);
    const objects = planObjects(spec.objects, spec.layout, namespaces);
    const kubeconfig = writeKubeconfig(dir, kube);

    log(`  [${label}] ceiling: KV read + Secret create + status write per object…`);
    const ceiling = await runCeiling(kube, kubeconfig, dir, objects, spec, shared, counter);
    if (ceiling.errors > 0) failures.push(`ceiling: ${ceiling.errors} objects failed (first: ${ceiling.firstError})`);

    for (const o of objects) kube.store.create(ES_TYPE, o.namespace, externalSecret(o, spec.layout, `${spec.refreshSec}s`));
    const wanted = new Set(objects.map((o) => keyOf(o.namespace, o.name)));
    const byKey = new Map<number, BenchObject[]>();
    for (const o of objects) byKey.set(o.key, [...(byKey.get(o.key) ?? []), o]);

    // What the operator does, seen from the store.
    const readyAt = new Map<string, number>();
    const secretAt = new Map<string, number>();
    const pending = new Map<string, { writtenAt: number; expect: string }>();
    const latencies: number[] = [];
    let onProgress: () => void = () => undefined;
    const secretsType = kube.store.type('secrets');
    const unhook = kube.store.addHooks({
      afterCreate(type, obj) {
        if (type === secretsType && wanted.has(keyOf(obj.metadata.namespace, obj.metadata.name)) && !secretAt.has(keyOf(obj.metadata.namespace, obj.metadata.name))) {
          secretAt.set(keyOf(obj.metadata.namespace, obj.metadata.name), performance.now());
        }
      },
      afterUpdate(type, obj) {
        const k = keyOf(obj.metadata.namespace, obj.metadata.name);
        if (isExternalSecretType(type) && !readyAt.has(k) && wanted.has(k) && isReady(obj)) {
          readyAt.set(k, performance.now());
          if (readyAt.size === wanted.size) onProgress();
        } else if (type === secretsType) {
          const p = pending.get(k);
          if (p !== undefined && (obj['data'] as Record<string, string> | undefined)?.['value'] === p.expect) {
            latencies.push(performance.now() - p.writtenAt);
            pending.delete(k);
            if (pending.size === 0) onProgress();
          }
        }
      },
    });

    // ---- cold sync ----
    log(`  [${label}] cold sync…`);
    const coldBefore = counter.snapshot();
    const server0 = await serverRequestCounts(server.address, server.rootToken);
    const profileDir = join(RESULTS_DIR, 'profiles');
    const profileName = `operator-${spec.objects}-${spec.layout}-c${spec.concurrency}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
    if (spec.profile) mkdirSync(profileDir, { recursive: true });
    const parentProfile = spec.profile ? await startParentProfile() : undefined;
    const t0 = performance.now();
    operator = await startOperator({
      kubeconfig,
      home: dir,
      concurrent: spec.concurrency,
      extraArgs: [...(spec.mode === 'events' ? EVENTS_OPERATOR_ARGS : []), ...spec.operatorArgs],
      ...(spec.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${profileName}`] } : {}),
    });
    const cpu = cpuMeter(operator.pid, server.pid);
    let startedSec = Number.NaN;
    void operator.started.then(() => (startedSec = (performance.now() - t0) / 1000)).catch(() => undefined);
    const done = new Promise<void>((resolve) => {
      onProgress = () => {
        if (readyAt.size === wanted.size) resolve();
      };
    });
    const exited = operator.exited.then((code) => {
      throw new Error(`the operator exited (${String(code)}) early: ${operator?.output().slice(-2000) ?? ''}`);
    });
    // Only raced against; the normal stop at the end must not surface as an unhandled rejection.
    exited.catch(() => undefined);
    const timeout = deadline(spec.coldTimeoutSec * 1000);
    await Promise.race([done, exited, timeout]);
    const coldSec = (performance.now() - t0) / 1000;
    const coldCpu = cpu();
    const coldReq = counter.since(coldBefore);
    const server1 = await serverRequestCounts(server.address, server.rootToken);
    const mem = procMemory(operator.pid);
    const metrics = await operator.scrape().catch(() => '');
    const synced = [...readyAt.keys()].filter((k) => secretAt.has(k)).length;
    if (synced < spec.objects) failures.push(`[${label}] only ${synced} of ${spec.objects} ExternalSecrets Ready with their Secret within ${spec.coldTimeoutSec}s`);
    const firstSecret = [...secretAt.values()].reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    const cold: ColdSync = {
      seconds: coldSec,
      startedSec,
      firstSecretSec: Number.isFinite(firstSecret) ? (firstSecret - t0) / 1000 : Number.NaN,
      synced,
      requests: coldReq.totals,
      breakdown: countsRecord(coldReq.counts),
      kvReads: server1.kvReads - server0.kvReads,
      otherServerRequests: server1.other - server0.other,
      reconciles: promSum(metrics, 'controller_runtime_reconcile_total', { controller: 'external-secrets' }),
      reconcileErrors: promSum(metrics, 'controller_runtime_reconcile_errors_total', { controller: 'external-secrets' }),
      cpu: coldCpu,
      rssMb: mem?.rssMb ?? Number.NaN,
      peakMb: mem?.peakMb ?? Number.NaN,
    };
    log(`  [${label}] cold sync ${coldSec.toFixed(2)} s (ceiling ${ceiling.seconds.toFixed(2)} s), ${synced}/${spec.objects} synced`);

    const result: CaseResult = { spec: { ...spec, keys: keyCount(spec.objects, spec.layout), operatorArgs: [...spec.operatorArgs] }, esoTypes, cold, ceiling, failures };

    if (spec.profile) {
      const kubeApiProfile = parentProfile ? ((await parentProfile.post('Profiler.stop')) as { profile: CpuProfile }).profile : undefined;
      parentProfile?.disconnect();
      // The profile is written on a clean exit only, and shutdown at 10,000 objects takes a while.
      await operator.stop(180_000);
      const file = readdirSync(profileDir).find((f) => f === profileName);
      const operatorTop = file ? renderSummary(summarizeProfile(JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile), 20) : '(no profile written)';
      const kubeApiTop = kubeApiProfile ? renderSummary(summarizeProfile(kubeApiProfile), 12) : '';
      result.profile = { operatorFile: join(profileDir, profileName), operatorTop, kubeApiTop };
      return result;
    }
    if (!spec.full || synced < spec.objects) return result;

    // ---- steady state ----
    const windowSec = spec.refreshSec * spec.steadyIntervals;
    log(`  [${label}] steady state: ${windowSec} s (${spec.steadyIntervals} × refreshInterval ${spec.refreshSec} s)…`);
    const steadyBefore = counter.snapshot();
    const s0 = await serverRequestCounts(server.address, server.rootToken);
    const steadyCpu = cpuMeter(operator.pid, server.pid);
    const w0 = performance.now();
    await Promise.race([sleep(windowSec * 1000), exited]);
    const actualSec = (performance.now() - w0) / 1000;
    const sCpu = steadyCpu();
    const sReq = counter.since(steadyBefore);
    const s1 = await serverRequestCounts(server.address, server.rootToken);
    const sMem = procMemory(operator.pid);
    const perMin = (n: number): number => (n * 60) / actualSec;
    const kvReads = s1.kvReads - s0.kvReads;
    result.steady = {
      windowSec: actualSec,
      kvReads,
      kvReadsPerRefresh: (kvReads * spec.refreshSec) / actualSec,
      refreshesPerObject: ((sReq.counts.get('update-status externalsecrets') ?? 0) * spec.refreshSec) / actualSec / spec.objects,
      otherServerRequests: s1.other - s0.other,
      apiPerMin: perMin(sReq.totals.total),
      readsPerMin: perMin(sReq.totals.reads),
      writesPerMin: perMin(sReq.totals.writes),
      watchesPerMin: perMin(sReq.totals.watches),
      breakdownPerMin: countsRecord(sReq.counts, 60 / actualSec),
      cpu: sCpu,
      rssMb: sMem?.rssMb ?? Number.NaN,
      peakMb: sMem?.peakMb ?? Number.NaN,
    };

    // ---- propagation ----
    const keys = keyCount(spec.objects, spec.layout);
    const k = Math.min(spec.propagationWrites, keys);
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(Math.floor(Math.random() * keys));
    // Writes spread over one interval, so they land at every phase of the refresh cycle.
    const spreadMs = spec.mode === 'polling' ? spec.refreshSec * 1000 : 5000;
    const offsets = [...chosen].map((j) => ({ j, at: Math.random() * spreadMs })).sort((a, b) => a.at - b.at);
    const waitMs = spec.mode === 'polling' ? spec.refreshSec * 2000 + 30_000 : 30_000;
    log(`  [${label}] propagation (${spec.mode}): ${k} keys rewritten over ${(spreadMs / 1000).toFixed(0)} s, affecting ${offsets.reduce((n, o) => n + (byKey.get(o.j)?.length ?? 0), 0)} Secrets…`);
    let written = 0;
    const allDone = new Promise<void>((resolve) => {
      onProgress = () => {
        if (pending.size === 0 && written === offsets.length) resolve();
      };
    });
    const p0 = performance.now();
    for (const { j, at } of offsets) {
      const delay = p0 + at - performance.now();
      if (delay > 0) await sleep(delay);
      const value = `${spec.layout}-${j}-p${written}-${Math.random().toString(36).slice(2, 8)}`;
      await vaultCall(server.address, 'POST', `secret/data/${keyPath(spec.layout, j)}`, { token: server.rootToken, body: { data: { value } } });
      const writtenAt = performance.now();
      const expect = Buffer.from(value).toString('base64');
      for (const o of byKey.get(j) ?? []) pending.set(keyOf(o.namespace, o.name), { writtenAt, expect });
      written++;
    }
    const expected = offsets.reduce((n, o) => n + (byKey.get(o.j)?.length ?? 0), 0);
    if (pending.size > 0) await Promise.race([allDone, deadline(waitMs), exited]);
    const sorted = [...latencies].sort((a, b) => a - b);
    result.propagation = {
      mode: spec.mode,
      keysWritten: k,
      expected,
      observed: sorted.length,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    };
    if (sorted.length < expected) failures.push(`[${label}] propagation: only ${sorted.length} of ${expected} Secrets changed within ${(waitMs / 1000).toFixed(0)} s of the last write`);
    unhook();
    return result;
  } finally {
    const s0 = performance.now();
    if (operator !== undefined) {
      const code = await operator.stop();
      if (code !== 0 && code !== null) log(`  operator exited ${code}: ${operator.output().slice(-1000)}`);
    }
    const s1 = performance.now();
    counter.close();
    await kube.close();
    if (performance.now() - s0 > 3000) log(`  [${label}] slow teardown: operator stop ${((s1 - s0) / 1000).toFixed(1)} s, kube API close ${((performance.now() - s1) / 1000).toFixed(1)} s`);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RSS of an operator with nothing to do (no stores, no ExternalSecrets), after its informers synced. */
export async function idleOperatorRss(settleMs: number): Promise<{ rssMb: number; peakMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-opbench-idle-'));
  const kube = await startKubeTestServer();
  let operator: OperatorChild | undefined;
  try {
    await registerEsoTypes(kube);
    operator = await startOperator({ kubeconfig: writeKubeconfig(dir, kube), home: dir, concurrent: 1 });
    await operator.started;
    await sleep(settleMs);
    const mem = procMemory(operator.pid);
    if (mem === null) throw new Error(`the idle operator is gone: ${operator.output()}`);
    return mem;
  } finally {
    await operator?.stop();
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
