/** Command lines from environment variables (`SOPS_AGE_KEY_CMD`, `EDITOR`), split without a shell. */
import { SopsError } from './errors.js';

/** Splits a command line the way sops does (shlex: quotes and backslashes, no shell). */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (quote !== undefined) throw new SopsError(`failed to parse command ${JSON.stringify(cmd)}: unclosed quote`);
  if (has || cur !== '') out.push(cur);
  return out;
}

