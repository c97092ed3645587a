/**
 * Restart-to-ready with many leases in storage (Vault users report 5–10 minute startups with
 * 20k leases). For each size N: a sqlite-backed server is initialised, N leases are written
 * through the barrier (records, expiry markers and token markers, as the lease store lays
 * them out), the server is closed, and a fresh one is opened on the same file and unsealed;
 * the unseal time (mount table, audit, quotas and the lease index) and the heap the lease
 * index holds are reported.
 *
 * The ceiling, measured in the same run: listing the expiry markers straight from sqlite
 * (no barrier, no index), the least any load must do.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/shared/logger.js';
import { createBarrier, type Barrier } from '../src/server/barrier/index.js';
import { Core } from '../src/server/core/core.js';
import { createStorageView } from '../src/server/core/storage-view.js';
import { builtinSecretEngines } from '../src/server/engines/index.js';
import { createLeaseStore, type LeaseRecord } from '../src/server/leases/index.js';
import { encodeJson, type StorageOp } from '../src/server/sdk/index.js';
import { createSqliteStorage, withReadCache } from '../src/server/storage/index.js';
import { fmtInt, fmtMs, formatTable } from './harness.js';

export interface LeasesBenchOptions {
  sizes: number[];
  log?: (line: string) => void;
}

export const LEASES_DEFAULTS: Omit<LeasesBenchOptions, 'log'> = { sizes: [100_000, 1_000_000] };

export interface LeasesCase {
  leases: number;
  writeSec: number;
  unsealMs: number;
  heapMiB: number | null;
  ceilingListMs: number;
  ratio: number;
}

const BATCH = 5_000;
const DAY_MS = 86_400_000;

function openCore(path: string): { core: Core; barrier: Barrier } {
  const physical = withReadCache(createSqliteStorage({ path }), {});
  const barrier = createBarrier(physical);
  const core = new Core({ physical, barrier, backends: builtinSecretEngines, logger: silentLogger(), version: 'bench' });
  return { core, barrier };
}

function heapUsed(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return null;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function runCase(n: number, log: (line: string) => void): Promise<LeasesCase> {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-bench-leases-'));
  const file = join(dir, 'coffer.db');
  try {
    const first = openCore(file);
    const { keys } = await first.core.initialize({ secretShares: 1, secretThreshold: 1 });
    await first.core.unsealWithKeys(keys);
    // Write through the barrier view the expiration manager uses, in the lease store's layout.
    const view = createStorageView(first.barrier, 'sys/expire/');
    const store = createLeaseStore(view);
    const now = Date.now();
    const t0 = performance.now();
    const tokenHash = randomBytes(32).toString('hex');
    for (let start = 0; start < n; start += BATCH) {
      const ops: StorageOp[] = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        const leaseId = `database/creds/readonly/${i.toString(36).padStart(24, '0')}`;
        const expire = now + DAY_MS + (i % 1000) * 60_000;
        const rec: LeaseRecord = {
          lease_id: leaseId,
          path: 'database/creds/readonly',
          mount_accessor: 'database_bench',
          kind: 'creds',
          issue_time_ms: now,
          expire_time_ms: expire,
          last_renewal_ms: 0,
          max_expire_time_ms: expire + DAY_MS,
          renewable: true,
          ttl_s: 86_400,
          internal_data: { username: `v-token-readonly-${i}`, role: 'readonly', db_name: 'pg' },
          token_hash: tokenHash,
          irrevocable: null,
        };
        ops.push({ op: 'put', key: store.recordKeyOf(leaseId), value: encodeJson(rec) });
        ops.push({ op: 'put', key: store.expiryKeyOf({ leaseId, expireTimeMs: expire, irrevocable: false }), value: new Uint8Array() });
        ops.push({ op: 'put', key: store.tokenKeyOf(tokenHash, leaseId), value: new Uint8Array() });
      }
      await view.transaction(ops);
      if (start % 200_000 === 0 && start > 0) log(`  leases: wrote ${fmtInt(start)} / ${fmtInt(n)}`);
    }
    const writeSec = (performance.now() - t0) / 1000;
    await first.core.close();

    // The ceiling: enumerate the expiry markers straight from sqlite (keys only).
    const raw = createSqliteStorage({ path: file });
    const c0 = performance.now();
    const listed = await raw.list('sys/expire/exp/');
    const ceilingListMs = performance.now() - c0;
    await raw.close();
    if (listed.length !== n) throw new Error(`expected ${n} expiry markers, found ${listed.length}`);

    // A fresh process-equivalent: new storage handle, new core, cold caches.
    const second = openCore(file);
    const before = heapUsed();
    const u0 = performance.now();
    await second.core.unsealWithKeys(keys);
    const unsealMs = performance.now() - u0;
    const after = heapUsed();
    const count = second.core.leases.count();
    await second.core.close();
    if (count !== n) throw new Error(`expected ${n} leases after unseal, the manager holds ${count}`);
    const heapMiB = before !== null && after !== null ? (after - before) / 1024 / 1024 : null;
    return { leases: n, writeSec, unsealMs, heapMiB, ceilingListMs, ratio: ceilingListMs / unsealMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runLeasesBench(options: LeasesBenchOptions): Promise<{ table: string; failures: string[]; cases: LeasesCase[] }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const cases: LeasesCase[] = [];
  for (const n of options.sizes) {
    log(`leases: ${fmtInt(n)} leases in sqlite…`);
    cases.push(await runCase(n, log));
  }
  const rows = cases.map((c) => [
    fmtInt(c.leases),
    `${c.writeSec.toFixed(1)} s`,
    fmtMs(c.unsealMs),
    c.heapMiB === null ? 'n/a (no --expose-gc)' : `${c.heapMiB.toFixed(0)} MiB`,
    fmtMs(c.ceilingListMs),
    `${(c.ratio * 100).toFixed(0)}%`,
  ]);
  const table = formatTable(
    ['leases in storage', 'write (setup)', 'restart-to-ready (unseal, ms)', 'heap of the index', 'ceiling: raw key list (ms)', 'ceiling / ours'],
    rows,
    [true, true, true, true, true, true],
  );
  return { table, failures: [], cases };
}
