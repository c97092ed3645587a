/**
 * The ownerReference garbage collector (kube-controller-manager's `garbagecollector`), run
 * against the test server's store: it follows the store's event log like the real one
 * follows its informers and acts asynchronously, after the write that triggered it.
 *
 * - An object whose owners are all gone (absent, or present with another uid) is deleted;
 *   one with other live owners only loses the dead references. This also collects an
 *   object created with an ownerReference to an owner that never existed.
 * - `propagationPolicy: Background` (the default): the owner goes at once, dependents follow.
 * - `Orphan`: the owner keeps the `orphan` finalizer until every dependent has lost its
 *   reference to it, then goes.
 * - `Foreground`: the owner keeps `foregroundDeletion` (and its deletionTimestamp) while its
 *   dependents are deleted; it goes once no dependent with `blockOwnerDeletion: true` is left.
 *   A dependent that has dependents of its own is deleted in the foreground too.
 * - Dependents with finalizers get a deletionTimestamp and stay until their finalizers go.
 *
 * Owners are resolved by apiVersion group + kind among the served types; a namespaced owner
 * is looked up in its dependent's namespace, and a cluster-scoped dependent naming a
 * namespaced owner (or an owner of an unknown kind) is left alone, as on a real cluster.
 */
import { KubeStatusError } from './status.js';
import type { ObjectStore } from './store.js';
import { FOREGROUND_DELETION_FINALIZER, ORPHAN_FINALIZER, groupResourceKey, type KubeObject, type OwnerReference, type PropagationPolicy, type ResourceType } from './types.js';
import type { StoreEvent } from './watch.js';

interface ObjectRef {
  groupResource: string;
  /** `''` for cluster-scoped objects. */
  namespace: string;
  name: string;
  uid: string;
}

type Task =
  | { kind: 'attemptToDelete'; ref: ObjectRef }
  | { kind: 'processDeletingOwner'; ref: ObjectRef }
  | { kind: 'ownerCheck'; namespace: string; owner: OwnerReference };

const MAX_ATTEMPTS = 5;

function refKey(ref: Pick<ObjectRef, 'groupResource' | 'namespace' | 'name'>): string {
  return `${ref.groupResource}|${ref.namespace}|${ref.name}`;
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i === -1 ? '' : apiVersion.slice(0, i);
}

export class GarbageCollector {
  /** owner uid → dependents (by ref key). */
  private readonly dependents = new Map<string, Map<string, ObjectRef>>();
  /** dependent ref key → the owner uids it was indexed under. */
  private readonly indexed = new Map<string, string[]>();
  private queue: { task: Task; attempt: number }[] = [];
  private scheduled = false;
  private unsubscribe: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly store: ObjectStore) {}

  get running(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Indexes the objects already stored, then follows every change. Idempotent. */
  start(): void {
    if (this.unsubscribe) return;
    for (const type of this.store.storageTypes()) {
      const groupResource = groupResourceKey(type);
      for (const obj of this.store.list(type, undefined).items) {
        const ref = this.refOf(groupResource, obj);
        this.reindex(ref, obj.metadata.ownerReferences ?? []);
        if ((obj.metadata.ownerReferences ?? []).length > 0) this.enqueue({ kind: 'attemptToDelete', ref });
      }
    }
    this.unsubscribe = this.store.log.subscribe((event) => this.onEvent(event));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.queue = [];
    this.scheduled = false;
    this.flushIdle();
  }

  /** Resolves once the collector has nothing left to do (after the writes so far). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The dependents indexed under an owner uid (for tests and debugging). */
  dependentsOf(uid: string): { groupResource: string; namespace: string; name: string }[] {
    return [...(this.dependents.get(uid)?.values() ?? [])].map(({ groupResource, namespace, name }) => ({ groupResource, namespace, name }));
  }

  // ---- the graph ----------------------------------------------------------------------

  private refOf(groupResource: string, obj: KubeObject): ObjectRef {
    return { groupResource, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', uid: obj.metadata.uid ?? '' };
  }

  private reindex(ref: ObjectRef, owners: readonly OwnerReference[]): void {
    const key = refKey(ref);
    for (const uid of this.indexed.get(key) ?? []) {
      const deps = this.dependents.get(uid);
      deps?.delete(key);
      if (deps?.size === 0) this.dependents.delete(uid);
    }
    const uids = owners.map((o) => o.uid);
    if (uids.length === 0) this.indexed.delete(key);
    else this.indexed.set(key, uids);
    for (const uid of uids) {
      let deps = this.dependents.get(uid);
      if (!deps) {
        deps = new Map();
        this.dependents.set(uid, deps);
      }
      deps.set(key, ref);
    }
  }

  private onEvent(event: StoreEvent): void {
    const obj = event.object;
    const ref = this.refOf(event.groupResource, obj);
    const owners = obj.metadata.ownerReferences ?? [];
    const previousOwners = event.previous?.metadata.ownerReferences ?? [];
    if (event.type === 'DELETED') {
      this.reindex(ref, []);
      // Dependents of the deleted object, and owners waiting for it (foreground).
      for (const dep of this.dependents.get(ref.uid)?.values() ?? []) this.enqueue({ kind: 'attemptToDelete', ref: dep });
      for (const owner of owners) this.enqueue({ kind: 'ownerCheck', namespace: ref.namespace, owner });
      return;
    }
    this.reindex(ref, owners);
    if (event.type === 'ADDED') {
      if (owners.length > 0) this.enqueue({ kind: 'attemptToDelete', ref });
    } else if (JSON.stringify(owners) !== JSON.stringify(previousOwners)) {
      this.enqueue({ kind: 'attemptToDelete', ref });
      for (const removed of previousOwners.filter((p) => !owners.some((o) => o.uid === p.uid && o.blockOwnerDeletion === p.blockOwnerDeletion))) {
        this.enqueue({ kind: 'ownerCheck', namespace: ref.namespace, owner: removed });
      }
    }
    const finalizers = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp !== undefined && (finalizers.includes(FOREGROUND_DELETION_FINALIZER) || finalizers.includes(ORPHAN_FINALIZER))) {
      const wasDeleting = event.previous?.metadata.deletionTimestamp !== undefined && JSON.stringify(event.previous.metadata.finalizers) === JSON.stringify(finalizers);
      if (!wasDeleting && finalizers.includes(FOREGROUND_DELETION_FINALIZER)) {
        for (const dep of this.dependents.get(ref.uid)?.values() ?? []) this.enqueue({ kind: 'attemptToDelete', ref: dep });
      }
      this.enqueue({ kind: 'processDeletingOwner', ref });
    }
  }

  // ---- the work queue -----------------------------------------------------------------

  private enqueue(task: Task, attempt = 0): void {
    this.queue.push({ task, attempt });
    if (!this.scheduled) {
      this.scheduled = true;
      // After the current request has been answered: the real collector acts later too.
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    if (!this.unsubscribe) return;
    const retry: { task: Task; attempt: number }[] = [];
    while (this.queue.length > 0) {
      const item = this.queue.shift();
      if (!item) break;
      try {
        this.run(item.task);
      } catch (err) {
        // Conflicts (someone wrote in between) are retried; a vanished object needs nothing.
        if (err instanceof KubeStatusError && err.code === 404) continue;
        if (item.attempt + 1 < MAX_ATTEMPTS) retry.push({ task: item.task, attempt: item.attempt + 1 });
      }
    }
    this.scheduled = false;
    if (retry.length > 0) {
      for (const r of retry) this.enqueue(r.task, r.attempt);
      return;
    }
    this.flushIdle();
  }

  private flushIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private run(task: Task): void {
    switch (task.kind) {
      case 'attemptToDelete':
        this.attemptToDelete(task.ref);
        return;
      case 'processDeletingOwner':
        this.processDeletingOwner(task.ref);
        return;
      case 'ownerCheck': {
        const resolved = this.resolveOwner(task.owner, task.namespace, true);
        if (resolved.state === 'present' && resolved.obj.metadata.deletionTimestamp !== undefined && resolved.type) {
          this.processDeletingOwner(this.refOf(groupResourceKey(resolved.type), resolved.obj));
        }
        return;
      }
    }
  }

  // ---- decisions ----------------------------------------------------------------------

  private typeOf(groupResource: string): ResourceType | undefined {
    try {
      return this.store.type(groupResource);
    } catch {
      return undefined;
    }
  }

  private fetch(ref: ObjectRef): { type: ResourceType; obj: KubeObject } | undefined {
    const type = this.typeOf(ref.groupResource);
    if (!type) return undefined;
    const obj = this.store.tryGet(type, ref.namespace === '' ? undefined : ref.namespace, ref.name);
    if (!obj || (ref.uid !== '' && obj.metadata.uid !== ref.uid)) return undefined;
    return { type, obj };
  }

  private resolveOwner(
    owner: OwnerReference,
    dependentNamespace: string,
    dependentNamespaced: boolean,
  ): { state: 'present'; obj: KubeObject; type: ResourceType } | { state: 'absent' } | { state: 'unresolvable' } {
    const group = groupOf(owner.apiVersion ?? '');
    const candidate = this.store.registeredTypes().find((t) => t.group === group && t.kind === owner.kind);
    if (!candidate) return { state: 'unresolvable' };
    const type = this.typeOf(groupResourceKey(candidate));
    if (!type) return { state: 'unresolvable' };
    // A cluster-scoped dependent cannot have a namespaced owner (OwnerRefInvalidNamespace).
    if (type.namespaced && !dependentNamespaced) return { state: 'unresolvable' };
    const obj = this.store.tryGet(type, type.namespaced ? dependentNamespace : undefined, owner.name);
    if (!obj || obj.metadata.uid !== owner.uid) return { state: 'absent' };
    return { state: 'present', obj, type };
  }

  private attemptToDelete(ref: ObjectRef): void {
    const found = this.fetch(ref);
    if (!found) return;
    const { type, obj } = found;
    const finalizers = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp !== undefined) {
      if (finalizers.includes(FOREGROUND_DELETION_FINALIZER)) this.processDeletingOwner(ref);
      return;
    }
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length === 0) return;
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const owner of owners) {
      const resolved = this.resolveOwner(owner, ref.namespace, type.namespaced);
      if (resolved.state === 'absent') dangling.push(owner);
      else if (resolved.state === 'unresolvable') solid.push(owner);
      else if (resolved.obj.metadata.deletionTimestamp !== undefined && (resolved.obj.metadata.finalizers ?? []).includes(FOREGROUND_DELETION_FINALIZER)) waiting.push(owner);
      else solid.push(owner);
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // Other owners keep it alive: only the references to dead or departing owners go.
      const drop = new Set([...dangling, ...waiting].map((o) => o.uid));
      this.store.update(type, obj.metadata.namespace, obj.metadata.name ?? '', {
        ...obj,
        metadata: { ...obj.metadata, ownerReferences: owners.filter((o) => !drop.has(o.uid)) },
      });
      return;
    }
    let policy: PropagationPolicy = 'Background';
    if (waiting.length > 0 && (this.dependents.get(ref.uid)?.size ?? 0) > 0) policy = 'Foreground';
    else if (finalizers.includes(ORPHAN_FINALIZER)) policy = 'Orphan';
    else if (finalizers.includes(FOREGROUND_DELETION_FINALIZER)) policy = 'Foreground';
    this.store.delete(type, obj.metadata.namespace, obj.metadata.name ?? '', { preconditions: { uid: ref.uid }, propagationPolicy: policy });
  }

  /** An owner being deleted with `orphan` or `foregroundDeletion`: release or wait for its dependents. */
  private processDeletingOwner(ref: ObjectRef): void {
    const found = this.fetch(ref);
    if (!found || found.obj.metadata.deletionTimestamp === undefined) return;
    const { type, obj } = found;
    const finalizers = obj.metadata.finalizers ?? [];
    const dependents = [...(this.dependents.get(ref.uid)?.values() ?? [])].map((d) => this.fetch(d)).filter((d) => d !== undefined);
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const dep of dependents) {
        const refs = dep.obj.metadata.ownerReferences ?? [];
        this.store.update(dep.type, dep.obj.metadata.namespace, dep.obj.metadata.name ?? '', {
          ...dep.obj,
          metadata: { ...dep.obj.metadata, ownerReferences: refs.filter((o) => o.uid !== ref.uid) },
        });
      }
      this.removeFinalizer(type, obj, ORPHAN_FINALIZER);
      return;
    }
    if (!finalizers.includes(FOREGROUND_DELETION_FINALIZER)) return;
    const blocking = dependents.filter((d) => (d.obj.metadata.ownerReferences ?? []).some((o) => o.uid === ref.uid && o.blockOwnerDeletion === true));
    if (blocking.length === 0) {
      this.removeFinalizer(type, obj, FOREGROUND_DELETION_FINALIZER);
      return;
    }
    for (const dep of blocking) {
      if (dep.obj.metadata.deletionTimestamp === undefined) this.attemptToDelete(this.refOf(groupResourceKey(dep.type), dep.obj));
    }
  }

  private removeFinalizer(type: ResourceType, obj: KubeObject, finalizer: string): void {
    const current = this.store.get(type, obj.metadata.namespace, obj.metadata.name ?? '');
    if (current.metadata.uid !== obj.metadata.uid) return;
    this.store.update(type, current.metadata.namespace, current.metadata.name ?? '', {
      ...current,
      metadata: { ...current.metadata, finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== finalizer) },
    });
  }
}
