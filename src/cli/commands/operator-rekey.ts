import type { RekeyStatusResponse, RekeyUpdateResponse, RekeyVerificationStatusResponse } from '../../api/index.js';
import { defineCommand, expectArgs, fail, type CommandContext } from '../command.js';
import { ExitCode } from '../exit.js';
import { readKeyShare } from '../key-share-input.js';
import { ordered, renderStructured, tableOutput, wrapAtLength } from '../output/index.js';

/** Go's `api.RekeyStatusResponse` as `-format=json` prints it. */
export function rekeyStatusJson(status: RekeyStatusResponse): Record<string, unknown> {
  const out: Record<string, unknown> = {
    nonce: status.nonce ?? '',
    started: status.started === true,
    t: status.t ?? 0,
    n: status.n ?? 0,
    progress: status.progress ?? 0,
    required: status.required ?? 0,
    pgp_fingerprints: status.pgp_fingerprints ?? null,
    backup: status.backup === true,
    verification_required: status.verification_required === true,
  };
  if ((status.verification_nonce ?? '') !== '') out['verification_nonce'] = status.verification_nonce;
  return ordered(out);
}

/** Go's `api.RekeyVerificationStatusResponse`. */
export function rekeyVerificationStatusJson(status: RekeyVerificationStatusResponse): Record<string, unknown> {
  return ordered({ nonce: status.nonce ?? '', started: status.started === true, t: status.t ?? 0, n: status.n ?? 0, progress: status.progress ?? 0 });
}

/** Go's `api.RekeyUpdateResponse` (the new key shares). */
export function rekeyUpdateJson(resp: RekeyUpdateResponse): Record<string, unknown> {
  const out: Record<string, unknown> = {
    nonce: resp.nonce ?? '',
    complete: resp.complete === true,
    keys: resp.keys ?? null,
    keys_base64: resp.keys_base64 ?? null,
    pgp_fingerprints: resp.pgp_fingerprints ?? null,
    backup: resp.backup === true,
    verification_required: resp.verification_required === true,
  };
  if ((resp.verification_nonce ?? '') !== '') out['verification_nonce'] = resp.verification_nonce;
  return ordered(out);
}

type AnyStatus = { kind: 'rekey'; status: RekeyStatusResponse } | { kind: 'verify'; status: RekeyVerificationStatusResponse };

function structured(ctx: CommandContext, value: unknown): number {
  ctx.ui.out(renderStructured(ctx.format === 'yaml' ? 'yaml' : 'json', value));
  return ExitCode.Ok;
}

/** Vault's `printStatus`: a `Key/Value` table of the rekey or the verification status. */
function printStatus(ctx: CommandContext, what: AnyStatus): number {
  if (ctx.format !== 'table') {
    return structured(ctx, what.kind === 'rekey' ? rekeyStatusJson(what.status) : rekeyVerificationStatusJson(what.status));
  }
  const out = ['Key | Value'];
  if (what.kind === 'rekey') {
    const s = what.status;
    out.push(`Nonce | ${s.nonce ?? ''}`);
    out.push(`Started | ${String(s.started === true)}`);
    if (s.started === true) {
      const pendingVerification = (s.verification_nonce ?? '') !== '' || s.progress === s.required;
      out.push(`Rekey Progress | ${s.progress}/${s.required}${pendingVerification ? ' (verification in progress)' : ''}`);
      out.push(`New Shares | ${s.n}`);
      out.push(`New Threshold | ${s.t}`);
      out.push(`Verification Required | ${String(s.verification_required === true)}`);
      if ((s.verification_nonce ?? '') !== '') out.push(`Verification Nonce | ${s.verification_nonce}`);
    }
    if ((s.pgp_fingerprints ?? []).length > 0) {
      out.push(`PGP Fingerprints | [${(s.pgp_fingerprints ?? []).join(' ')}]`);
      out.push(`Backup | ${String(s.backup === true)}`);
    }
  } else {
    const s = what.status;
    out.push(`Started | ${String(s.started === true)}`);
    out.push(`New Shares | ${s.n}`);
    out.push(`New Threshold | ${s.t}`);
    out.push(`Verification Nonce | ${s.nonce ?? ''}`);
    out.push(`Verification Progress | ${s.progress}/${s.t}`);
  }
  ctx.ui.out(tableOutput(out));
  return ExitCode.Ok;
}

async function fetchStatus(ctx: CommandContext, verify: boolean): Promise<AnyStatus> {
  const api = ctx.client().sys.rekey;
  return verify ? { kind: 'verify', status: await api.verifyStatus() } : { kind: 'rekey', status: await api.status() };
}

async function statusMode(ctx: CommandContext, verify: boolean): Promise<number> {
  let what: AnyStatus;
  try {
    what = await fetchStatus(ctx, verify);
  } catch (err) {
    return fail(ctx, 'Error reading rekey status', err);
  }
  return printStatus(ctx, what);
}

async function initMode(ctx: CommandContext): Promise<number> {
  const { flags, ui } = ctx;
  let status: RekeyStatusResponse;
  try {
    status = await ctx.client().sys.rekey.start({
      secret_shares: flags.int('key-shares'),
      secret_threshold: flags.int('key-threshold'),
      require_verification: flags.bool('verify'),
    });
  } catch (err) {
    return fail(ctx, 'Error initializing rekey', err);
  }
  if (ctx.format === 'table') {
    ui.err(
      wrapAtLength(
        'WARNING! If you lose the keys after they are returned, there is no recovery. Coffer does not encrypt the new ' +
          'key shares (PGP is not supported), so have each key holder store their share securely as soon as it is printed.',
      ),
    );
    ui.out('');
  }
  return printStatus(ctx, { kind: 'rekey', status });
}

async function cancelMode(ctx: CommandContext, verify: boolean): Promise<number> {
  const api = ctx.client().sys.rekey;
  try {
    if (verify) await api.verifyCancel();
    else await api.cancel(ctx.flags.string('nonce'));
  } catch (err) {
    return fail(ctx, 'Error canceling rekey', err);
  }
  ctx.ui.out('Success! Canceled rekeying (if it was started)');
  return ExitCode.Ok;
}

/** Vault's `printUnsealKeys`; `status` is the rekey status read before the final share. */
async function printUnsealKeys(ctx: CommandContext, status: RekeyStatusResponse, resp: RekeyUpdateResponse): Promise<number> {
  const { ui } = ctx;
  if (ctx.format !== 'table') return structured(ctx, rekeyUpdateJson(resp));

  ui.out('');
  const keys = resp.keys ?? [];
  const keysB64 = resp.keys_base64 ?? [];
  const fingerprints = resp.pgp_fingerprints ?? [];
  keys.forEach((key, i) => {
    const value = keysB64.length === keys.length ? keysB64[i] : key;
    if (fingerprints.length > 0) ui.out(`Key ${i + 1} fingerprint: ${fingerprints[i] ?? ''}; value: ${value ?? ''}`);
    else ui.out(`Key ${i + 1}: ${value ?? ''}`);
  });
  ui.out('');
  ui.out(`Operation nonce: ${resp.nonce ?? ''}`);

  const { n, t } = status;
  ui.out('');
  if (status.verification_required !== true) {
    ui.out(
      wrapAtLength(
        `Coffer rekeyed with ${n} key shares and a key threshold of ${t}. Please securely distribute the key shares printed above. ` +
          `When the server is re-sealed, restarted, or stopped, you must supply at least ${t} of these keys to unseal it before it can start servicing requests.`,
      ),
    );
    return ExitCode.Ok;
  }
  ui.out(
    wrapAtLength(
      `Coffer has created a new key, split into ${n} key shares and a key threshold of ${t}. These will not be active until after verification is complete. ` +
        'Please securely distribute the key shares printed above. When the server is re-sealed, restarted, or stopped, ' +
        `you must supply at least ${t} of these keys to unseal it before it can start servicing requests.`,
    ),
  );
  ui.out('');
  ui.err(
    wrapAtLength(
      'Again, these key shares are _not_ valid until verification is performed. Do not lose or discard your current key shares ' +
        'until after verification is complete or you will be unable to unseal the server. If you cancel the rekey process or seal ' +
        'the server before verification is complete the new shares will be discarded and the current shares will remain valid.',
    ),
  );
  ui.out('');
  ui.err(wrapAtLength('The current verification status, including initial nonce, is shown below.'));
  ui.out('');
  return statusMode(ctx, true);
}

async function provideMode(ctx: CommandContext, verify: boolean): Promise<number> {
  const { ui } = ctx;
  const api = ctx.client().sys.rekey;
  let before: AnyStatus;
  try {
    before = await fetchStatus(ctx, verify);
  } catch (err) {
    return fail(ctx, 'Error getting rekey status', err);
  }
  if (before.status.started !== true) {
    ui.err(wrapAtLength('No rekey is in progress. Start a rekey process by running "coffer operator rekey -init".'));
    return ExitCode.LocalError;
  }
  const input = await readKeyShare(ctx, {
    arg: (ctx.args[0] ?? '').trim(),
    statusNonce: before.status.nonce ?? '',
    nonceLabel: 'Rekey operation nonce',
  });
  if ('code' in input) return input.code;

  if (before.kind === 'verify') {
    let result;
    try {
      result = await api.verifyUpdate(input.key, input.nonce);
    } catch (err) {
      return fail(ctx, 'Error posting unseal key', err);
    }
    if (result.complete !== true) return statusMode(ctx, true);
    ui.out(wrapAtLength('Rekey verification successful. The rekey operation is complete and the new keys are now active.'));
    return ExitCode.Ok;
  }

  let result;
  try {
    result = await api.update(input.key, input.nonce);
  } catch (err) {
    return fail(ctx, 'Error posting unseal key', err);
  }
  if (result.complete !== true) return statusMode(ctx, false);
  return printUnsealKeys(ctx, before.status, result);
}

export const command = defineCommand({
  path: ['operator', 'rekey'],
  synopsis: 'Generates new unseal keys',
  sets: { format: true },
  flags: [
    {
      name: 'init',
      kind: 'bool',
      usage:
        'Initialize the rekeying operation. This can only be done if no rekeying operation is in progress. Customize the new number of key shares and key threshold using the -key-shares and -key-threshold flags.',
    },
    { name: 'cancel', kind: 'bool', usage: 'Reset the rekeying progress. This will discard any submitted unseal keys or configuration. Within 10 minutes of -init the server also wants the rekey -nonce.' },
    { name: 'status', kind: 'bool', usage: 'Print the status of the current attempt without providing an unseal key.' },
    {
      name: 'key-shares',
      kind: 'int',
      aliases: ['n'],
      example: 'int',
      default: 5,
      usage: 'Number of key shares to split the generated root key into. This is the number of "unseal keys" to generate.',
    },
    {
      name: 'key-threshold',
      kind: 'int',
      aliases: ['t'],
      example: 'int',
      default: 3,
      usage: 'Number of key shares required to reconstruct the root key. This must be less than or equal to -key-shares.',
    },
    {
      name: 'nonce',
      kind: 'string',
      example: 'string',
      usage: 'Nonce value provided at initialization. The same nonce value must be provided with each unseal key.',
    },
    {
      name: 'target',
      kind: 'string',
      example: 'string',
      default: 'barrier',
      usage: 'Target for rekeying. Only "barrier" (the unseal keys) is supported; Coffer has no recovery keys.',
    },
    {
      name: 'verify',
      kind: 'bool',
      usage:
        'Indicates that the action (-status, -cancel, or providing a key share) will be affecting verification for the current rekey attempt. With -init, require verification of the new keys before they take effect.',
    },
  ],
  help: `
Usage: coffer operator rekey [options] [KEY]

  Generates a new set of unseal keys. This can optionally change the total
  number of key shares or the required threshold of those key shares to
  reconstruct the root key. This operation is zero downtime, but it requires
  the server is unsealed and a quorum of existing unseal keys are provided.

  An unseal key may be provided directly on the command line as an argument to
  the command, together with the rekey "-nonce". If key is specified as "-",
  the command will read from stdin. If a TTY is available, the command will
  prompt for text (and use the nonce of the rekey in progress).

  Initialize a rekey:

      $ coffer operator rekey \\
          -init \\
          -key-shares=15 \\
          -key-threshold=9

  Initialize a rekey and require verification of the new keys:

      $ coffer operator rekey -init -key-shares=5 -key-threshold=3 -verify

  Provide a current unseal key:

      $ coffer operator rekey

  Provide a new unseal key to verify the rekey:

      $ coffer operator rekey -verify`,

  async run(ctx) {
    expectArgs(ctx, 0, 1);
    const { flags, ui } = ctx;
    const target = flags.string('target').trim().toLowerCase();
    if (target === 'recovery' || target === 'hsm') {
      ui.err('Rekeying recovery keys is not supported: Coffer has no recovery keys (use -target=barrier)');
      return ExitCode.LocalError;
    }
    if (target !== 'barrier') {
      ui.err(`Unknown target: ${flags.string('target')}`);
      return ExitCode.LocalError;
    }
    const verify = flags.bool('verify');
    if (flags.bool('cancel')) return cancelMode(ctx, verify);
    if (flags.bool('init')) return initMode(ctx);
    if (flags.bool('status')) return statusMode(ctx, verify);
    return provideMode(ctx, verify);
  },
});
