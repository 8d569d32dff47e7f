// Runs inside the consumer project of scripts/consumer-test.mjs: which native kernels did initBackend choose, and why.
//   node native.mjs platform   the prebuilt @selfsup/tensors-linux-x64-gnu is installed: its addon must be used, and
//                              the oneDNN, OpenMP and OpenCL loader mapped into this process must be its own copies
//                              (run with the system's library directory first on LD_LIBRARY_PATH to make that a test)
//   node native.mjs fallback   installed without optional dependencies: plain wasm, and the report says why
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const expectation = process.argv[2];
assert.ok(expectation === 'platform' || expectation === 'fallback', 'usage: node native.mjs platform|fallback');
const { initBackend } = await import('@selfsup/tensors');
const report = await initBackend();
console.log(`  ${expectation}: ${report.description}`);
console.log(`    reason: ${report.reason}`);
assert.equal(report.backend, 'wasm');

if (expectation === 'platform') {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@selfsup/tensors-linux-x64-gnu/package.json'));
  const info = JSON.parse(fs.readFileSync(path.join(dir, 'build-info.json'), 'utf8'));
  assert.ok(report.native !== undefined, `native kernels not used: ${report.reason}`);
  assert.equal(report.native.source, 'platform-package');
  assert.equal(path.dirname(fs.realpathSync(report.native.path)), fs.realpathSync(dir));
  assert.match(report.description, /^wasm \+ oneDNN \d+\.\d+\.\d+ \(\d+ threads?\)$/);
  assert.equal(report.native.library, info.library);
  const mapped = new Set(
    fs
      .readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((line) => line.split(/\s+/)[5])
      .filter((file) => file?.includes('.so')),
  );
  for (const { soname } of info.bundled) {
    const stem = soname.replace(/\.so\..*$/, '.so');
    const copies = [...mapped].filter((file) => path.basename(file).startsWith(stem));
    assert.ok(copies.length > 0, `${soname} is not mapped into the process`);
    for (const file of copies) assert.equal(path.dirname(file), fs.realpathSync(dir), `${soname} was loaded from ${file}, not from the package`);
    console.log(`    ${soname}: ${copies.join(', ')}`);
  }
} else {
  assert.equal(report.native, undefined, `native kernels unexpectedly in use: ${report.reason}`);
  assert.match(report.description, /^wasm \(\d+ threads?\)$/);
  assert.match(report.reason, /native kernels not used: no oneDNN addon: (@selfsup\/tensors-linux-x64-gnu is not installed|no prebuilt native kernels for)/);
}
