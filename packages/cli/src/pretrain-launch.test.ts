import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGlooAddon } from '@selfsup/tensors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli } from '../test/helpers.js';
import { workerArguments } from './pretrain-launch.js';
import { runCli } from './program.js';

// The workers run the CLI from its sources (no build needed), as bench --jobs' tests do.
const sourceBin = fileURLToPath(new URL('../test/source-bin.ts', import.meta.url));
const fromSources = [process.execPath, '--conditions=@selfsup/source', '--import', 'tsx', sourceBin];
const gloo = loadGlooAddon();
if (!gloo.ok) console.warn(`selfsup pretrain --nproc test skipped: ${gloo.why}`);

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-nproc-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('selfsup pretrain --nproc', () => {
  it("gives each worker the launcher's arguments without --nproc, with its rank, the world size and the rendezvous; only rank 0 reports", () => {
    const argv = ['pretrain', '--method', 'simclr', '--nproc', '2', '--out', 'r', '--nproc=3'];
    expect(workerArguments(argv, 0, 2, '/rdv')).toEqual(['pretrain', '--method', 'simclr', '--out', 'r', '--rank', '0', '--world-size', '2', '--rendezvous', '/rdv']);
    expect(workerArguments(argv, 1, 2, '/rdv')).toEqual(['pretrain', '--method', 'simclr', '--out', 'r', '--rank', '1', '--world-size', '2', '--rendezvous', '/rdv', '--quiet']);
  });

  it.skipIf(!gloo.ok)('trains one model on 2 workers (batch norm synchronised): rank 0 writes the run, with twice the batch per step', async () => {
    const out = path.join(tmp, 'run');
    const c = captureCli({ selfsupCommand: fromSources });
    const args = ['pretrain', '--method', 'simclr', '--data', 'mnist', '--limit', '64', '--batch-size', '8', '--epochs', '1', '--arch-config', '{"channels":[8,16],"strides":[1,2]}', '--no-monitor', '--sync-batch-norm', '--nproc', '2', '--out', out];
    const code = await runCli(args, c.io);
    expect(code, c.stderr()).toBe(0);
    expect(c.stdout()).toMatch(/^simclr: 4 steps \(completed\)/);
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
    expect(run.dataParallel).toMatchObject({ worldSize: 2, batchPerWorker: 8, globalBatch: 16, syncBatchNorm: true });
    const log = JSON.parse(await fs.readFile(path.join(out, 'log.json'), 'utf8'));
    expect(log.steps).toBe(4);
    await expect(fs.access(path.join(out, 'encoder', 'model.json'))).resolves.toBeUndefined();
  }, 180_000);

  it.skipIf(!gloo.ok)("joins from the environment as torchrun sets it (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT: TCP rendezvous)", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const out = path.join(tmp, 'env-run');
    const args = ['pretrain', '--method', 'rotnet', '--data', 'mnist', '--limit', '32', '--batch-size', '8', '--epochs', '1', '--arch-config', '{"channels":[8],"strides":[1]}', '--no-monitor', '--quiet', '--out', out];
    const codes = await Promise.all(
      [0, 1].map((rank) => {
        const child = spawn(fromSources[0] as string, [...fromSources.slice(1), ...args], {
          env: { ...process.env, RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        return new Promise<{ code: number | null; output: string }>((resolve) => child.on('close', (code) => resolve({ code, output })));
      }),
    );
    for (const c of codes) expect(c.code, c.output).toBe(0);
    expect(codes[0]?.output).toMatch(/^rotnet: 2 steps \(completed\)/);
    expect(codes[1]?.output).toBe('');
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
    expect(run.dataParallel).toMatchObject({ worldSize: 2, globalBatch: 16 });
    expect(run.dataParallel.engine).toMatch(/rendezvous tcp:127\.0\.0\.1:\d+/);
  }, 120_000);

  it('a failing worker stops the others; the launcher names its rank and shows the end of its output', async () => {
    // Stand-in workers: rank 1 fails at once, rank 0 would run for a minute.
    const worker = [
      "const rank = process.argv[process.argv.indexOf('--rank') + 1];",
      "if (rank === '1') { console.error('worker 1: out of memory'); process.exit(3); }",
      'setTimeout(() => {}, 60000);',
    ].join(' ');
    const c = captureCli({ selfsupCommand: [process.execPath, '-e', worker, '--'] });
    const started = performance.now();
    const code = await runCli(['pretrain', '--method', 'simclr', '--data', 'mnist', '--nproc', '2', '--out', path.join(tmp, 'failing')], c.io);
    expect(code).toBe(1);
    // Stopped, not waited for: the stand-in rank 0 would run for a minute.
    expect(performance.now() - started).toBeLessThan(45_000);
    expect(c.stderr()).toMatch(/selfsup pretrain --nproc 2: rank 1 exited with code 3; the other workers were stopped\. The end of its output:\nworker 1: out of memory/);
  }, 120_000);

  it('rejects incomplete worker flags and --nproc mixed with them, naming the flag', async () => {
    const base = ['pretrain', '--method', 'simclr', '--data', 'mnist', '--out', path.join(tmp, 'bad')];
    const a = captureCli();
    expect(await runCli([...base, '--rank', '0'], a.io)).toBe(2);
    expect(a.stderr()).toMatch(/--world-size must be the number of workers/);
    const b = captureCli();
    expect(await runCli([...base, '--rank', '2', '--world-size', '2', '--rendezvous', tmp], b.io)).toBe(2);
    expect(b.stderr()).toMatch(/--rank must be this worker's rank, 0\.\.1; got 2/);
    const d = captureCli();
    expect(await runCli([...base, '--nproc', '2', '--rank', '0', '--world-size', '2', '--rendezvous', tmp], d.io)).toBe(2);
    expect(d.stderr()).toMatch(/give either --nproc or --rank/);
  });
});
