/**
 * How `operator generate-root` and `operator rekey` take one unseal key share (Vault's
 * `provide`): as the argument (with `-nonce`), `-` for all of stdin (with `-nonce`), or, with no
 * argument, a hidden prompt on a terminal that shows the attempt's nonce and uses it.
 *
 * The key is never printed, not even in an error.
 */
import type { CommandContext } from './command.js';
import { ExitCode, UsageError, messageFor } from './exit.js';
import { wrapAtLength } from './output/index.js';
import { readHidden } from './prompt.js';

export interface KeyShareOptions {
  /** The positional argument, trimmed: `''` when absent, `-` for stdin. */
  readonly arg: string;
  /** The nonce of the attempt in progress (from the status call); used when prompting. */
  readonly statusNonce: string;
  /** The line shown before the prompt: `Operation nonce`, `Rekey operation nonce`. */
  readonly nonceLabel: string;
}

export type KeyShareInput = { readonly key: string; readonly nonce: string } | { readonly code: number };

const NOT_A_TERMINAL =
  'An error occurred attempting to ask for the unseal key. The raw error message is shown below, but ' +
  'usually this is because you attempted to pipe a value into the command or you are executing outside ' +
  'of a terminal (tty). If you want to pipe the value, pass "-" as the argument to read from stdin. ' +
  'The raw error was: ';

/** The key share and the nonce to send with it, or the exit code after printing why not. */
export async function readKeyShare(ctx: CommandContext, options: KeyShareOptions): Promise<KeyShareInput> {
  const { ui, io, flags } = ctx;
  let key: string;
  let nonce: string;
  switch (options.arg) {
    case '-':
      nonce = flags.string('nonce');
      try {
        key = await ctx.readStdin();
      } catch (err) {
        ui.err(`Failed to read from stdin: ${messageFor(err)}`);
        return { code: ExitCode.LocalError };
      }
      break;
    case '': {
      // Prompting: the nonce is shown and need not be typed (as in Vault).
      nonce = options.statusNonce;
      if (flags.bool('non-interactive')) {
        ui.err('Refusing to prompt for an unseal key with -non-interactive specified; pass the key as an argument or "-" to read it from stdin');
        return { code: ExitCode.LocalError };
      }
      if (io.stdin.isTTY !== true) {
        ui.err(wrapAtLength(`${NOT_A_TERMINAL}stdin is not a terminal`));
        return { code: ExitCode.LocalError };
      }
      // Vault prompts on stdout; with -format=json/yaml stdout stays machine-readable.
      const promptOut = ctx.format === 'table' ? io.stdout : io.stderr;
      promptOut.write(`${options.nonceLabel}: ${nonce}\n`);
      try {
        key = await readHidden({ ...io, stdout: promptOut }, 'Unseal Key (will be hidden): ');
      } catch (err) {
        if (err instanceof UsageError && err.message === 'interrupted') ui.err('user canceled');
        else ui.err(wrapAtLength(`${NOT_A_TERMINAL}${messageFor(err)}`));
        return { code: ExitCode.LocalError };
      }
      break;
    }
    default:
      nonce = flags.string('nonce');
      key = options.arg;
  }
  key = key.trim();
  if (nonce === '') {
    ui.err('Missing nonce value: specify it via the -nonce flag');
    return { code: ExitCode.LocalError };
  }
  return { key, nonce };
}
