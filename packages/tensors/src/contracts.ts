import type { ProcessGroup } from './distributed/process-group.js';
import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';

/** A JSON value: what configs and logs are made of. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/**
 * A variable with a stable, module-local name ("conv1/kernel") used by checkpoints. The tf variable's own
 * (engine-global) name may differ: the engine requires global names to be unique across all live variables.
 */
export interface NamedVariable {
  readonly name: string;
  readonly variable: tf.Variable;
  /** False for state the optimizer must not touch: batch-norm running statistics, momentum copies, queues. */
  readonly trainable: boolean;
}

/** Anything that owns variables. */
export interface Module {
  /** Every variable the module owns, trainable or not, in a stable order with unique names. */
  readonly variables: readonly NamedVariable[];
  /** Releases the variables. The module is unusable afterwards. */
  dispose(): void;
}

export interface ApplyOptions {
  /**
   * Training mode: batch norm uses batch statistics and updates its running averages; dropout is active.
   * Default false (inference: running statistics, frozen).
   */
  readonly training?: boolean;
}

/**
 * The contract every backbone implements, ours or a third party's: maps a batch of inputs to a [N, D] embedding.
 * Methods train it; probes evaluate it.
 */
export interface Encoder extends Module {
  /** Architecture name, as registered (e.g. "resnet", "convNet"), so a checkpoint can rebuild it. */
  readonly architecture: string;
  /** The config the encoder was built from (JSON), saved with checkpoints. */
  readonly config: JsonObject;
  /** Shape of one input sample: [H, W, C] for images, [D] for vectors. A dimension of -1 accepts any size. */
  readonly inputShape: readonly number[];
  /** D, the embedding size. */
  readonly outputDim: number;
  /** Embeds a batch [N, ...inputShape] into [N, outputDim]. */
  apply(inputs: tf.Tensor, options?: ApplyOptions): tf.Tensor2D;
  /**
   * Optional: names of the representations {@link Encoder.applyLayers} returns, from input to output, with stable
   * names (e.g. `block0`..`block2` of a conv net, `layer1`..`layer4` of a ResNet); the last is
   * {@link EMBEDDING_LAYER} (`"embedding"`), the output of `apply`. An encoder without it has one layer, its embedding.
   * Give both members or neither. Probes read intermediate layers through them.
   */
  readonly layers?: readonly string[];
  /**
   * Optional: the outputs of the named layers for a batch, in one forward pass: [N, H, W, C] for feature maps,
   * [N, D] for vectors (`"embedding"`: what `apply` returns). An unknown name is an INVALID_ARGUMENT error that lists
   * `layers`. The caller owns (and disposes) the tensors.
   */
  applyLayers?(inputs: tf.Tensor, names: readonly string[], options?: ApplyOptions): Record<string, tf.Tensor>;
}

/** The name of an encoder's final representation (what `apply` returns) among its {@link Encoder.layers}. */
export const EMBEDDING_LAYER = 'embedding';

/** One batch from a dataset: images in [0, 1], NHWC float32; labels (int32 class ids) when the dataset has them. */
export interface Batch {
  readonly images: tf.Tensor4D;
  readonly labels?: tf.Tensor1D;
  /** Dataset indices of the samples, in batch order. */
  readonly indices: readonly number[];
  /** The samples' captions, in batch order, when the data pairs each image with a text (image-caption data). */
  readonly captions?: readonly string[];
}

/** Random-access image data. In-memory and streaming (folder) datasets implement it alike. */
export interface ImageDataset {
  /** Number of samples. */
  readonly size: number;
  /** [H, W, C] of every image. */
  readonly imageShape: readonly [number, number, number];
  /** Number of classes when labelled. */
  readonly numClasses?: number;
  readonly classNames?: readonly string[];
  /** A human-readable name (for logs). */
  readonly name: string;
  /** Reads the samples at `indices` into one batch; the caller owns (and disposes) the tensors. */
  getBatch(indices: readonly number[]): Promise<Batch>;
  /** Class ids of all samples, when labelled (without touching the images). */
  labels?(): Promise<Int32Array>;
  /** Captions of all samples, in dataset order, when the data is image-caption pairs (without touching the images). */
  captions?(): Promise<readonly string[]>;
  /** Releases memory held by the dataset. */
  dispose?(): void;
}

/** What a method is told at every step. */
export interface StepContext {
  /** Global step, from 0. */
  readonly step: number;
  readonly epoch: number;
  /** Total number of steps planned (for schedules such as BYOL's momentum). */
  readonly totalSteps: number;
  /** The run's generator: every random choice (views, masks, permutations) draws from it. */
  readonly rng: Rng;
  /**
   * The learning rate the optimizer applies at this step, after the schedule (`fit` sets it). A method that steps a
   * module of its own (a GAN discriminator) sets that module's rate relative to it. Undefined outside `fit`.
   */
  readonly learningRate?: number;
  /**
   * The data-parallel group `fit` runs in (`FitOptions.processGroup`), when there is one: a loss that needs every
   * rank's embeddings (global negatives, batch statistics) gathers them with `allGatherWithGradient`. Undefined in a
   * single process.
   */
  readonly processGroup?: ProcessGroup;
}

/** Scalars a method may report besides its loss (accuracy of a pretext head, a temperature, ...). */
export type StepMetrics = Readonly<Record<string, number>>;

/**
 * What a self-supervised method implements to be trained by `fit`.
 * `loss` builds the objective from an unlabelled batch; `fit` differentiates it with respect to the trainable
 * variables. `afterStep` runs after the optimizer update (momentum encoders, queues, a GAN discriminator).
 */
export interface SSLMethod extends Module {
  readonly name: string;
  /** The encoder whose representation the method learns (what probes evaluate). */
  readonly encoder: Encoder;
  /** Hyper-parameters, recorded in logs and checkpoints. */
  readonly config: JsonObject;
  /**
   * Other encoders the method trains that a run keeps beside `encoder`, by kebab-case name: CLIP's text tower (its
   * tokenizer in its config). `selfsup pretrain` saves each to `<out>/companions/<name>/`, reloadable with loadEncoder.
   */
  readonly companions?: { readonly [name: string]: Encoder };
  /** The scalar loss for one batch. Called inside a gradient tape: create no variables here. */
  loss(batch: Batch, context: StepContext): tf.Scalar;
  /** Extra scalars from the last `loss` call, read after the step (optional). */
  metrics?(): StepMetrics;
  /** Runs after the optimizer step, outside the gradient tape. */
  afterStep?(batch: Batch, context: StepContext): void;
}

/** Result of a probe, with the configuration that produced it. */
export interface ProbeResult {
  readonly probe: 'linear' | 'knn' | (string & {});
  readonly top1: number;
  readonly top5?: number;
  readonly numTrain: number;
  readonly numTest: number;
  readonly config: JsonObject;
  /** Seconds spent. */
  readonly seconds: number;
}

/** Representation-quality metrics of an embedding. */
export interface RepresentationMetrics {
  readonly alignment?: number;
  readonly uniformity?: number;
  readonly effectiveRank?: number;
}
