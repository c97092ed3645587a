import type { GenerateRootStatusResponse } from '../../api/index.js';
import { GENERATE_ROOT_OTP_LENGTH, decodeGeneratedToken, generateOtp } from '../../shared/root-token-otp.js';
import { defineCommand, expectArgs, fail, type CommandContext } from '../command.js';
import { ExitCode, messageFor } from '../exit.js';
import { readKeyShare } from '../key-share-input.js';
import { columnOutput, ordered, printRaw, renderStructured, wrapAtLength } from '../output/index.js';

/** The status as Go's `api.GenerateRootStatusResponse` marshals it (`-format=json`). */
export function generateRootStatusJson(status: GenerateRootStatusResponse): Record<string, unknown> {
  return ordered({
    nonce: status.nonce ?? '',
    started: status.started === true,
    progress: status.progress ?? 0,
    required: status.required ?? 0,
    complete: status.complete === true,
    encoded_token: status.encoded_token ?? '',
    encoded_root_token: status.encoded_root_token ?? '',
    pgp_fingerprint: status.pgp_fingerprint ?? '',
    otp: status.otp ?? '',
    otp_length: status.otp_length ?? 0,
  });
}

/** Vault's `printStatus`: a headerless two-column table; a generated OTP is announced on stderr. */
function printStatus(ctx: CommandContext, status: GenerateRootStatusResponse): number {
  const { ui, format } = ctx;
  if (format !== 'table') {
    ui.out(renderStructured(format === 'yaml' ? 'yaml' : 'json', generateRootStatusJson(status)));
    return ExitCode.Ok;
  }
  const out = [
    `Nonce | ${status.nonce ?? ''}`,
    `Started | ${String(status.started === true)}`,
    `Progress | ${status.progress ?? 0}/${status.required ?? 0}`,
    `Complete | ${String(status.complete === true)}`,
  ];
  if ((status.pgp_fingerprint ?? '') !== '') out.push(`PGP Fingerprint | ${status.pgp_fingerprint}`);
  if ((status.encoded_token ?? '') !== '') out.push(`Encoded Token | ${status.encoded_token}`);
  else if ((status.encoded_root_token ?? '') !== '') out.push(`Encoded Root Token | ${status.encoded_root_token}`);
  if ((status.otp ?? '') !== '') {
    ui.err(
      wrapAtLength(
        'A One-Time-Password has been generated for you and is shown in the OTP field. You will need this value to decode the resulting root token, so keep it safe.',
      ),
    );
    out.push(`OTP | ${status.otp}`);
  }
  if ((status.otp_length ?? 0) !== 0) out.push(`OTP Length | ${status.otp_length}`);
  ui.out(columnOutput(out));
  return ExitCode.Ok;
}

async function generateOtpMode(ctx: CommandContext): Promise<number> {
  let status: GenerateRootStatusResponse;
  try {
    status = await ctx.client().sys.generateRoot.status();
  } catch (err) {
    return fail(ctx, 'Error getting root generation status', err);
  }
  // Servers before Vault 1.10 report 0 (UUID tokens, base64 OTPs): Coffer only speaks the current scheme.
  const length = typeof status.otp_length === 'number' && status.otp_length > 0 ? status.otp_length : GENERATE_ROOT_OTP_LENGTH;
  const otp = generateOtp(length);
  if (ctx.format === 'table') return printRaw(ctx.ui, otp);
  ctx.ui.out(renderStructured(ctx.format === 'yaml' ? 'yaml' : 'json', { otp, otp_length: otp.length }));
  return ExitCode.Ok;
}

async function decodeMode(ctx: CommandContext): Promise<number> {
  const { ui, flags, format } = ctx;
  let encoded = flags.string('decode');
  const otp = flags.string('otp');
  if (otp === '') {
    ui.err('Missing otp: use -otp to supply it');
    return ExitCode.LocalError;
  }
  if (encoded === '-') {
    try {
      encoded = (await ctx.readStdin()).trim();
    } catch (err) {
      ui.err(`Failed to read from stdin: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }
    if (encoded === '') {
      ui.err('Missing encoded value. When using -decode="-" value must be passed via stdin.');
      return ExitCode.LocalError;
    }
  }
  // Decoding is local: unlike Vault, no status call (it only served pre-1.10 servers' UUID scheme).
  let token: string;
  try {
    token = decodeGeneratedToken(encoded, otp);
  } catch (err) {
    // The helper's messages name lengths and base64 problems, never the inputs.
    ui.err(`Error decoding root token: ${messageFor(err)}`);
    return ExitCode.LocalError;
  }
  if (format === 'table') return printRaw(ui, token);
  ui.out(renderStructured(format === 'yaml' ? 'yaml' : 'json', { token }));
  return ExitCode.Ok;
}

async function cancelMode(ctx: CommandContext): Promise<number> {
  try {
    await ctx.client().sys.generateRoot.cancel();
  } catch (err) {
    return fail(ctx, 'Error canceling root token generation', err);
  }
  ctx.ui.out('Success! Root token generation canceled (if it was started)');
  return ExitCode.Ok;
}

async function initMode(ctx: CommandContext): Promise<number> {
  const otp = ctx.flags.string('otp');
  let status: GenerateRootStatusResponse;
  try {
    status = await ctx.client().sys.generateRoot.start(otp !== '' ? { otp } : {});
  } catch (err) {
    return fail(ctx, 'Error initializing root generation', err);
  }
  return printStatus(ctx, status);
}

async function statusMode(ctx: CommandContext): Promise<number> {
  let status: GenerateRootStatusResponse;
  try {
    status = await ctx.client().sys.generateRoot.status();
  } catch (err) {
    return fail(ctx, 'Error getting root generation status', err);
  }
  return printStatus(ctx, status);
}

async function provideMode(ctx: CommandContext): Promise<number> {
  const { ui } = ctx;
  const api = ctx.client().sys.generateRoot;
  let status: GenerateRootStatusResponse;
  try {
    status = await api.status();
  } catch (err) {
    return fail(ctx, 'Error getting root generation status', err);
  }
  if (status.started !== true) {
    ui.err(wrapAtLength('No root generation is in progress. Start a root generation by running "coffer operator generate-root -init".'));
    ui.err(
      wrapAtLength(
        `If starting root generation using the OTP method and generating your own OTP, the length of the OTP string needs to be ${status.otp_length ?? 0} characters in length.`,
      ),
    );
    return ExitCode.LocalError;
  }
  const input = await readKeyShare(ctx, { arg: (ctx.args[0] ?? '').trim(), statusNonce: status.nonce ?? '', nonceLabel: 'Operation nonce' });
  if ('code' in input) return input.code;
  let updated: GenerateRootStatusResponse;
  try {
    updated = await api.update(input.key, input.nonce);
  } catch (err) {
    return fail(ctx, 'Error posting unseal key', err);
  }
  return printStatus(ctx, updated);
}

export const command = defineCommand({
  path: ['operator', 'generate-root'],
  synopsis: 'Generates a new root token',
  sets: { format: true },
  flags: [
    { name: 'init', kind: 'bool', usage: 'Start a root token generation. This can only be done if there is not currently one in progress.' },
    { name: 'cancel', kind: 'bool', usage: 'Reset the root token generation progress. This will discard any submitted unseal keys or configuration.' },
    { name: 'status', kind: 'bool', usage: 'Print the status of the current attempt without providing an unseal key.' },
    {
      name: 'decode',
      kind: 'string',
      example: 'string',
      usage: 'The value to decode; setting this triggers a decode operation. If the value is "-" then read the encoded token from stdin.',
    },
    { name: 'generate-otp', kind: 'bool', usage: 'Generate and print a high-entropy one-time-password (OTP) suitable for use with the "-init" flag.' },
    { name: 'otp', kind: 'string', example: 'string', usage: 'OTP code to use with "-decode" or "-init".' },
    {
      name: 'nonce',
      kind: 'string',
      example: 'string',
      usage: 'Nonce value provided at initialization. The same nonce value must be provided with each unseal key.',
    },
  ],
  help: `
Usage: coffer operator generate-root [options] [KEY]

  Generates a new root token by combining a quorum of share holders. The
  resulting token is XORed with a one-time-password (OTP) when it is returned:
  either a base62 OTP provided via the "-otp" flag (use "-generate-otp" to
  generate a usable value) or, without "-otp", one the server generates and
  shows once in the "-init" output. Use the "-decode" flag to output the final
  value. PGP-encrypted root tokens are not supported.

  An unseal key may be provided directly on the command line as an argument to
  the command, together with the attempt's "-nonce". If key is specified as
  "-", the command will read from stdin. If a TTY is available, the command
  will prompt for text (and use the nonce of the attempt in progress).

  Generate an OTP code for the final token:

      $ coffer operator generate-root -generate-otp

  Start a root token generation:

      $ coffer operator generate-root -init -otp="..."

  Enter an unseal key to progress root token generation:

      $ coffer operator generate-root

  Decode the encoded token once the quorum has been reached:

      $ coffer operator generate-root -decode="..." -otp="..."`,

  async run(ctx) {
    expectArgs(ctx, 0, 1);
    const { flags } = ctx;
    if (flags.bool('generate-otp')) return generateOtpMode(ctx);
    if (flags.string('decode') !== '') return decodeMode(ctx);
    if (flags.bool('cancel')) return cancelMode(ctx);
    if (flags.bool('init')) return initMode(ctx);
    if (flags.bool('status')) return statusMode(ctx);
    return provideMode(ctx);
  },
});
