import { type MethodPreset, type OptionSchema, invalidArgument, optionDefaults } from '@selfsup/tensors';
import { clipImageTowerArchitecture, textTransformerArchitecture } from '../architectures.js';
import { trainBpeTokenizer } from '../text/bpe.js';
import { type CaptionSource, classNameCaptions, datasetCaptions } from '../text/captions.js';
import { type TextEncoder, textEncoder } from '../text/text-encoder.js';
import { clip } from './clip.js';

/** Prompts for `captionSource: 'class-prompts'` ("{}" is the class name), after CLIP's default "A photo of a {label}." (3.1.4). */
export const CLASS_PROMPT_TEMPLATES: readonly string[] = Object.freeze(['a photo of a {}.', 'a picture of a {}.', 'an image of a {}.', 'a {}.']);

const CLIP_OPTIONS: OptionSchema = {
  captionSource: {
    type: 'string',
    description:
      "data: the data's own captions (--data captions:<dir>), CLIP's image-text pretraining; class-prompts: captions made from the class names (\"a photo of a {class}.\"), which is label supervision: images of one class in a batch are each other's negatives",
    choices: ['data', 'class-prompts'],
    default: 'data',
  },
  embedDim: { type: 'integer', description: 'width of the joint image-text space (the paper: 1024 with ResNet-50)', default: 64, min: 1 },
  contextLength: { type: 'integer', description: 'text tokens per caption, start- and end-of-text included; longer captions are cut (the paper: 77)', default: 32, min: 2 },
  vocabularySize: {
    type: 'integer',
    description: 'BPE tokens learnt from the training captions, 4 special tokens and the alphabet included (the paper: 49 408, byte-level, learnt once on its corpus)',
    default: 1000,
    min: 5,
  },
  textWidth: { type: 'integer', description: "the text transformer's width (the paper: 512)", default: 64, min: 1 },
  textLayers: { type: 'integer', description: "the text transformer's layers (the paper: 12)", default: 2, min: 0, max: 24 },
  textHeads: { type: 'integer', description: "the text transformer's attention heads, a divisor of textWidth (the paper: 8)", default: 4, min: 1 },
  textAttention: {
    type: 'string',
    description: "causal: each token attends to those before it (CLIP's masked self-attention); bidirectional: to every real token",
    choices: ['causal', 'bidirectional'],
    default: 'causal',
  },
  textReadout: {
    type: 'string',
    description: "end-of-text: the text is the top layer's output at its end-of-text token (CLIP); mean: the mean over its tokens",
    choices: ['end-of-text', 'mean'],
    default: 'end-of-text',
  },
  initialTemperature: { type: 'number', description: 'the learnable temperature at the start (the paper: 0.07); the logit scale is its inverse', default: 0.07, min: 0, exclusiveMin: true },
  maxLogitScale: { type: 'number', description: 'the logit scale is clipped to at most this (the paper: 100)', default: 100, min: 1 },
};

const num = (options: Readonly<Record<string, unknown>>, key: string) => options[key] as number;

/**
 * CLIP (Radford et al. 2021) from the command line: image-caption pairs (`--data captions:<dir>`), a BPE tokenizer
 * learnt from the training captions, a causal text transformer read at the end-of-text token, a linear image
 * projection, the symmetric contrastive loss and a learnable temperature. `captionSource: 'class-prompts'` trains on
 * labelled data with class-name prompts instead: label supervision. The saved encoder is the image tower (the image
 * encoder and its projection, architecture 'clipImageTower'); the text tower is saved beside it (companion `text`).
 */
export const clipPreset: MethodPreset = {
  name: 'clip',
  description: 'CLIP (Radford et al. 2021): image-caption pairs (--data captions:<dir>), BPE text, causal transformer read at end-of-text, learnable temperature',
  paper: { authors: 'Radford et al.', title: 'Learning Transferable Visual Models From Natural Language Supervision', year: 2021, url: 'https://arxiv.org/abs/2103.00020' },
  defaults: { optimizer: { type: 'adam' }, learningRate: 5e-4, options: optionDefaults(CLIP_OPTIONS) },
  options: CLIP_OPTIONS,
  architectures: [clipImageTowerArchitecture, textTransformerArchitecture],
  recipes: {
    small: {
      description: '28-32 px images with short captions on a CPU: Adam, lr 5e-4 (the paper\'s), cosine, batch 128, a 2-layer 64-wide text transformer, a 64-d joint space',
      reference:
        'Provisional: sized for 28-32 px images and captions of about 10 words on a CPU; the learning rate is the paper\'s for ResNet-50, the sizes are not selected on a validation split yet.',
      training: { optimizer: 'adam', learningRate: 5e-4, learningRateScaling: 'none', schedule: 'cosine', warmupSteps: 0, batchSize: 128 },
      options: optionDefaults(CLIP_OPTIONS),
    },
    paper: {
      description: 'the paper (ResNet-50): Adam, lr 5e-4, decoupled weight decay 0.2, 2000 warm-up steps, cosine, batch 32 768, 32 epochs; text transformer 12 x 512, 8 heads, 77 tokens, 49 408 BPE tokens; 1024-d joint space',
      reference:
        'Radford et al. 2021, Sec. 2.4 (text encoder: masked self-attention, [SOS]/[EOS], the top layer at [EOS] linearly projected; 63M parameters, 12 layers, width 512, 8 heads; BPE, 49 152 merges; length capped at 76 plus the start token), Sec. 2.5 (32 epochs, Adam with decoupled weight decay, cosine, batch 32 768, temperature from 0.07 clipped at 100), App. F Tables 19-20 (RN50: lr 5e-4, weight decay 0.2, 2000 warm-up iterations, Adam beta2 0.999 and epsilon 1e-8, embedding 1024). The only image augmentation of the paper, a random square crop, is not applied here.',
      training: {
        optimizer: 'adam',
        learningRate: 5e-4,
        learningRateScaling: 'none',
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        weightDecay: 0.2,
        decoupledWeightDecay: true,
        schedule: 'cosine',
        warmupSteps: 2000,
        batchSize: 32768,
        epochs: 32,
      },
      options: {
        captionSource: 'data',
        embedDim: 1024,
        contextLength: 77,
        vocabularySize: 49408,
        textWidth: 512,
        textLayers: 12,
        textHeads: 8,
        textAttention: 'causal',
        textReadout: 'end-of-text',
        initialTemperature: 0.07,
        maxLogitScale: 100,
      },
    },
  },
  build: ({ encoder, seed, options, captions, classNames }) => {
    let source: CaptionSource;
    let texts: readonly string[];
    if (options['captionSource'] === 'class-prompts') {
      if (!Array.isArray(classNames) || classNames.length === 0) {
        invalidArgument('options.captionSource', '"data" for data without class names ("class-prompts" builds its captions from them)', 'class-prompts');
      }
      const prompts = classNameCaptions({ classNames, templates: CLASS_PROMPT_TEMPLATES });
      source = prompts;
      texts = classNames.flatMap((_, c) => prompts.prompts(c));
    } else {
      if (!Array.isArray(captions) || captions.length === 0) {
        invalidArgument(
          '--data',
          'image-caption data for clip (--data captions:<dir>), or --caption-source class-prompts to train on class names (label supervision)',
          'data without captions',
        );
      }
      source = datasetCaptions();
      texts = captions;
    }
    const [width, heads] = [num(options, 'textWidth'), num(options, 'textHeads')];
    const [temperature, maxScale] = [num(options, 'initialTemperature'), num(options, 'maxLogitScale')];
    if (1 / temperature > maxScale) invalidArgument('options.initialTemperature', `at least 1 / maxLogitScale (${1 / maxScale})`, temperature);
    if (width % heads !== 0) invalidArgument('options.textHeads', `a divisor of textWidth (${width})`, heads);
    const text: TextEncoder = textEncoder({
      tokenizer: trainBpeTokenizer(texts, { vocabularySize: num(options, 'vocabularySize') }),
      maxLength: num(options, 'contextLength'),
      width,
      outputDim: num(options, 'embedDim'),
      layers: num(options, 'textLayers'),
      heads,
      attention: options['textAttention'] === 'bidirectional' ? 'bidirectional' : 'causal',
      readout: options['textReadout'] === 'mean' ? 'mean' : 'endOfText',
      // The text tower draws from its own stream; the method's projection from seed + 1 as every preset's heads.
      seed: seed + 2,
    });
    try {
      const method = clip({
        imageEncoder: encoder,
        textEncoder: text,
        captions: source,
        logitScale: { initial: 1 / temperature, max: maxScale },
        seed: seed + 1,
      });
      // The run saves the image tower (encoder and projection): probes see the joint space, and zero-shot needs it.
      return { ...method, encoder: method.imageTower };
    } catch (error) {
      text.dispose();
      throw error;
    }
  },
};
