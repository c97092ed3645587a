/**
 * Server events under KV write load: a dev server in its own process takes KV v2 writes
 * (autocannon, distinct keys) while 0, 1, 10 or 100 WebSocket subscribers (in this process)
 * receive `kv-v2/data-write` events. Reports write throughput with subscribers as a ratio
 * of the same load with none (the ceiling), and events/s delivered in total and per
 * subscriber. The subscribers share this process with autocannon, so the delivered rates
 * are a lower bound for subscribers on their own machines.
 */
import WebSocket from 'ws';
import { failuresOf, fmtInt, fmtMs, formatTable, runLoad, spawnServer, type LoadResult, type ServerChild } from './harness.js';

export interface EventsBenchOptions {
  durationSec: number;
  warmupSec: number;
  connections: number;
  /** Subscriber counts to measure; 0 (the ceiling) is always measured first. */
  subscriberCounts: number[];
  log?: (line: string) => void;
}

export const EVENTS_DEFAULTS: Omit<EventsBenchOptions, 'log'> = {
  durationSec: 6,
  warmupSec: 2,
  connections: 32,
  subscriberCounts: [1, 10, 100],
};

export interface EventsCaseResult extends LoadResult {
  subscribers: number;
  /** Write req/s as a fraction of the no-subscriber ceiling. */
  ratio: number | null;
  eventsDelivered: number;
  /** All subscribers together, over the measured run plus the drain afterwards. */
  eventsPerSec: number;
  /** Delivered events / (writes × subscribers): 1.0 means nobody missed one. */
  deliveredFraction: number | null;
  /** Subscribers the server closed (e.g. 1013 for falling behind). */
  closedByServer: number;
}

export interface EventsBenchReport {
  benchmark: 'events';
  options: Omit<EventsBenchOptions, 'log'>;
  cases: EventsCaseResult[];
  failures: string[];
  table: string;
}

const WRITE_BODY = JSON.stringify({ data: { username: 'bench-app', password: 'c0ffer-b3nch-pa55w0rd-0123456789ab' } });

interface Subscribers {
  received(): number;
  closedByServer(): number;
  close(): void;
}

async function openSubscribers(server: ServerChild, count: number): Promise<Subscribers> {
  const url = `${server.address.replace(/^http/, 'ws')}/v1/sys/events/subscribe/kv-v2/data-write?json=true`;
  let received = 0;
  let closed = 0;
  let closing = false;
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { headers: { 'X-Vault-Token': server.rootToken ?? 'root' } });
          ws.on('message', () => {
            received++;
          });
          ws.on('close', () => {
            if (!closing) closed++;
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  return {
    received: () => received,
    closedByServer: () => closed,
    close: () => {
      closing = true;
      for (const ws of sockets) ws.terminate();
    },
  };
}

/** Waits until no event arrived for `quietMs`. */
async function drain(subs: Subscribers, quietMs = 300): Promise<void> {
  let last = -1;
  while (subs.received() !== last) {
    last = subs.received();
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

export async function runEventsBench(options: EventsBenchOptions): Promise<EventsBenchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const server = await spawnServer('dev');
  const cases: EventsCaseResult[] = [];
  try {
    let round = 0;
    const load = (name: string, warmupSec: number) => {
      const prefix = `/v1/secret/data/bench/events/r${round++}/k`;
      return runLoad({
        name,
        address: server.address,
        server,
        method: 'POST',
        headers: { 'x-vault-token': server.rootToken ?? 'root', 'content-type': 'application/json' },
        body: WRITE_BODY,
        path: (n) => `${prefix}${n % 10_000}`,
        connections: options.connections,
        durationSec: options.durationSec,
        warmupSec,
      });
    };
    // One warm-up for the whole run, so every measured case starts from the same state.
    log(`  warm-up: ${options.warmupSec}s of writes ...`);
    if (options.warmupSec > 0) await load('warm-up', options.warmupSec);
    for (const count of [0, ...options.subscriberCounts.filter((c) => c > 0)]) {
      const subs = await openSubscribers(server, count);
      log(`  ${count} subscriber(s): ${options.durationSec}s of writes, ${options.connections} connections ...`);
      const started = process.hrtime.bigint();
      const r = await load(`${count} subscribers`, 0);
      await drain(subs);
      const elapsedSec = Number(process.hrtime.bigint() - started) / 1e9;
      const delivered = subs.received();
      const closedByServer = subs.closedByServer();
      subs.close();
      const writes = r.statusCodes['200'] ?? r.requests;
      const ceiling = cases[0];
      cases.push({
        ...r,
        subscribers: count,
        ratio: ceiling ? r.rps / ceiling.rps : null,
        eventsDelivered: delivered,
        eventsPerSec: delivered / elapsedSec,
        deliveredFraction: count > 0 && writes > 0 ? delivered / (writes * count) : null,
        closedByServer,
      });
      log(
        `    ${fmtInt(r.rps)} writes/s, p99 ${fmtMs(r.latencyMs.p99)} ms, ${fmtInt(delivered / elapsedSec)} events/s delivered, ${closedByServer} closed by server`,
      );
    }
  } finally {
    await server.stop();
  }
  const failures = cases.filter((c) => failuresOf(c) > 0).map((c) => `${c.name}: ${failuresOf(c)} failed requests`);
  const table = formatTable(
    ['subscribers', 'writes/s', 'vs ceiling', 'p99 ms', 'events/s delivered', 'per subscriber/s', 'delivered', 'closed by server'],
    cases.map((c) => [
      String(c.subscribers),
      fmtInt(c.rps),
      c.ratio === null ? 'ceiling' : `${(c.ratio * 100).toFixed(0)}%`,
      fmtMs(c.latencyMs.p99),
      fmtInt(c.eventsPerSec),
      c.subscribers > 0 ? fmtInt(c.eventsPerSec / c.subscribers) : '-',
      c.deliveredFraction === null ? '-' : `${(c.deliveredFraction * 100).toFixed(1)}%`,
      String(c.closedByServer),
    ]),
    [false, true, true, true, true, true, true, true],
  );
  const { log: _log, ...settings } = options;
  return { benchmark: 'events', options: settings, cases, failures, table };
}
