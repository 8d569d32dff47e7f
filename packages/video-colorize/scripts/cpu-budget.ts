/**
 * Training under a process-CPU-time budget (the machine is shared, so wall time says little): a short calibration run
 * measures CPU seconds per step, the main run plans its cosine schedule for the steps the rest of the budget allows,
 * and an abort signal stops it at the first step boundary once process CPU time reaches the budget.
 */
import * as os from 'node:os';
import type { ImageDataset, SSLMethod } from '@selfsup/tensors';
import { fit } from '@selfsup/tensors';

export interface BudgetedTraining {
  readonly steps: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly losses: readonly number[];
  readonly stoppedBy: string;
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export async function trainWithCpuBudget(
  method: SSLMethod,
  data: ImageDataset,
  options: { budgetSeconds: number; batchSize: number; learningRate: number; seed: number; logEvery?: number },
): Promise<BudgetedTraining> {
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  const spent = () => cpuSeconds() - cpu0;
  const log = (step: number, loss: number, metrics: Readonly<Record<string, number>>) => {
    if (step % (options.logEvery ?? 50) !== 0) return;
    const extra = Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`);
    const wall = (performance.now() - wall0) / 1000;
    console.log(`step ${step}  loss ${loss.toFixed(3)}  ${extra.join('  ')}  cpu ${spent().toFixed(0)} s  wall ${wall.toFixed(0)} s`);
  };
  // Calibration: a few steps at a low constant rate (a warm-up), timed in CPU seconds.
  const calibrationSteps = 8;
  const calibration = await fit(method, data, {
    batchSize: options.batchSize,
    maxSteps: calibrationSteps,
    epochs: 1000,
    learningRate: options.learningRate / 10,
    schedule: { type: 'constant' },
    seed: options.seed,
    progress: false,
  });
  const perStep = spent() / calibrationSteps;
  const planned = Math.max(1, Math.floor((options.budgetSeconds - spent()) / perStep));
  console.log(`calibration: ${perStep.toFixed(2)} CPU s per step; planning ${planned} steps`);
  const stop = new AbortController();
  const main = await fit(method, data, {
    batchSize: options.batchSize,
    maxSteps: planned,
    epochs: 100000,
    learningRate: options.learningRate,
    schedule: { type: 'cosine', warmupSteps: Math.min(50, Math.floor(planned / 10)) },
    seed: options.seed + 1,
    progress: false,
    signal: stop.signal,
    callbacks: {
      onStepEnd: (info) => {
        log(info.step, info.loss, info.metrics);
        if (spent() >= options.budgetSeconds) stop.abort();
      },
    },
  });
  return {
    steps: calibration.steps + main.steps,
    cpuSeconds: spent(),
    wallSeconds: (performance.now() - wall0) / 1000,
    losses: [...calibration.losses, ...main.losses],
    stoppedBy: main.stoppedBy,
  };
}

/** The machine a figure was measured on. */
export function machineInfo(backend: string): Record<string, string | number> {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, backend };
}
