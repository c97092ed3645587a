#!/usr/bin/env node
/** The `coffer` executable (package `bin`, built to dist/cli/main.js). */
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2));
// Exit once stdout and stderr have flushed, so piped output is never cut short and no stray
// handle (a keep-alive socket, a stdin listener) keeps the process alive.
let pending = 2;
const done = (): void => {
  pending -= 1;
  if (pending === 0) process.exit(code);
};
process.stdout.write('', done);
process.stderr.write('', done);
