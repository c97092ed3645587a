/**
 * `coffer operator run`: the Kubernetes operator (controllers for SealedSecrets, and later
 * ESO-compatible ExternalSecrets), with External Secrets Operator's flags and defaults. It is
 * `operator run` because `coffer operator init|unseal|seal|…` are Vault's server-operator verbs.
 * The runtime and controllers are imported when the command runs, so other commands never load
 * the Kubernetes client.
 */
import { defineCommand, expectArgs } from '../command.js';
import { ExitCode, UsageError, messageFor } from '../exit.js';
import { createLogger } from '../../shared/logger.js';
import { parseKeyCutoffTime } from '../../gitops/sealed/index.js';
import { RELOADER_FLAGS, type ReloaderOptions } from '../../operator/controllers/reloader/options.js';

/** ESO's `--loglevel` values (zap's) mapped onto pino's. */
const LOG_LEVELS: Readonly<Record<string, string>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  dpanic: 'error',
  panic: 'fatal',
  fatal: 'fatal',
};

const ADDRESS_RE = /^(?:\[[^\]]+\]|[^:]*):\d{1,5}$/;

function checkAddress(flag: string, value: string): void {
  if (value === '0' || value === '') return;
  const port = Number(value.slice(value.lastIndexOf(':') + 1));
  if (!ADDRESS_RE.test(value) || port > 65535) throw new UsageError(`invalid value "${value}" for flag -${flag}: expected host:port, e.g. ":8080", or 0 to disable`);
}

/** Reloader's flags as `ReloaderOptions` (lists are comma-separated, as Reloader's StringSlice). */
function reloaderOptionsFrom(flags: { bool(name: string): boolean; string(name: string): string }): ReloaderOptions {
  const options: Record<string, unknown> = {};
  for (const f of RELOADER_FLAGS) {
    if (f.type === 'boolean') options[f.option] = flags.bool(f.flag);
    else if (f.type === 'list') {
      const items = flags
        .string(f.flag)
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      if (items.length > 0) options[f.option] = items;
    } else {
      const value = flags.string(f.flag);
      if (value !== '') options[f.option] = value;
    }
  }
  return options as ReloaderOptions;
}

export const command = defineCommand({
  path: ['operator', 'run'],
  synopsis: 'Run the Kubernetes operator (SealedSecret controller)',
  sets: { http: false },
  flags: [
    { name: 'kubeconfig', kind: 'string', example: 'path', usage: 'Path to a kubeconfig file. Without it: the KUBECONFIG environment variable, then ~/.kube/config, then the in-cluster ServiceAccount.' },
    { name: 'namespace', kind: 'string', example: 'string', usage: 'Watch objects in this namespace only (all namespaces when empty).' },
    { name: 'concurrent', kind: 'int', example: 'int', default: 1, usage: 'The number of concurrent reconciles per controller.' },
    { name: 'metrics-addr', kind: 'string', example: 'address', default: ':8080', usage: 'The address the Prometheus /metrics endpoint binds to; 0 disables it.' },
    { name: 'live-addr', kind: 'string', example: 'address', default: ':8082', usage: 'The address the /healthz and /readyz endpoints bind to; 0 disables them.' },
    { name: 'enable-leader-election', kind: 'bool', usage: 'Enable leader election on a coordination.k8s.io Lease, so that only one of several replicas reconciles.' },
    { name: 'leader-election-id', kind: 'string', example: 'string', default: 'coffer-operator', usage: 'The name of the Lease used for leader election. Set it to a unique value when running several deployments in the same namespace.' },
    { name: 'leader-election-namespace', kind: 'string', example: 'string', usage: "The namespace of the Lease; default the operator's own namespace (in-cluster), else the kubeconfig context's, else default." },
    { name: 'controller-class', kind: 'string', example: 'string', default: 'default', usage: 'The controller class: stores naming another class (spec.controller) are left to another operator.' },
    { name: 'loglevel', kind: 'string', example: 'level', default: 'info', aliases: ['zap-log-level'], usage: 'Log level: debug, info, warn, error, dpanic, panic or fatal.' },
    { name: 'sealed-secrets', kind: 'bool', usage: 'Run the Bitnami-compatible SealedSecret controller (and its kubeseal HTTP API).' },
    { name: 'external-secrets', kind: 'bool', usage: 'Run the ESO-compatible controllers: ExternalSecret, SecretStore, ClusterSecretStore, ClusterExternalSecret and PushSecret.' },
    { name: 'enable-cluster-external-secret-reconciler', kind: 'bool', default: true, usage: 'With -external-secrets: run the ClusterExternalSecret controller (ESO flag).' },
    { name: 'enable-push-secret-reconciler', kind: 'bool', default: true, usage: 'With -external-secrets: run the PushSecret controller (ESO flag).' },
    { name: 'reloader', kind: 'bool', usage: "Run the Stakater-Reloader-compatible controller: roll annotated Deployments, StatefulSets and DaemonSets when their Secrets or ConfigMaps change. Takes Reloader's flags below." },
    ...RELOADER_FLAGS.map((f) => ({
      name: f.flag,
      kind: f.type === 'boolean' ? ('bool' as const) : ('string' as const),
      ...(f.type === 'list' ? { example: 'a,b' } : f.type === 'string' ? { example: 'string' } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}),
      usage: `With -reloader: ${f.description}${f.type === 'list' ? ' (comma-separated)' : ''}.`,
    })),
    { name: 'sealed-secrets-listen-addr', kind: 'string', example: 'address', default: ':8081', usage: "The SealedSecret controller's HTTP API (/v1/cert.pem, /v1/verify, /v1/rotate); its Service maps port 8080 here, as kubeseal expects." },
    { name: 'key-renew-period', kind: 'duration', example: 'duration', default: 30 * 24 * 3600, usage: 'How often a new sealing key is generated (old keys are kept for decryption); 0 disables renewal. Default 720h.' },
    { name: 'key-cutoff-time', kind: 'string', example: 'RFC1123 time', usage: 'Generate a new sealing key at start if the newest one was created before this time, e.g. "Mon, 02 Jan 2006 15:04:05 MST".' },
    { name: 'key-prefix', kind: 'string', example: 'string', default: 'sealed-secrets-key', usage: 'Name prefix of the sealing key Secrets.' },
    { name: 'update-status', kind: 'bool', default: true, usage: 'Write the Synced condition to SealedSecret status.' },
  ],
  help: `
Usage: coffer operator run [options]

  Runs the Coffer Kubernetes operator: it watches custom resources and keeps
  the Secrets they describe in step. Choose the controllers with flags.

  Run the SealedSecret controller against the current kubeconfig context:

      $ coffer operator run -sealed-secrets

  Run it in a cluster with two replicas, one of them active:

      $ coffer operator run -sealed-secrets -enable-leader-election

  Probes are served on -live-addr (/healthz, /readyz) and Prometheus metrics
  on -metrics-addr (/metrics). SIGINT or SIGTERM shut it down gracefully.`,

  async run(ctx) {
    expectArgs(ctx, 0);
    const { ui, flags, io } = ctx;
    const concurrent = flags.int('concurrent');
    if (concurrent < 1) throw new UsageError(`invalid value "${concurrent}" for flag -concurrent: must be at least 1`);
    const metricsAddr = flags.string('metrics-addr');
    const liveAddr = flags.string('live-addr');
    checkAddress('metrics-addr', metricsAddr);
    checkAddress('live-addr', liveAddr);
    const levelName = flags.string('loglevel').toLowerCase();
    const level = LOG_LEVELS[levelName];
    if (level === undefined) throw new UsageError(`invalid value "${levelName}" for flag -loglevel: expected one of ${Object.keys(LOG_LEVELS).join(', ')}`);
    const leaderElectionId = flags.string('leader-election-id');
    if (leaderElectionId === '') throw new UsageError('flag -leader-election-id must not be empty');
    if (!flags.bool('sealed-secrets') && !flags.bool('external-secrets') && !flags.bool('reloader')) {
      throw new UsageError('no controller enabled: pass -sealed-secrets, -external-secrets and/or -reloader');
    }
    const namespace = flags.string('namespace');
    const controllerClass = flags.string('controller-class');

    const runtime = await import('../../operator/runtime/index.js');
    let loaded: ReturnType<typeof runtime.loadKubeConfig>;
    try {
      const path = flags.string('kubeconfig');
      loaded = runtime.loadKubeConfig({ ...(path !== '' ? { path } : {}), env: io.env });
    } catch (err) {
      ui.err(`Error loading the Kubernetes configuration: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }
    const logger = createLogger({ level, name: 'coffer-operator' });
    const ownNamespace = flags.string('leader-election-namespace') || loaded.namespace;

    const controllers: import('../../operator/runtime/index.js').OperatorController[] = [];
    if (flags.bool('sealed-secrets')) {
      const sealed = await import('../../operator/controllers/sealedsecret/index.js');
      // Keys live in the operator's namespace; kubeseal looks in kube-system by default.
      const cutoff = flags.string('key-cutoff-time');
      let keyCutoffTime: Date | undefined;
      try {
        keyCutoffTime = cutoff === '' ? undefined : parseKeyCutoffTime(cutoff);
      } catch (err) {
        throw new UsageError(`invalid value for flag -key-cutoff-time: ${messageFor(err)}`);
      }
      const listenAddr = flags.string('sealed-secrets-listen-addr');
      checkAddress('sealed-secrets-listen-addr', listenAddr);
      controllers.push(
        sealed.createSealedSecretsController({
          keyNamespace: ownNamespace ?? 'kube-system',
          keyRenewPeriodMs: flags.duration('key-renew-period') * 1000,
          keyPrefix: flags.string('key-prefix'),
          listenAddr,
          updateStatus: flags.bool('update-status'),
          ...(keyCutoffTime !== undefined ? { keyCutoffTime } : {}),
        }),
      );
    }

    if (flags.bool('external-secrets')) {
      const eso = await import('../../operator/controllers/externalsecret/index.js');
      controllers.push(
        ...eso.createExternalSecretsControllers({
          controllerClass,
          clusterExternalSecrets: flags.bool('enable-cluster-external-secret-reconciler'),
          pushSecrets: flags.bool('enable-push-secret-reconciler'),
        }),
      );
    }

    if (flags.bool('reloader')) {
      const reloader = await import('../../operator/controllers/reloader/index.js');
      try {
        controllers.push(reloader.createReloaderController(reloaderOptionsFrom(flags)));
      } catch (err) {
        throw new UsageError(messageFor(err));
      }
    }

    const abort = new AbortController();
    let signalled = 0;
    let forceExit: (code: number) => void = () => undefined;
    const forced = new Promise<number>((resolve) => (forceExit = resolve));
    const onSignal = (): void => {
      signalled++;
      if (signalled === 1) {
        ui.out('==> Coffer operator shutdown triggered');
        abort.abort();
      } else {
        // A second signal: stop waiting for a clean shutdown.
        forceExit(ExitCode.LocalError);
      }
    };
    io.signals.on('SIGINT', onSignal);
    io.signals.on('SIGTERM', onSignal);
    const cleanup = (): void => {
      io.signals.off('SIGINT', onSignal);
      io.signals.off('SIGTERM', onSignal);
    };

    let operator: Awaited<ReturnType<typeof runtime.runOperator>>;
    try {
      operator = await runtime.runOperator({
        kubeconfig: loaded.kc,
        ...(namespace !== '' ? { namespace } : {}),
        concurrent,
        metricsAddr,
        liveAddr,
        leaderElection: flags.bool('enable-leader-election'),
        leaderElectionId,
        ...(ownNamespace !== undefined ? { leaderElectionNamespace: ownNamespace } : {}),
        controllers,
        logger,
        signal: abort.signal,
      });
    } catch (err) {
      cleanup();
      ui.err(`Error starting the operator: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }
    ui.out('==> Coffer operator started');
    const fields: Record<string, string> = {
      Controllers: controllers.map((c) => c.name).join(', '),
      'Controller Class': controllerClass,
      Namespace: namespace === '' ? '(all)' : namespace,
      'Leader Election': flags.bool('enable-leader-election') ? `${ownNamespace ?? 'default'}/${leaderElectionId}` : 'disabled',
      Metrics: operator.metricsUrl ?? 'disabled',
      Probes: operator.liveUrl ?? 'disabled',
    };
    for (const key of Object.keys(fields).sort()) ui.out(`${key.padStart(24)}: ${fields[key] ?? ''}`);

    const outcome = await Promise.race([
      operator.done.then(
        () => ExitCode.Ok,
        (err: unknown) => {
          ui.err(`Error running the operator: ${messageFor(err)}`);
          return ExitCode.LocalError;
        },
      ),
      forced,
    ]);
    cleanup();
    return outcome;
  },
});
