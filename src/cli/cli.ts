/**
 * The `coffer` dispatcher: finds the command from the leading words, parses its flags with
 * Vault's syntax, runs it and maps any escaped error to an exit code (see `exit.ts`).
 * Hand-written rather than commander because Vault's single-dash long flags (`-format=json`,
 * `-dev`) and Go `flag` rules (booleans never take a separate value; flags stop at the first
 * argument) are not expressible there.
 */
import { Context, type CommandSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { buildFlagList } from './common-flags.js';
import { Ui, defaultIo, type CliIo } from './context.js';
import { ExitCode, UsageError, exitCodeFor, messageFor } from './exit.js';
import { parseFlags } from './flags.js';
import { childCommands, commandHelp, groupHelp, topLevelHelp } from './help.js';
import { versionString } from './version-info.js';

export { COMMANDS } from './commands/index.js';

function findCommand(commands: readonly CommandSpec[], argv: readonly string[]): { spec: CommandSpec | undefined; depth: number } {
  let best: CommandSpec | undefined;
  let depth = 0;
  for (const c of commands) {
    if (c.path.length > argv.length) continue;
    if (c.path.every((p, i) => argv[i] === p) && c.path.length > depth) {
      best = c;
      depth = c.path.length;
    }
  }
  if (best !== undefined) return { spec: best, depth };
  // The longest group prefix (e.g. `kv metadata`) for group help.
  let groupDepth = 0;
  for (let n = 1; n <= argv.length; n++) {
    if (childCommands(commands, argv.slice(0, n)).length > 0) groupDepth = n;
    else break;
  }
  return { spec: undefined, depth: groupDepth };
}

export async function runCli(argv: readonly string[], io: CliIo = defaultIo(), commands: readonly CommandSpec[] = COMMANDS): Promise<number> {
  const ui = new Ui(io);
  const first = argv[0];
  if (first === undefined) {
    ui.err(topLevelHelp(commands));
    return ExitCode.UnknownCommand;
  }
  if (first === '-v' || first === '-version' || first === '--version') {
    ui.out(versionString());
    return ExitCode.Ok;
  }
  if (first === '-h' || first === '-help' || first === '--help' || first === 'help') {
    ui.out(topLevelHelp(commands));
    return ExitCode.Ok;
  }

  const { spec, depth } = findCommand(commands, argv);
  if (spec === undefined) {
    const rest = argv.slice(depth);
    const wantsHelp = rest.some((a) => a === '-h' || a === '-help' || a === '--help');
    if (depth === 0) {
      ui.err(topLevelHelp(commands));
      return ExitCode.UnknownCommand;
    }
    const help = groupHelp(commands, argv.slice(0, depth));
    if (wantsHelp) {
      ui.out(help);
      return ExitCode.Ok;
    }
    ui.err(help);
    return ExitCode.LocalError;
  }

  const flagSpecs = buildFlagList(spec.sets ?? {}, spec.flags ?? []);
  let ctx: Context | undefined;
  try {
    const parsed = parseFlags(flagSpecs, argv.slice(depth), io.env);
    if (parsed.help) {
      ui.out(commandHelp(spec, flagSpecs));
      return ExitCode.Ok;
    }
    ctx = new Context(ui, io, parsed.flags, parsed.args, spec.allowRawFormat === true);
    return await spec.run(ctx);
  } catch (err) {
    ui.err(messageFor(err));
    if (err instanceof UsageError && ctx === undefined) ui.err(`\nSee "coffer ${spec.path.join(' ')} -help" for usage.`);
    return exitCodeFor(err);
  } finally {
    ctx?.close();
  }
}
