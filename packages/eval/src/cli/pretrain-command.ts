import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { saveEncoder } from '@selfsup/encoders/node';
import { type BackendName, type JsonObject, type StepInfo, SelfsupError, fit, initBackend } from '@selfsup/tensors';
import { checkpointDirectory } from '@selfsup/tensors/node';
import { lossCurveSvg } from '../plots/loss-curve.js';
import { writeJson, writeSvg } from '../report.js';
import { loadEvalData, parseDataSpec } from './data.js';
import { buildBackbone, defaultArchitectureConfig, findMethod } from './methods.js';

/** Parsed options of `selfsup pretrain`. */
export interface PretrainCommandOptions {
  readonly method: string;
  readonly data: string;
  readonly arch: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr?: number;
  readonly seed: number;
  readonly out: string;
  readonly resume: boolean;
  readonly timeBudget?: number;
  /** What the time budget counts: wall time (default) or this process's CPU time. */
  readonly budgetClock?: 'wall' | 'cpu';
  readonly checkpointEvery: number;
  readonly gradientClip?: number;
  readonly limit?: number;
  readonly imageSize?: readonly [number, number];
  readonly channels?: 1 | 3;
  readonly skipBad: boolean;
  readonly backend?: BackendName;
  readonly quiet: boolean;
}

export interface PretrainIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly interactive: boolean;
}

/** What `selfsup pretrain` leaves in --out. */
export const PRETRAIN_FILES = {
  run: 'run.json',
  checkpoint: 'checkpoint',
  encoder: 'encoder',
  log: 'log.json',
  lossCurve: 'loss.svg',
} as const;

/** The settings a resumed run must share with the run it continues. */
function runIdentity(options: PretrainCommandOptions): JsonObject {
  return {
    method: options.method,
    data: options.data,
    arch: options.arch,
    epochs: options.epochs,
    batchSize: options.batchSize,
    seed: options.seed,
    ...(options.lr !== undefined ? { lr: options.lr } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  };
}

/**
 * Runs `selfsup pretrain`: builds the method around a fresh backbone, trains it with `fit` (progress bar, checkpoint
 * every N steps, resumable), then writes the encoder checkpoint, a JSON log and the loss curve.
 */
export async function runPretrain(options: PretrainCommandOptions, io: PretrainIo): Promise<void> {
  const entry = findMethod(options.method);
  parseDataSpec(options.data);
  const out = path.resolve(options.out);
  const runFile = path.join(out, PRETRAIN_FILES.run);
  const identity = runIdentity(options);
  if (options.resume) {
    const previous = await fs.readFile(runFile, 'utf8').then(
      (text) => JSON.parse(text) as { identity?: JsonObject },
      () => undefined,
    );
    if (previous?.identity !== undefined) {
      for (const [key, value] of Object.entries(identity)) {
        if (JSON.stringify(previous.identity[key]) !== JSON.stringify(value)) {
          throw new SelfsupError(
            'CHECKPOINT_MISMATCH',
            `--resume: ${runFile} was started with --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${JSON.stringify(previous.identity[key])}, this run has ${JSON.stringify(value)}`,
            { argument: key },
          );
        }
      }
    }
  }
  const backend = await initBackend(options.backend !== undefined ? { backend: options.backend } : {});
  const data = await loadEvalData(options.data, {
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.imageSize !== undefined ? { imageSize: options.imageSize } : {}),
    ...(options.channels !== undefined ? { channels: options.channels } : {}),
    ...(options.skipBad ? { skipBad: true } : {}),
  });
  const inputShape = data.train.imageShape;
  defaultArchitectureConfig(options.arch, inputShape, options.seed);
  if (options.batchSize > data.train.size) {
    throw new SelfsupError('INVALID_ARGUMENT', `--batch-size must be at most the training set size (${data.train.size}); got ${options.batchSize}`, {
      argument: '--batch-size',
    });
  }
  const encoder = buildBackbone(options.arch, inputShape, options.seed);
  const method = entry.build({ encoder, inputShape, seed: options.seed, batchSize: options.batchSize });
  await fs.mkdir(out, { recursive: true });
  await writeJson(runFile, { command: 'selfsup pretrain', identity, backend: backend.backend, startedAt: new Date().toISOString() });
  const history: StepInfo[] = [];
  if (!options.quiet) {
    io.stderr(`selfsup pretrain: ${entry.description}\n`);
    io.stderr(`  data ${data.source} (${data.train.size} images ${inputShape.join('x')}), encoder ${options.arch}, backend ${backend.description}\n`);
  }
  let lastLine = 0;
  try {
    const result = await fit(method, data.train, {
      batchSize: options.batchSize,
      epochs: options.epochs,
      learningRate: options.lr ?? entry.learningRate,
      optimizer: entry.optimizer,
      schedule: { type: 'cosine', warmupSteps: 0 },
      seed: options.seed,
      ...(options.timeBudget !== undefined ? { timeBudgetSeconds: options.timeBudget } : {}),
      ...(options.budgetClock !== undefined ? { timeBudgetClock: options.budgetClock } : {}),
      ...(options.gradientClip !== undefined ? { gradientClipNorm: options.gradientClip } : {}),
      progress: !options.quiet && io.interactive,
      checkpoint: { store: checkpointDirectory(path.join(out, PRETRAIN_FILES.checkpoint)), everySteps: options.checkpointEvery },
      resume: options.resume,
      // Streaming folders read the next batch's files while a step computes.
      prefetchBatches: 1,
      callbacks: {
        onStepEnd(info) {
          history.push(info);
          // Without a terminal, one line every 10 seconds instead of a bar.
          if (!options.quiet && !io.interactive && performance.now() - lastLine > 10_000) {
            lastLine = performance.now();
            io.stderr(`  step ${info.step + 1}: loss ${info.loss.toFixed(4)}, ${Math.round(info.imagesPerSecond)} images/s\n`);
          }
        },
      },
    });
    const skipped = data.skipped?.() ?? [];
    if (skipped.length > 0) {
      io.stderr(
        `selfsup pretrain: --skip-bad skipped ${skipped.length} bad image file(s), e.g. ${skipped
          .slice(0, 3)
          .map((s) => s.reason)
          .join('; ')}\n`,
      );
    }
    await saveEncoder(path.join(out, PRETRAIN_FILES.encoder), method.encoder);
    await writeJson(path.join(out, PRETRAIN_FILES.log), {
      command: 'selfsup pretrain',
      identity,
      method: { name: method.name, config: method.config },
      encoder: { architecture: method.encoder.architecture, config: method.encoder.config },
      backend: { name: backend.backend, description: backend.description, reason: backend.reason },
      steps: result.steps,
      resumedFromStep: result.resumedFromStep,
      skippedFiles: skipped.map((s) => ({ file: s.file, reason: s.reason })),
      stoppedBy: result.stoppedBy,
      seconds: result.seconds,
      history: history.map((h) => ({ step: h.step, loss: h.loss, lr: h.lr, imagesPerSecond: h.imagesPerSecond, ...h.metrics })),
    });
    if (history.length > 0) {
      await writeSvg(
        path.join(out, PRETRAIN_FILES.lossCurve),
        await lossCurveSvg([{ name: entry.name, losses: history.map((h) => h.loss), steps: history.map((h) => h.step) }], {
          title: `${entry.name} on ${data.train.name}`,
          smoothing: 0.9,
        }),
      );
    }
    const last = history.at(-1);
    io.stdout(
      `${entry.name}: ${result.steps} steps (${result.stoppedBy}) in ${result.seconds.toFixed(1)} s` +
        `${last !== undefined ? `, last loss ${last.loss.toFixed(4)}` : ''}; encoder saved to ${path.join(out, PRETRAIN_FILES.encoder)}\n`,
    );
  } finally {
    method.dispose();
    data.train.dispose?.();
    data.test.dispose?.();
  }
}
