/**
 * `runOperator`: the manager around the controllers (controller-runtime's `Manager`). It serves
 * probes and metrics, optionally campaigns for a Lease, and while leading (or always, without
 * leader election) runs every controller with a fresh `OperatorContext`: informers, queues and
 * workers belong to one leadership term and end with it. Shutdown stops the controllers, then
 * releases the Lease so a standby takes over at once, then closes the listeners.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../../shared/logger.js';
import { KubeEventRecorder } from './events.js';
import { startProbeServers } from './http.js';
import { InformerFactory } from './informer.js';
import { createKubeClient, type RuntimeKubeClient } from './kube-client.js';
import { loadKubeConfig } from './kubeconfig.js';
import { LeaderElector } from './leader-election.js';
import { RuntimeMetrics } from './metrics.js';
import type { OperatorContext, OperatorController, WorkQueue } from './types.js';
import { createWorkQueue } from './work-queue.js';
import { runWorkers } from './workers.js';

export interface RunOperatorOptions {
  /** A kubeconfig path (`--kubeconfig`) or a loaded config; omitted = KUBECONFIG, ~/.kube/config, in-cluster. */
  kubeconfig?: string | KubeConfig;
  /** `--namespace`: watch only this namespace. */
  namespace?: string;
  /** `--concurrent`: workers per controller. */
  concurrent: number;
  /** `--metrics-addr` (ESO default `:8080`; `0` disables). */
  metricsAddr: string;
  /** `--live-addr` (ESO default `:8082`; `0` disables). */
  liveAddr: string;
  /** `--enable-leader-election`. */
  leaderElection: boolean;
  /** `--leader-election-id`: the Lease's name. */
  leaderElectionId: string;
  /** Where the Lease lives; default the operator's own namespace (in-cluster or the context's), else `default`. */
  leaderElectionNamespace?: string;
  controllers: readonly OperatorController[];
  logger: Logger;
  /** Aborting it shuts the operator down gracefully. */
  signal?: AbortSignal;
  /** Leader-election identity; default `<hostname>_<uuid>`. */
  identity?: string;
  /** Lease timings (tests); default 15 s / 10 s / 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** `source.component` of Events; default `coffer-operator`. */
  component?: string;
  /** A registry to serve (default: a new one with Node's process metrics). */
  registry?: Registry;
}

export interface RunningOperator {
  readonly identity: string;
  /** `http://host:port` of the listeners (undefined when disabled). */
  readonly metricsUrl: string | undefined;
  readonly liveUrl: string | undefined;
  readonly client: RuntimeKubeClient;
  readonly metrics: Registry;
  isLeader(): boolean;
  /** What `/readyz` answers. */
  ready(): boolean;
  /** Graceful shutdown (idempotent). */
  stop(): Promise<void>;
  /** Settles once stopped; rejects when a controller could not start. */
  readonly done: Promise<void>;
}

interface Term {
  factory: InformerFactory;
  queues: WorkQueue[];
  started: OperatorController[];
  running: boolean;
  events: KubeEventRecorder;
}

export async function runOperator(options: RunOperatorOptions): Promise<RunningOperator> {
  const logger = options.logger;
  let kc: KubeConfig;
  let ownNamespace: string | undefined;
  if (options.kubeconfig instanceof KubeConfig) {
    kc = options.kubeconfig;
    ownNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
  } else {
    const loaded = loadKubeConfig(options.kubeconfig !== undefined ? { path: options.kubeconfig } : {});
    kc = loaded.kc;
    ownNamespace = loaded.namespace;
  }
  const client = createKubeClient(kc);
  const registry = options.registry ?? new Registry();
  if (options.registry === undefined) collectDefaultMetrics({ register: registry });
  const metrics = new RuntimeMetrics(registry);
  const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
  const component = options.component ?? 'coffer-operator';
  const concurrency = Math.max(1, Math.floor(options.concurrent));
  const namespace = options.namespace !== undefined && options.namespace !== '' ? options.namespace : undefined;

  let term: Term | undefined;
  let elector: LeaderElector | undefined;
  let stopped = false;
  let failure: unknown;
  let resolveDone: () => void = () => undefined;
  let rejectDone: (err: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // A caller that never awaits `done` must not see an unhandled rejection.
  done.catch(() => undefined);

  const stopTerm = async (): Promise<void> => {
    const current = term;
    term = undefined;
    if (current === undefined) return;
    current.running = false;
    for (const controller of [...current.started].reverse()) {
      try {
        await controller.stop();
      } catch (err) {
        logger.error({ controller: controller.name, err: err instanceof Error ? err.message : String(err) }, 'controller did not stop cleanly');
      }
    }
    // Whatever a controller left running ends with the term.
    for (const q of current.queues) q.shutDown();
    current.factory.stopAll();
    await current.events.flush();
  };

  const startTerm = async (): Promise<void> => {
    const current: Term = {
      factory: new InformerFactory(client, { logger }),
      queues: [],
      started: [],
      running: false,
      events: new KubeEventRecorder(client, { component, host: hostname(), logger }),
    };
    term = current;
    const ctx: OperatorContext = {
      client,
      informer: (res, opts) => current.factory.informer(res, opts),
      newQueue: (name) => {
        const q = createWorkQueue({ metrics: metrics.queue(name) });
        current.queues.push(q);
        return q;
      },
      runWorkers: (name, queue, reconciler, n) => runWorkers(name, queue, reconciler, n, { metrics, logger }),
      events: current.events,
      metrics: registry,
      logger,
      namespace,
      concurrency,
    };
    for (const controller of options.controllers) {
      if (term !== current) return;
      try {
        await controller.start(ctx);
        current.started.push(controller);
        logger.info({ controller: controller.name }, 'controller started');
      } catch (err) {
        logger.error({ controller: controller.name, err: err instanceof Error ? err.message : String(err) }, 'controller failed to start');
        throw err;
      }
    }
    current.running = true;
  };

  const servers = await startProbeServers({
    metricsAddr: options.metricsAddr,
    liveAddr: options.liveAddr,
    registry,
    healthy: () => !stopped,
    ready: () => {
      if (stopped) return false;
      if (elector !== undefined && !elector.isLeader()) return true;
      return term !== undefined && term.running && term.factory.allSynced();
    },
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopped = true;
      logger.info('stopping operator');
      if (elector !== undefined) await elector.stop();
      await stopTerm();
      await servers.close();
      client.close();
      metrics.leader.set({ name: options.leaderElectionId }, 0);
      if (failure !== undefined) rejectDone(failure);
      else resolveDone();
    })();
    return stopping;
  };

  const fatal = (err: unknown): void => {
    failure ??= err;
    void stop();
  };

  if (options.leaderElection) {
    const leaseNamespace = options.leaderElectionNamespace || ownNamespace || 'default';
    elector = new LeaderElector({
      client,
      namespace: leaseNamespace,
      name: options.leaderElectionId,
      identity,
      ...(options.leaseDurationMs !== undefined ? { leaseDurationMs: options.leaseDurationMs } : {}),
      ...(options.renewDeadlineMs !== undefined ? { renewDeadlineMs: options.renewDeadlineMs } : {}),
      ...(options.retryPeriodMs !== undefined ? { retryPeriodMs: options.retryPeriodMs } : {}),
      logger,
      onStartedLeading: async () => {
        metrics.leader.set({ name: options.leaderElectionId }, 1);
        // A controller that cannot start is fatal, as in controller-runtime: stop, let a standby try.
        await startTerm().catch(fatal);
      },
      onStoppedLeading: async () => {
        metrics.leader.set({ name: options.leaderElectionId }, 0);
        await stopTerm();
      },
      onNewLeader: (holder) => {
        if (holder !== identity) logger.info({ leader: holder }, 'new leader elected');
      },
    });
    metrics.leader.set({ name: options.leaderElectionId }, 0);
    logger.info({ lease: `${leaseNamespace}/${options.leaderElectionId}`, identity }, 'attempting to acquire leader lease');
    elector.start();
  } else {
    try {
      await startTerm();
    } catch (err) {
      failure = err;
      await stop();
      throw err;
    }
  }

  if (options.signal !== undefined) {
    if (options.signal.aborted) void stop();
    else options.signal.addEventListener('abort', () => void stop(), { once: true });
  }

  return {
    identity,
    metricsUrl: servers.metricsUrl,
    liveUrl: servers.liveUrl,
    client,
    metrics: registry,
    isLeader: () => (elector === undefined ? !stopped : elector.isLeader()),
    ready: () => !stopped && (elector !== undefined && !elector.isLeader() ? true : term !== undefined && term.running && term.factory.allSynced()),
    stop,
    done,
  };
}
