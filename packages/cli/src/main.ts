#!/usr/bin/env node
import { runCli } from './program.js';

// The `selfsup` executable. Everything is in runCli (tested in-process); this file only wires it to the process.
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true && process.env['CI'] === undefined,
  env: process.env,
});
