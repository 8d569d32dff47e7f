import type { Batch, ImageDataset } from '../contracts.js';
import { SelfsupError } from '../errors.js';
import { createRng } from '../rng.js';

/** Frees a batch's tensors. */
export function disposeBatch(batch: Batch | undefined): void {
  batch?.images.dispose();
  batch?.labels?.dispose();
}

/**
 * Reads an epoch's mini-batches in a seeded order, optionally reading up to `readAhead` batches ahead while a step
 * computes (never beyond the current epoch, nor beyond the run's last step). A read-ahead rejection is handled when
 * its step comes (or dropped with the run), never left unhandled.
 */
export class BatchReader {
  /** Read-ahead batches of the current epoch, by position. */
  private readonly pending = new Map<number, Promise<Batch>>();
  private order: number[] = [];

  /**
   * `batchSize` samples per step from `offset` within each global batch of `stride` samples: a data-parallel rank r of
   * W reads [r x batchSize, (r + 1) x batchSize) of every batch of W x batchSize (one process: offset 0, stride batchSize).
   */
  constructor(
    private readonly dataset: ImageDataset,
    private readonly batchSize: number,
    private readonly readAhead: number,
    private readonly stepsPerEpoch: number,
    private readonly offset = 0,
    private readonly stride = batchSize,
  ) {}

  /** Orders the epoch's samples by a permutation drawn from `epochSeed`. */
  startEpoch(epochSeed: number): void {
    this.order = createRng(epochSeed).permutation(this.dataset.size);
  }

  /**
   * The batch at `position` of the epoch (for step `step` of `totalSteps`), after starting the reads ahead. Its
   * images must be float32 (training runs in full precision): anything else is disposed and a BAD_DATA error.
   */
  async take(position: number, step: number, totalSteps: number): Promise<Batch> {
    const current = this.pending.get(position) ?? this.fetch(position);
    this.pending.delete(position);
    for (let k = 1; k <= this.readAhead; k++) {
      const ahead = position + k;
      if (ahead < this.stepsPerEpoch && step + k < totalSteps && !this.pending.has(ahead)) this.pending.set(ahead, this.fetch(ahead));
    }
    const batch = await current;
    if (batch.images.dtype !== 'float32') {
      disposeBatch(batch);
      throw new SelfsupError('BAD_DATA', `${this.dataset.name}: batch images must be float32 (training runs in full precision); got ${batch.images.dtype}`, {
        step,
      });
    }
    return batch;
  }

  /** Releases the batches read ahead for steps that will not run (a stop, an error). */
  async release(): Promise<void> {
    for (const promise of this.pending.values()) disposeBatch(await promise.catch(() => undefined));
  }

  private fetch(position: number): Promise<Batch> {
    const start = position * this.stride + this.offset;
    const promise = this.dataset.getBatch(this.order.slice(start, start + this.batchSize));
    promise.catch(() => undefined);
    return promise;
  }
}
