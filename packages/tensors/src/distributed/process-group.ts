/**
 * A process group for data-parallel training: the ranks of one run and the collectives between them, on tfjs tensors.
 * The collectives themselves come from an engine ({@link CollectiveEngine}): Gloo through the optional native addon in
 * Node (`initProcessGroup` of `@selfsup/tensors/node`), or the trivial one-process engine. selfsup implements no
 * collective algorithm of its own; this module only moves tensors in and out of the engine's Float32Arrays.
 */
import * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '../errors.js';
import { assertInteger } from '../validate.js';

/** How {@link ProcessGroup.allReduce} combines the ranks' values, element by element. */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

/** What a collective engine provides, on Float32Arrays; every call blocks until all ranks have made it. */
export interface CollectiveEngine {
  readonly rank: number;
  readonly worldSize: number;
  /** What it is, for reports: e.g. "Gloo (tcp, file rendezvous /shared/run)". */
  readonly description: string;
  /** In place: every rank ends with the element-wise sum (max, min) over the ranks. */
  allReduce(data: Float32Array, op: 'sum' | 'max' | 'min'): void;
  /** `output` (worldSize x input.length) receives every rank's `input`, rank r's at offset r x input.length. */
  allGather(input: Float32Array, output: Float32Array): void;
  /** In place: every rank ends with the root's values. */
  broadcast(data: Float32Array, root: number): void;
  barrier(): void;
  /** Drops the connections; the engine is unusable afterwards. */
  close(): void;
}

/** The ranks of a data-parallel run and the collectives between them. */
export interface ProcessGroup {
  /** This process's rank, 0..worldSize-1; rank 0 writes checkpoints and prints progress. */
  readonly rank: number;
  readonly worldSize: number;
  readonly description: string;
  /** A new tensor: the element-wise reduction of `x` over the ranks (same shape on every rank). */
  allReduce(x: tf.Tensor, options?: { readonly op?: ReduceOp }): tf.Tensor;
  /** A new tensor: the ranks' `x` (all of one shape) concatenated along axis 0, rank 0's first. No gradient. */
  allGather(x: tf.Tensor): tf.Tensor;
  /** A new tensor: the root's `x` on every rank (the shapes must agree). */
  broadcast(x: tf.Tensor, root?: number): tf.Tensor;
  barrier(): void;
  /**
   * In place, with one round trip per bucket of at most `bucketElements` values (default 2^20, 4 MiB) rather than
   * one per array: the arrays' element-wise reduction over the ranks. What `fit` uses to average gradients.
   */
  allReduceArrays(arrays: readonly Float32Array[], options?: { readonly op?: ReduceOp; readonly bucketElements?: number }): void;
  /** Closes the connections; the group is unusable afterwards. */
  destroy(): void;
}

const DEFAULT_BUCKET_ELEMENTS = 1 << 20;

function checkOp(op: unknown): ReduceOp {
  if (op !== 'sum' && op !== 'mean' && op !== 'max' && op !== 'min') invalidArgument('options.op', 'one of "sum", "mean", "max", "min"', op);
  return op;
}

function checkTensor(name: string, x: unknown): tf.Tensor {
  if (!(x instanceof tf.Tensor)) invalidArgument(name, 'a tf.Tensor', x);
  if (x.isDisposed) invalidArgument(name, 'a live tensor', 'a disposed tensor');
  if (x.dtype !== 'float32') invalidArgument(name, 'a float32 tensor (the collectives carry float32)', x);
  return x;
}

/** Checks that `value` is a {@link ProcessGroup} (an open one is checked when it is used). */
export function assertProcessGroup(name: string, value: unknown): asserts value is ProcessGroup {
  const g = value as Partial<ProcessGroup> | null;
  if (
    g === null ||
    typeof g !== 'object' ||
    typeof g.allGather !== 'function' ||
    typeof g.allReduce !== 'function' ||
    typeof g.allReduceArrays !== 'function' ||
    typeof g.rank !== 'number' ||
    typeof g.worldSize !== 'number'
  ) {
    invalidArgument(name, 'a ProcessGroup (initProcessGroup of @selfsup/tensors/node, or createProcessGroup)', value);
  }
}

/** A {@link ProcessGroup} over an engine: tensors in and out of its Float32Arrays. */
export function createProcessGroup(engine: CollectiveEngine): ProcessGroup {
  if (engine === null || typeof engine !== 'object') invalidArgument('engine', 'a CollectiveEngine', engine);
  assertInteger('engine.worldSize', engine.worldSize, 1);
  assertInteger('engine.rank', engine.rank, 0, engine.worldSize - 1);
  let open = true;
  const live = () => {
    if (!open) invalidArgument('processGroup', 'an open process group', 'a destroyed one');
  };
  const reduce = (data: Float32Array, op: ReduceOp) => {
    if (engine.worldSize === 1) return;
    engine.allReduce(data, op === 'mean' ? 'sum' : op);
    if (op === 'mean') for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) / engine.worldSize;
  };
  return {
    rank: engine.rank,
    worldSize: engine.worldSize,
    description: engine.description,
    allReduce(x, options = {}) {
      live();
      const t = checkTensor('x', x);
      const op = checkOp(options.op ?? 'sum');
      const data = Float32Array.from(t.dataSync());
      reduce(data, op);
      return tf.tensor(data, t.shape, 'float32');
    },
    allGather(x) {
      live();
      const t = checkTensor('x', x);
      const input = Float32Array.from(t.dataSync());
      const shape = t.rank === 0 ? [engine.worldSize] : [engine.worldSize * (t.shape[0] as number), ...t.shape.slice(1)];
      if (engine.worldSize === 1) return tf.tensor(input, shape, 'float32');
      const output = new Float32Array(input.length * engine.worldSize);
      engine.allGather(input, output);
      return tf.tensor(output, shape, 'float32');
    },
    broadcast(x, root = 0) {
      live();
      const t = checkTensor('x', x);
      assertInteger('root', root, 0, engine.worldSize - 1);
      const data = Float32Array.from(t.dataSync());
      if (engine.worldSize > 1) engine.broadcast(data, root);
      return tf.tensor(data, t.shape, 'float32');
    },
    barrier() {
      live();
      if (engine.worldSize > 1) engine.barrier();
    },
    allReduceArrays(arrays, options = {}) {
      live();
      if (!Array.isArray(arrays) || arrays.some((a) => !(a instanceof Float32Array))) invalidArgument('arrays', 'an array of Float32Array', arrays);
      const op = checkOp(options.op ?? 'sum');
      const bucketElements = options.bucketElements ?? DEFAULT_BUCKET_ELEMENTS;
      assertInteger('options.bucketElements', bucketElements, 1);
      if (engine.worldSize === 1) return;
      // Consecutive arrays share a bucket up to bucketElements values; a larger array is a bucket of its own.
      let start = 0;
      while (start < arrays.length) {
        let end = start;
        let size = 0;
        while (end < arrays.length && (end === start || size + (arrays[end] as Float32Array).length <= bucketElements)) {
          size += (arrays[end] as Float32Array).length;
          end += 1;
        }
        if (end - start === 1) {
          reduce(arrays[start] as Float32Array, op);
        } else {
          const bucket = new Float32Array(size);
          let offset = 0;
          for (let i = start; i < end; i++) {
            bucket.set(arrays[i] as Float32Array, offset);
            offset += (arrays[i] as Float32Array).length;
          }
          reduce(bucket, op);
          offset = 0;
          for (let i = start; i < end; i++) {
            const a = arrays[i] as Float32Array;
            a.set(bucket.subarray(offset, offset + a.length));
            offset += a.length;
          }
        }
        start = end;
      }
    },
    destroy() {
      if (!open) return;
      open = false;
      engine.close();
    },
  };
}

/** The group of a single process (rank 0 of 1): every collective is the identity. */
export function singleProcessGroup(): ProcessGroup {
  return createProcessGroup({
    rank: 0,
    worldSize: 1,
    description: 'one process',
    allReduce: () => undefined,
    allGather: (input, output) => output.set(input),
    broadcast: () => undefined,
    barrier: () => undefined,
    close: () => undefined,
  });
}

/**
 * The ranks' `x` concatenated along axis 0 (rank 0's first), differentiable: the gradient of the gathered tensor is
 * summed over the ranks (all-reduce) and each rank keeps the rows of its own `x`. Every rank's loss then sends its
 * gradient to the embeddings' owners, as PyTorch users do with lightly's `GatherLayer` (the gradient `all_gather` of
 * torch.distributed.nn drops). With `fit` averaging the parameter gradients, the update equals one process's on the
 * concatenated batch for a loss that is the mean of the ranks' losses.
 */
export function allGatherWithGradient(group: ProcessGroup, x: tf.Tensor): tf.Tensor {
  assertProcessGroup('group', group);
  const t = checkTensor('x', x);
  if (t.rank === 0) invalidArgument('x', 'a tensor of rank >= 1 (rows are gathered along axis 0)', t);
  const rows = t.shape[0] as number;
  const gather = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    return {
      value: group.allGather(input),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const summed = group.allReduce(Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy, { op: 'sum' });
        const own = tf.slice(summed, group.rank * rows, rows);
        summed.dispose();
        return [own];
      },
    };
  });
  return gather(t) as tf.Tensor;
}
