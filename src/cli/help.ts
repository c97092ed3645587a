/** Help text: the command list and each command's flags, grouped as Vault prints them. */
import type { CommandSpec } from './command.js';
import type { FlagSpec } from './flags.js';
import { columnOutput, wrapAtLength } from './output/index.js';

const GROUP_ORDER = ['HTTP Options', 'Output Options', 'Command Options'];

function flagLine(flag: FlagSpec): string {
  if (flag.kind === 'bool') return `  -${flag.name}`;
  const example = flag.example ?? (flag.kind === 'duration' ? 'duration' : flag.kind === 'int' ? 'int' : flag.kind === 'map' ? 'key=value' : 'string');
  return `  -${flag.name}=<${example}>`;
}

export function flagsHelp(flags: readonly FlagSpec[]): string {
  const groups = new Map<string, FlagSpec[]>();
  for (const f of flags) {
    if (f.hidden === true) continue;
    const g = f.group ?? 'Command Options';
    const list = groups.get(g) ?? [];
    list.push(f);
    groups.set(g, list);
  }
  const names = [...groups.keys()].sort((a, b) => {
    const ia = GROUP_ORDER.indexOf(a);
    const ib = GROUP_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  const out: string[] = [];
  for (const name of names) {
    out.push(`${name}:`, '');
    for (const f of groups.get(name) ?? []) {
      out.push(flagLine(f));
      let usage = f.usage.replace(/\s+/g, ' ').trim();
      if (f.aliases !== undefined && f.aliases.length > 0) usage += ` Alias: ${f.aliases.map((a) => `-${a}`).join(', ')}.`;
      if (f.kind !== 'bool' && f.default !== undefined && f.default !== '' && f.default !== 0) usage += ` The default is ${String(f.default)}.`;
      out.push(wrapAtLength(usage, 6), '');
    }
  }
  return out.join('\n').trimEnd();
}

export function commandHelp(spec: CommandSpec, flags: readonly FlagSpec[]): string {
  const body = spec.help.trim();
  const fh = flagsHelp(flags);
  return fh === '' ? body : `${body}\n\n${fh}`;
}

/** The sub-commands directly under `prefix` (e.g. `kv` → get, put, ..., metadata). */
export function childCommands(commands: readonly CommandSpec[], prefix: readonly string[]): { name: string; synopsis: string }[] {
  const seen = new Map<string, string>();
  for (const c of commands) {
    if (c.path.length <= prefix.length) continue;
    if (!prefix.every((p, i) => c.path[i] === p)) continue;
    const name = c.path[prefix.length] ?? '';
    const isLeaf = c.path.length === prefix.length + 1;
    if (!seen.has(name) || isLeaf) seen.set(name, isLeaf ? c.synopsis : (seen.get(name) ?? `Interact with ${[...prefix, name].join(' ')}`));
  }
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, synopsis]) => ({ name, synopsis }));
}

const GROUP_SYNOPSES: Record<string, string> = {
  audit: 'Interact with audit devices',
  auth: 'Interact with auth methods',
  kv: 'Interact with the key-value store',
  'kv metadata': 'Interact with key metadata in the KV store',
  lease: 'Interact with leases',
  operator: 'Perform operator-specific tasks',
  policy: 'Interact with policies',
  secrets: 'Interact with secrets engines',
  sops: 'Encrypted files compatible with SOPS',
  token: 'Interact with tokens',
  transit: 'Encrypt and decrypt with the transit secrets engine',
};

export function groupSynopsis(path: readonly string[]): string {
  return GROUP_SYNOPSES[path.join(' ')] ?? `Interact with ${path.join(' ')}`;
}

export function groupHelp(commands: readonly CommandSpec[], prefix: readonly string[]): string {
  const children = childCommands(commands, prefix).map((c) => {
    const isGroup = !commands.some((cmd) => cmd.path.length === prefix.length + 1 && cmd.path.every((p, i) => (i < prefix.length ? p === prefix[i] : p === c.name)));
    return { name: c.name, synopsis: isGroup ? groupSynopsis([...prefix, c.name]) : c.synopsis };
  });
  const lines = [`Usage: coffer ${prefix.join(' ')} <subcommand> [options] [args]`, '', `  ${groupSynopsis(prefix)}.`, '', 'Subcommands:'];
  lines.push(columnOutput(children.map((c) => `    ${c.name} | ${c.synopsis}`), { glue: '    ' }).replace(/^/gm, '    '));
  return lines.join('\n');
}

const COMMON = ['read', 'write', 'delete', 'list', 'login', 'agent', 'server', 'status', 'unwrap'];

export function topLevelHelp(commands: readonly CommandSpec[]): string {
  const top = childCommands(commands, []).map((c) => {
    const isGroup = !commands.some((cmd) => cmd.path.length === 1 && cmd.path[0] === c.name);
    return { name: c.name, synopsis: isGroup ? groupSynopsis([c.name]) : c.synopsis };
  });
  const common = top.filter((c) => COMMON.includes(c.name)).sort((a, b) => COMMON.indexOf(a.name) - COMMON.indexOf(b.name));
  const other = top.filter((c) => !COMMON.includes(c.name));
  const table = (list: typeof top): string => columnOutput(list.map((c) => `${c.name} | ${c.synopsis}`)).replace(/^/gm, '    ');
  return ['Usage: coffer <command> [args]', '', 'Common commands:', table(common), '', 'Other commands:', table(other)].join('\n');
}
