import type { RunningServer, StartServerOptions } from '../../server/index.js';
import { defineCommand, expectArgs } from '../command.js';
import type { Ui } from '../context.js';
import { ExitCode, UsageError, messageFor } from '../exit.js';
import { storeToken } from '../token-file.js';
import { versionString } from '../version-info.js';

/** The banner Vault prints at start-up (configuration, then the dev-mode warning). */
export function printBanner(ui: Ui, server: RunningServer, info: { dev: boolean; logLevel: string; storedTokenFile?: string }): void {
  ui.out('==> Coffer server configuration:');
  ui.out('');
  const fields: Record<string, string> = { 'Api Address': server.address, 'Log Level': info.logLevel, Version: versionString() };
  if (info.dev) fields['Storage'] = 'inmem';
  // As Vault: keys sorted and right-aligned to 24 columns.
  for (const key of Object.keys(fields).sort()) ui.out(`${key.padStart(24)}: ${fields[key] ?? ''}`);
  ui.out('');
  ui.out('==> Coffer server started! Log data will stream in below:');
  ui.out('');
  if (!info.dev) return;

  ui.out('WARNING! dev mode is enabled! In this mode, Coffer runs entirely in-memory');
  ui.out('and starts unsealed with a single unseal key.' + (info.storedTokenFile !== undefined ? ' The root token is already' : ''));
  if (info.storedTokenFile !== undefined) ui.out('authenticated to the CLI, so you can immediately begin using Coffer.');
  ui.out('');
  ui.out('You may need to set the following environment variables:');
  ui.out('');
  ui.out(`    $ export VAULT_ADDR='${server.address}'`);
  ui.out('');
  if (server.unsealKey !== undefined || server.rootToken !== undefined) {
    ui.out('The unseal key and root token are displayed below in case you want to');
    ui.out('seal/unseal the server or re-authenticate.');
    ui.out('');
    if (server.unsealKey !== undefined) ui.out(`Unseal Key: ${server.unsealKey}`);
    if (server.rootToken !== undefined) ui.out(`Root Token: ${server.rootToken}`);
    ui.out('');
  }
  ui.out('Development mode should NOT be used in production installations!');
  ui.out('');
}

export const command = defineCommand({
  path: ['server'],
  synopsis: 'Start a Coffer server',
  sets: { http: false },
  flags: [
    {
      name: 'config',
      kind: 'list',
      example: 'string',
      usage: 'Path to a configuration file (HCL or JSON).',
    },
    {
      name: 'log-level',
      kind: 'string',
      example: 'string',
      env: ['COFFER_LOG_LEVEL', 'VAULT_LOG_LEVEL'],
      usage: 'Log verbosity level. Supported values (in order of detail) are "trace", "debug", "info", "warn", and "error". This can also be specified via the VAULT_LOG_LEVEL environment variable.',
    },
    {
      name: 'dev',
      kind: 'bool',
      group: 'Dev Options',
      usage: 'Enable development mode. In this mode, Coffer runs in-memory and starts unsealed. As the name implies, do not run "dev" mode in production.',
    },
    {
      name: 'dev-root-token-id',
      kind: 'string',
      example: 'string',
      group: 'Dev Options',
      env: ['COFFER_DEV_ROOT_TOKEN_ID', 'VAULT_DEV_ROOT_TOKEN_ID'],
      usage: 'Initial root token. This only applies when running in "dev" mode. This can also be specified via the VAULT_DEV_ROOT_TOKEN_ID environment variable.',
    },
    {
      name: 'dev-listen-address',
      kind: 'string',
      example: 'string',
      group: 'Dev Options',
      env: ['COFFER_DEV_LISTEN_ADDRESS', 'VAULT_DEV_LISTEN_ADDRESS'],
      usage: 'Address to bind to in "dev" mode. This can also be specified via the VAULT_DEV_LISTEN_ADDRESS environment variable. The default is 127.0.0.1:8200.',
    },
    {
      name: 'dev-kv-v1',
      kind: 'bool',
      group: 'Dev Options',
      usage: 'Mount the secret/ path as KV version 1 instead of version 2 (implies -dev).',
    },
    {
      name: 'dev-no-store-token',
      kind: 'bool',
      group: 'Dev Options',
      usage: 'Do not persist the dev root token to the token helper (~/.vault-token).',
    },
  ],
  help: `
Usage: coffer server [options]

  This command starts a Coffer server that responds to API requests. By
  default, Coffer will start in a "sealed" state. The server must be unsealed
  with "coffer operator unseal" or the API before it can respond to requests.

  Start a server with a configuration file:

      $ coffer server -config=/etc/coffer/config.hcl

  Run in "dev" mode:

      $ coffer server -dev -dev-root-token-id="root"`,

  async run(ctx) {
    expectArgs(ctx, 0);
    const { ui, flags, io } = ctx;
    const dev = flags.bool('dev') || flags.bool('dev-kv-v1');
    const configs = flags.list('config');
    if (configs.length === 0 && !dev) throw new UsageError('Must specify at least one config path using -config');
    if (configs.length > 1) throw new UsageError('Only one -config path is supported');

    // Unset means "the config file's log_level, else info" — decided by the server.
    const logLevel = flags.string('log-level');
    const options: StartServerOptions = logLevel === '' ? {} : { logLevel };
    if (dev) {
      const devOptions: NonNullable<StartServerOptions['dev']> = {};
      const rootTokenId = flags.string('dev-root-token-id');
      if (rootTokenId !== '') devOptions.rootTokenId = rootTokenId;
      const listen = flags.string('dev-listen-address');
      if (listen !== '') devOptions.listenAddress = listen;
      if (flags.bool('dev-kv-v1')) devOptions.kvV1 = true;
      options.dev = devOptions;
    }
    const configPath = configs[0];
    if (configPath !== undefined) options.configPath = configPath;

    let server: RunningServer;
    try {
      const mod = await io.loadServer();
      server = await mod.startServer(options);
    } catch (err) {
      ui.err(`Error starting the server: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }

    let storedTokenFile: string | undefined;
    if (dev && server.rootToken !== undefined && !flags.bool('dev-no-store-token')) {
      try {
        storedTokenFile = storeToken(server.rootToken, io.env);
      } catch (err) {
        ui.err(`WARNING: could not store the root token in the token helper: ${messageFor(err)}`);
      }
    }
    printBanner(ui, server, { dev, logLevel: server.logLevel, ...(storedTokenFile === undefined ? {} : { storedTokenFile }) });

    return new Promise<number>((resolve) => {
      let stopping = false;
      const onSignal = (): void => {
        if (stopping) {
          // A second signal: give up waiting for a clean shutdown.
          cleanup();
          resolve(ExitCode.LocalError);
          return;
        }
        stopping = true;
        ui.out('==> Coffer shutdown triggered');
        server.close().then(
          () => {
            cleanup();
            resolve(ExitCode.Ok);
          },
          (err: unknown) => {
            ui.err(`Error during shutdown: ${messageFor(err)}`);
            cleanup();
            resolve(ExitCode.LocalError);
          },
        );
      };
      // SIGHUP reopens audit files (log rotation), as Vault does, instead of killing the server.
      const onReload = (): void => {
        server.reload().then(
          () => ui.out('==> Coffer reload triggered: audit devices reopened'),
          (err: unknown) => ui.err(`Error reloading: ${messageFor(err)}`),
        );
      };
      const cleanup = (): void => {
        io.signals.off('SIGINT', onSignal);
        io.signals.off('SIGTERM', onSignal);
        io.signals.off('SIGHUP', onReload);
      };
      io.signals.on('SIGINT', onSignal);
      io.signals.on('SIGTERM', onSignal);
      io.signals.on('SIGHUP', onReload);
    });
  },
});
