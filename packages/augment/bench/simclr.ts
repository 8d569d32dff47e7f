// Throughput of the SimCLR preset: ms per batch of 256 images of 32x32x3 on the default backend.
// Run: npx tsx bench/simclr.ts [--batches 20]. Prints wall-clock and process-CPU time per batch (the CPU figure is
// the steadier one on a shared machine).
import { loadavg } from 'node:os';

const tf = await import('@tensorflow/tfjs-core');
const { createRng, initBackend } = await import('@selfsup/tensors');
const { byolTransforms, colorJitter, mocoV2Transform, simclrCifarTransform, simclrTransform } = await import('../src/index.js');
type ImageTransform = import('../src/index.js').ImageTransform;

const batchesArg = process.argv.indexOf('--batches');
const batches = batchesArg > 0 ? Number(process.argv[batchesArg + 1]) : 20;
const report = await initBackend();
const rng = createRng(0);
const images = tf.tensor4d(rng.uniformArray(256 * 32 * 32 * 3), [256, 32, 32, 3]);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(name: string, transform: ImageTransform): Promise<{ wall: number; cpu: number }> {
  for (let i = 0; i < 3; i++) {
    const warm = transform(images, rng);
    await warm.data();
    warm.dispose();
  }
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < batches; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const out = transform(images, rng);
    await out.data();
    const c = process.cpuUsage(c0);
    walls.push(performance.now() - t0);
    cpus.push((c.user + c.system) / 1000);
    out.dispose();
  }
  const result = { wall: median(walls), cpu: median(cpus) };
  console.log(`${name.padEnd(34)} ${result.wall.toFixed(1).padStart(7)} ms/batch wall   ${result.cpu.toFixed(1).padStart(7)} ms/batch CPU`);
  return result;
}

console.log(
  `backend: ${report.backend} (${report.reason}; ${report.threads} thread(s)); 256 x 32x32x3 images, median of ${batches} batches; load average ${loadavg()[0]!.toFixed(1)}`,
);
const cifar = await measure('simclrCifarTransform (s 0.5, no blur)', simclrCifarTransform());
await measure('simclrTransform (s 1, blur)', simclrTransform({ size: [32, 32] }));
await measure('mocoV2Transform', mocoV2Transform({ size: [32, 32] }));
await measure('byolTransforms[1]', byolTransforms({ size: [32, 32] })[1]);
await measure('colorJitter hueSpace hsv', colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, hueSpace: 'hsv' }));
console.log(`SimCLR preset (CIFAR setting): ${cifar.wall.toFixed(1)} ms per batch of 256 (target < 150 ms)`);
images.dispose();
