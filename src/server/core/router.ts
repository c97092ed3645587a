/**
 * Longest-prefix routing of a request path to its mount. Mount paths end in `/`; the
 * lookup walks the request path's `/` boundaries from the longest candidate down, so it
 * costs one map lookup per path segment however many mounts there are.
 */
export interface RouteMatch<T> {
  mountPath: string;
  /** The path below the mount, without a leading slash. */
  relativePath: string;
  value: T;
}

export class MountRouter<T> {
  private readonly mounts = new Map<string, T>();

  set(mountPath: string, value: T): void {
    this.mounts.set(mountPath, value);
  }

  delete(mountPath: string): void {
    this.mounts.delete(mountPath);
  }

  get(mountPath: string): T | undefined {
    return this.mounts.get(mountPath);
  }

  entries(): IterableIterator<[string, T]> {
    return this.mounts.entries();
  }

  clear(): void {
    this.mounts.clear();
  }

  match(path: string): RouteMatch<T> | null {
    // A request for the mount itself ("secret" or "secret/") matches "secret/".
    const withSlash = path.endsWith('/') ? path : `${path}/`;
    let end = withSlash.length;
    while (end > 0) {
      const candidate = withSlash.slice(0, end);
      const value = this.mounts.get(candidate);
      if (value !== undefined) {
        return { mountPath: candidate, relativePath: path.slice(Math.min(candidate.length, path.length)), value };
      }
      // lastIndexOf clamps a negative start to 0, so stop explicitly at the first segment.
      end = end >= 2 ? withSlash.lastIndexOf('/', end - 2) + 1 : 0;
    }
    return null;
  }

  /** The mount that `path` would conflict with: itself, a parent mount, or a child mount. */
  conflict(path: string): string | null {
    for (const existing of this.mounts.keys()) {
      if (path.startsWith(existing) || existing.startsWith(path)) return existing;
    }
    return null;
  }
}
