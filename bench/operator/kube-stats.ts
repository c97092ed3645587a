/**
 * Counts the Kubernetes API requests the test server served, by verb and resource, from its
 * recorded requests. The recorded list keeps every body, so finished records are drained
 * into counters once a second (a 10,000-object run would otherwise hold hundreds of MB).
 */
import type { KubeTestServer, RecordedRequest } from '../../test/support/kube/index.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'update-status' | 'patch' | 'delete' | 'other';

const READS: ReadonlySet<Verb> = new Set(['get', 'list']);
const WRITES: ReadonlySet<Verb> = new Set(['create', 'update', 'update-status', 'patch', 'delete']);

/** `verb resource` → count. */
export type RequestCounts = Map<string, number>;

/** The verb and plural resource of a recorded request (`/api/v1/...` or `/apis/<g>/<v>/...`). */
export function classify(record: Pick<RecordedRequest, 'method' | 'path' | 'query'>): { verb: Verb; resource: string } {
  const segments = record.path.split('/').filter((s) => s !== '');
  let rest = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : [];
  let watch = record.query['watch'] === 'true' || record.query['watch'] === '1';
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  // `namespaces/<ns>/<resource>/...`, except the namespaces resource itself.
  const [resource, name, sub] = rest[0] === 'namespaces' && rest.length >= 3 ? [rest[2], rest[3], rest[4]] : [rest[0], rest[1], rest[2]];
  const res = resource ?? '(none)';
  switch (record.method) {
    case 'GET':
      return { verb: watch ? 'watch' : name === undefined ? 'list' : 'get', resource: res };
    case 'POST':
      return { verb: 'create', resource: res };
    case 'PUT':
      return { verb: sub === 'status' ? 'update-status' : 'update', resource: res };
    case 'PATCH':
      return { verb: 'patch', resource: res };
    case 'DELETE':
      return { verb: 'delete', resource: res };
    default:
      return { verb: 'other', resource: res };
  }
}

export interface RequestTotals {
  total: number;
  reads: number;
  writes: number;
  watches: number;
  /** Answers outside 2xx (404 on a GET of a missing Secret is normal: the first sync looks first). */
  non2xx: number;
}

export function totalsOf(counts: RequestCounts, non2xx: number): RequestTotals {
  let total = 0;
  let reads = 0;
  let writes = 0;
  let watches = 0;
  for (const [key, n] of counts) {
    const verb = key.slice(0, key.indexOf(' ')) as Verb;
    total += n;
    if (READS.has(verb)) reads += n;
    else if (WRITES.has(verb)) writes += n;
    else if (verb === 'watch') watches += n;
  }
  return { total, reads, writes, watches, non2xx };
}

/** Live counters over a test server's requests; `snapshot()` / `since()` give per-phase figures. */
export class KubeRequestCounter {
  private readonly counts: RequestCounts = new Map();
  private non2xx = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly kube: KubeTestServer) {
    this.timer = setInterval(() => this.drain(), 1000);
    this.timer.unref();
  }

  /** Folds every finished record into the counters and drops it from the server's list. */
  drain(): void {
    const records = this.kube.requests;
    let n = 0;
    // Records are pushed on arrival and completed later; keep the first unfinished one and after.
    while (n < records.length && (records[n]?.status ?? 0) !== 0) n++;
    for (let i = 0; i < n; i++) {
      const r = records[i] as RecordedRequest;
      const { verb, resource } = classify(r);
      const key = `${verb} ${resource}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      if (r.status < 200 || r.status > 299) this.non2xx++;
    }
    records.splice(0, n);
  }

  snapshot(): { counts: RequestCounts; non2xx: number } {
    this.drain();
    return { counts: new Map(this.counts), non2xx: this.non2xx };
  }

  /** What was counted after `before` was taken. */
  since(before: { counts: RequestCounts; non2xx: number }): { counts: RequestCounts; totals: RequestTotals } {
    const now = this.snapshot();
    const diff: RequestCounts = new Map();
    for (const [k, v] of now.counts) {
      const d = v - (before.counts.get(k) ?? 0);
      if (d > 0) diff.set(k, d);
    }
    return { counts: diff, totals: totalsOf(diff, now.non2xx - before.non2xx) };
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** `get externalsecrets 1.00, create secrets 1.00, …` per object, biggest first. */
export function perObjectBreakdown(counts: RequestCounts, objects: number, top = 12): string {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${k} ${(v / objects).toFixed(2)}`)
    .join(', ');
}
