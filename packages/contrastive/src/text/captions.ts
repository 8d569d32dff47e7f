import { type Batch, type Rng, assertOptions, invalidArgument } from '@selfsup/tensors';
import { type Vocabulary, buildVocabulary } from './tokenizer.js';

/** English names of the ten digits, to caption MNIST-like data. */
export const DIGIT_WORDS: readonly string[] = Object.freeze(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);

/** Prompt templates ("{}" is replaced by the class name), in the spirit of CLIP's prompt engineering (section 3.1.4). */
export const DEFAULT_CAPTION_TEMPLATES: readonly string[] = Object.freeze([
  'a photo of the digit {}',
  'a handwritten {}',
  'a picture of the number {}',
  'the digit {} written by hand',
  'a drawing of a {}',
]);

/** Whatever gives a caption per sample of a batch: class-name prompts, or real captions looked up by `batch.indices`. */
export interface CaptionSource {
  captions(batch: Batch, rng: Rng): string[];
}

/**
 * The data's own captions (image-caption data: `tensorDataset(images, labels, { captions })`, `loadImageFiles`, the
 * command line's `--data captions:<dir>`): each batch's `captions`, one per image.
 */
export function datasetCaptions(): CaptionSource {
  return {
    captions(batch) {
      const n = batch.images.shape[0];
      if (!Array.isArray(batch.captions) || batch.captions.length !== n || batch.captions.some((c) => typeof c !== 'string')) {
        invalidArgument('batch.captions', `one caption per image (${n}): image-caption data, e.g. selfsup pretrain --data captions:<dir>`, batch.captions);
      }
      return [...batch.captions];
    },
  };
}

/**
 * Captions built from class names: each sample gets one template, drawn at random, filled with its class's name. This
 * is label supervision, not self-supervision: every caption says the label, and two images of one class in a batch
 * count as each other's negatives although their captions may be the same.
 */
export interface ClassNameCaptions extends CaptionSource {
  readonly classNames: readonly string[];
  readonly templates: readonly string[];
  /** Every word of every prompt: the vocabulary a text encoder for these captions needs. */
  readonly vocabulary: Vocabulary;
  /** All prompts of one class (for zero-shot classification's prompt ensemble). */
  prompts(classId: number): string[];
}

export function classNameCaptions(options: { readonly classNames: readonly string[]; readonly templates?: readonly string[] }): ClassNameCaptions {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with classNames', options);
  const { classNames } = options;
  const templates = options.templates ?? DEFAULT_CAPTION_TEMPLATES;
  if (!Array.isArray(classNames) || classNames.length === 0 || classNames.some((c) => typeof c !== 'string' || c.length === 0)) {
    invalidArgument('options.classNames', 'a non-empty array of non-empty strings', classNames);
  }
  if (!Array.isArray(templates) || templates.length === 0 || templates.some((t) => typeof t !== 'string' || !t.includes('{}'))) {
    invalidArgument('options.templates', 'a non-empty array of strings containing "{}"', templates);
  }
  const fill = (template: string, name: string) => template.split('{}').join(name);
  const prompts = (classId: number) => {
    const name = classNames[classId];
    if (name === undefined) invalidArgument('classId', `a class id in [0, ${classNames.length - 1}]`, classId);
    return templates.map((t) => fill(t, name));
  };
  const vocabulary = buildVocabulary(classNames.flatMap((_, c) => prompts(c)));
  return {
    classNames: Object.freeze([...classNames]),
    templates: Object.freeze([...templates]),
    vocabulary,
    prompts,
    captions(batch, rng) {
      if (batch.labels === undefined) invalidArgument('batch.labels', 'class ids (captions are built from class names)', undefined);
      return Array.from(batch.labels.dataSync(), (label) => {
        const name = classNames[label];
        if (name === undefined) invalidArgument('batch.labels', `class ids in [0, ${classNames.length - 1}]`, label);
        return fill(rng.choice(templates), name);
      });
    },
  };
}
