/**
 * Which ExternalSecrets read which remote paths, per store scope: what turns one change event
 * ("`secret/data/apps/db` changed in store X") into exactly the ExternalSecrets to requeue.
 * Filled from the paths each reconcile actually read (so `find` by path and per-item
 * `sourceRef.storeRef` are covered), replaced on every successful sync.
 */
import type { ReadPaths } from '../../providers/read-cache.js';

interface ScopeIndex {
  exact: Map<string, Set<string>>;
  /** Prefix reads (`find.path`): few per store, scanned linearly. */
  prefixes: Map<string, Set<string>>;
  members: Set<string>;
}

export class DependencyIndex {
  private readonly scopes = new Map<string, ScopeIndex>();
  /** What each ExternalSecret registered, to undo it. */
  private readonly byObject = new Map<string, Map<string, ReadPaths[]>>();

  /** Replaces what `objectKey` reads: scope → paths. */
  set(objectKey: string, reads: ReadonlyMap<string, readonly ReadPaths[]>): void {
    this.delete(objectKey);
    const kept = new Map<string, ReadPaths[]>();
    for (const [scope, paths] of reads) {
      let idx = this.scopes.get(scope);
      if (idx === undefined) {
        idx = { exact: new Map(), prefixes: new Map(), members: new Set() };
        this.scopes.set(scope, idx);
      }
      idx.members.add(objectKey);
      for (const p of paths) {
        if (p.exact !== undefined) addTo(idx.exact, p.exact, objectKey);
        if (p.prefix !== undefined) addTo(idx.prefixes, p.prefix, objectKey);
      }
      kept.set(scope, [...paths]);
    }
    this.byObject.set(objectKey, kept);
  }

  delete(objectKey: string): void {
    const reads = this.byObject.get(objectKey);
    if (reads === undefined) return;
    this.byObject.delete(objectKey);
    for (const [scope, paths] of reads) {
      const idx = this.scopes.get(scope);
      if (idx === undefined) continue;
      idx.members.delete(objectKey);
      for (const p of paths) {
        if (p.exact !== undefined) removeFrom(idx.exact, p.exact, objectKey);
        if (p.prefix !== undefined) removeFrom(idx.prefixes, p.prefix, objectKey);
      }
      if (idx.members.size === 0) this.scopes.delete(scope);
    }
  }

  /** The ExternalSecrets of `scope` that read `path` (exactly, or through a prefix). */
  affected(scope: string, path: string): string[] {
    const idx = this.scopes.get(scope);
    if (idx === undefined) return [];
    const out = new Set(idx.exact.get(path) ?? []);
    for (const [prefix, keys] of idx.prefixes) if (path.startsWith(prefix)) for (const k of keys) out.add(k);
    return [...out];
  }

  /** Every ExternalSecret reading through `scope`. */
  members(scope: string): string[] {
    return [...(this.scopes.get(scope)?.members ?? [])];
  }

  scopeNames(): string[] {
    return [...this.scopes.keys()];
  }
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function removeFrom(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
