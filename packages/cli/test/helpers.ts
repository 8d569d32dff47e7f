import type { CliIo, CliResult } from '../src/program.js';

// The CLI's tests share eval's helpers through @selfsup/test-utils.
export { randomProjectionEncoder } from '@selfsup/test-utils';

/** A `CliIo` that records stdout, stderr and the commands' results; `extra` adds to the io (cwd, encoderSource, ...). */
export function captureCli(extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const results: CliResult[] = [];
  return {
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), onResult: (r: CliResult) => results.push(r), ...extra } satisfies CliIo,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    results,
    result: () => results[0]?.result,
  };
}
