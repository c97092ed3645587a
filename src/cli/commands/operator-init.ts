import type { InitRequest, InitResponse } from '../../api/index.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { ExitCode, messageFor } from '../exit.js';
import { ordered, renderStructured, wrapAtLength } from '../output/index.js';

const DEFAULT_SHARES = 5;
const DEFAULT_THRESHOLD = 3;

/** Vault's `machineInit`: what `operator init -format=json` prints. */
export function machineInit(req: InitRequest, resp: InitResponse): Record<string, unknown> {
  const keys = resp.keys ?? [];
  return ordered({
    unseal_keys_b64: [...(resp.keys_base64 ?? [])],
    unseal_keys_hex: [...keys],
    unseal_shares: keys.length === 0 ? 1 : req.secret_shares,
    unseal_threshold: keys.length === 0 ? 1 : req.secret_threshold,
    recovery_keys_b64: [...(resp.recovery_keys_base64 ?? [])],
    recovery_keys_hex: [...(resp.recovery_keys ?? [])],
    recovery_keys_shares: req.recovery_shares ?? 0,
    recovery_keys_threshold: req.recovery_threshold ?? 0,
    root_token: resp.root_token,
  });
}

export const command = defineCommand({
  path: ['operator', 'init'],
  synopsis: 'Initializes a server',
  sets: { format: true },
  flags: [
    {
      name: 'status',
      kind: 'bool',
      usage: 'Print the current initialization status. An exit code of 0 means the server is already initialized. An exit code of 1 means an error occurred. An exit code of 2 means the server is not initialized.',
    },
    {
      name: 'key-shares',
      kind: 'int',
      aliases: ['n'],
      example: 'int',
      usage: 'Number of key shares to split the generated root key into. This is the number of "unseal keys" to generate. The default is 5.',
    },
    {
      name: 'key-threshold',
      kind: 'int',
      aliases: ['t'],
      example: 'int',
      usage: 'Number of key shares required to reconstruct the root key. This must be less than or equal to -key-shares. The default is 3.',
    },
    {
      name: 'recovery-shares',
      kind: 'int',
      example: 'int',
      group: 'Auto Unseal Options',
      usage: 'Number of key shares to split the recovery key into. This is only used in auto-unseal mode.',
    },
    {
      name: 'recovery-threshold',
      kind: 'int',
      example: 'int',
      group: 'Auto Unseal Options',
      usage: 'Number of key shares required to reconstruct the recovery key. This is only used in auto-unseal mode.',
    },
  ],
  help: `
Usage: coffer operator init [options]

  Initializes a server. Initialization is the process by which the storage
  backend is prepared to receive data. Since servers share the same storage
  backend in HA mode, you only need to initialize one server.

  During initialization, the server generates an in-memory root key and
  applies Shamir's secret sharing algorithm to disassemble that root key into a
  configurable number of key shares such that a configurable subset of those
  key shares must come together to regenerate the root key. These keys are
  often called "unseal keys".

  This command cannot be run against an already-initialized server.

  Start initialization with the default options:

      $ coffer operator init

  Initialize with 3 key shares, 2 of which unseal:

      $ coffer operator init -key-shares=3 -key-threshold=2`,

  async run(ctx) {
    expectArgs(ctx, 0);
    const { ui, format, flags } = ctx;
    const client = ctx.client();

    if (flags.bool('status')) {
      let initialized: boolean;
      try {
        initialized = await client.sys.initStatus();
      } catch (err) {
        ui.err(`Error checking init status: ${messageFor(err)}`);
        return ExitCode.LocalError;
      }
      if (format === 'table') ui.out(initialized ? 'Coffer is initialized' : 'Coffer is not initialized');
      else ui.out(renderStructured(format === 'yaml' ? 'yaml' : 'json', ordered({ initialized })));
      return initialized ? ExitCode.Ok : ExitCode.NotInitialized;
    }

    let recoverySeal = false;
    try {
      recoverySeal = (await client.sys.sealStatus()).recovery_seal === true;
    } catch (err) {
      return fail(ctx, '', err);
    }
    const req: InitRequest = {
      secret_shares: flags.int('key-shares'),
      secret_threshold: flags.int('key-threshold'),
      recovery_shares: flags.int('recovery-shares'),
      recovery_threshold: flags.int('recovery-threshold'),
    };
    if (recoverySeal) {
      if (req.recovery_shares === 0) req.recovery_shares = DEFAULT_SHARES;
      if (req.recovery_threshold === 0) req.recovery_threshold = DEFAULT_THRESHOLD;
    } else {
      if (req.secret_shares === 0) req.secret_shares = DEFAULT_SHARES;
      if (req.secret_threshold === 0) req.secret_threshold = DEFAULT_THRESHOLD;
    }

    let resp: InitResponse;
    try {
      resp = await client.sys.init(req);
    } catch (err) {
      return fail(ctx, 'Error initializing', err);
    }

    if (format !== 'table') {
      ui.out(renderStructured(format === 'yaml' ? 'yaml' : 'json', machineInit(req, resp)));
      return ExitCode.Ok;
    }

    const keys = resp.keys ?? [];
    const keysB64 = resp.keys_base64 ?? [];
    keys.forEach((key, i) => ui.out(`Unseal Key ${i + 1}: ${keysB64.length === keys.length ? keysB64[i] : key}`));
    const recovery = resp.recovery_keys ?? [];
    const recoveryB64 = resp.recovery_keys_base64 ?? [];
    recovery.forEach((key, i) => ui.out(`Recovery Key ${i + 1}: ${recoveryB64.length === recovery.length ? recoveryB64[i] : key}`));
    ui.out('');
    ui.out(`Initial Root Token: ${resp.root_token}`);

    if (keys.length > 0) {
      ui.out('');
      ui.out(
        wrapAtLength(
          `Coffer initialized with ${req.secret_shares} key shares and a key threshold of ${req.secret_threshold}. ` +
            'Please securely distribute the key shares printed above. When the server is re-sealed, restarted, ' +
            `or stopped, you must supply at least ${req.secret_threshold} of these keys to unseal it before it can start servicing requests.`,
        ),
      );
      ui.out('');
      ui.out(
        wrapAtLength(
          `Coffer does not store the generated root key. Without at least ${req.secret_threshold} keys to reconstruct the root key, ` +
            'the server will remain permanently sealed!',
        ),
      );
      ui.out('');
      ui.out(
        wrapAtLength(
          'Keep the keys apart: each holder needs only their own share, and any ' +
            `${req.secret_threshold} of them together can unseal the server.`,
        ),
      );
    } else {
      ui.out('');
      ui.out('Success! Coffer is initialized');
    }
    if (recovery.length > 0) {
      ui.out('');
      ui.out(
        wrapAtLength(
          `Recovery key initialized with ${req.recovery_shares ?? 0} key shares and a key threshold of ${req.recovery_threshold ?? 0}. ` +
            'Please securely distribute the key shares printed above.',
        ),
      );
    }
    return ExitCode.Ok;
  },
});
