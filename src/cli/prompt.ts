/** Reading a secret from the terminal without echo (or from a pipe). */
import type { CliIo } from './context.js';
import { UsageError } from './exit.js';
import { readAll } from './data-args.js';

/**
 * Prompts on stdout and reads one line from a TTY stdin with echo off. Ctrl-C aborts
 * (a local error); backspace edits; Enter finishes.
 */
export function readHidden(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  return new Promise<string>((resolve, reject) => {
    io.stdout.write(prompt);
    let value = '';
    const wasRaw = typeof stdin.setRawMode === 'function';
    const done = (err: Error | null): void => {
      stdin.off('data', onData);
      if (wasRaw) stdin.setRawMode?.(false);
      stdin.pause();
      io.stdout.write('\n');
      if (err !== null) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(new UsageError('interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    if (wasRaw) stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** A secret value from a terminal prompt, or all of stdin when it is not a terminal. */
export async function readSecretInput(io: CliIo, prompt: string, readStdin: () => Promise<string> = () => readAll(io.stdin)): Promise<string> {
  if (io.stdin.isTTY === true) return (await readHidden(io, prompt)).trim();
  return (await readStdin()).trim();
}
