/**
 * The v1 → v2 upgrade (Vault's upgrade.go). When a mount becomes versioned, every raw v1
 * key at the mount root becomes version 1 of a v2 key.
 *
 * - An `upgrading` marker is written first and marked `done` last; a mount whose marker says
 *   `done` is never scanned again (a new v2 mount goes through the same, empty, pass).
 * - Each key is converted in one transaction (version data + metadata + removal of the v1
 *   entry), so a crash at any point leaves every key either fully v1 or fully v2, and the
 *   next start simply resumes with the keys still at the root.
 * - While it runs, handlers answer 400 with Vault's "Upgrading from non-versioned…" text.
 */
import { decodeJson, encodeJson, listRecursive, type Storage } from '../../sdk/index.js';
import type { KvV2Context } from './context.js';
import {
  UPGRADE_KEY,
  V2_PREFIX,
  addVersion,
  deleteOp,
  isPlainObject,
  metadataKey,
  newMetadata,
  putOp,
  readConfig,
  readMetadata,
  versionKey,
  type StoredVersion,
  type UpgradeMarker,
} from './version-store.js';

export interface UpgradeReport {
  /** Keys converted by this run. */
  converted: number;
  /** Root keys left in place because they do not hold a JSON map (not written by KV v1). */
  skipped: string[];
}

export async function readUpgradeMarker(storage: Storage): Promise<UpgradeMarker | null> {
  const raw = await storage.get(UPGRADE_KEY);
  return raw === null ? null : decodeJson<UpgradeMarker>(raw);
}

/** Every v1 key: all leaves of the mount's storage outside the reserved v2 folder. */
async function collectV1Keys(storage: Storage): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await storage.list('')) {
    if (entry === V2_PREFIX) continue;
    if (entry.endsWith('/')) out.push(...(await listRecursive(storage, entry)));
    else out.push(entry);
  }
  return out;
}

async function convertKey(ctx: KvV2Context, storage: Storage, key: string, report: UpgradeReport): Promise<void> {
  await ctx.locks.run(key, async () => {
    const raw = await storage.get(key);
    if (raw === null) return;
    let parsed: unknown;
    try {
      parsed = decodeJson<unknown>(raw);
    } catch {
      parsed = undefined;
    }
    if (!isPlainObject(parsed)) {
      report.skipped.push(key);
      return;
    }
    const now = ctx.now();
    const existing = await readMetadata(storage, key);
    const meta = existing ?? newMetadata(key, now);
    // Vault converts with a window of one version; should v2 data already exist for this
    // path, the v1 value is added as its newest version instead, under the mount's rules.
    const configMax = existing === null ? 1 : (await readConfig(storage)).max_versions;
    const { version, purged } = addVersion(meta, now, null, configMax);
    const stored: StoredVersion = { data: parsed, created_time: now };
    await storage.transaction([
      putOp(versionKey(key, version), stored),
      putOp(metadataKey(key), meta),
      ...purged.map((v) => deleteOp(versionKey(key, v))),
      deleteOp(key),
    ]);
    report.converted += 1;
  });
}

/**
 * Runs (or resumes) the upgrade unless the marker says it is done. The backend refuses
 * requests from its creation until this has finished; if it fails, `ctx.upgrading` stays
 * true, so the mount keeps refusing them rather than serving half-converted data, and the
 * next initialisation resumes.
 */
export async function runUpgrade(ctx: KvV2Context, storage: Storage): Promise<UpgradeReport> {
  const report: UpgradeReport = { converted: 0, skipped: [] };
  ctx.upgrading = true;
  try {
    const marker = await readUpgradeMarker(storage);
    if (!marker?.done) {
      const started: UpgradeMarker = { started_time: marker?.started_time ?? ctx.now(), done: false };
      await storage.put(UPGRADE_KEY, encodeJson(started));
      // Rescan until a pass finds nothing new: v1 writes that landed while the old backend
      // was still being served are converted too.
      for (;;) {
        const keys = (await collectV1Keys(storage)).filter((k) => !report.skipped.includes(k));
        if (keys.length === 0) break;
        for (const key of keys) await convertKey(ctx, storage, key, report);
      }
      await storage.put(UPGRADE_KEY, encodeJson({ ...started, done: true }));
    }
    ctx.upgrading = false;
    return report;
  } finally {
    ctx.endUpgrade();
  }
}
