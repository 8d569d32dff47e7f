// Losses: plain functions over embeddings
export { infoNCE } from './losses/info-nce.js';
export type { InfoNCEOptions } from './losses/info-nce.js';
export { infoNCEOverTargets } from './losses/info-nce-over-targets.js';
export type { InfoNCEOverTargetsOptions } from './losses/info-nce-over-targets.js';
export { ntXent } from './losses/nt-xent.js';
export type { NtXentOptions } from './losses/nt-xent.js';
export { multiViewNtXent } from './losses/multi-view-nt-xent.js';
export type { MultiViewNtXentOptions } from './losses/multi-view-nt-xent.js';
export { clipLoss } from './losses/clip-loss.js';
export type { ClipLossOptions } from './losses/clip-loss.js';
export { clipLogitScale } from './losses/clip-logit-scale.js';
export type { ClipLogitScale, ClipLogitScaleOptions } from './losses/clip-logit-scale.js';
export { byolLoss } from './losses/byol-loss.js';
export { simSiamLoss } from './losses/simsiam-loss.js';
export { barlowTwinsLoss } from './losses/barlow-twins-loss.js';
export type { BarlowTwinsOptions } from './losses/barlow-twins-loss.js';
export { vicregLoss, vicregTerms } from './losses/vicreg-loss.js';
export type { VicregOptions, VicregTerms } from './losses/vicreg-loss.js';

// Building blocks
export { MoCoQueue, MocoQueue } from './queue/moco-queue.js';
export type { MoCoQueueOptions, MocoQueueOptions } from './queue/moco-queue.js';
export { stopGradient } from './ops/stop-gradient.js';

// Methods (each an SSLMethod for fit; each probe evaluates its `encoder`)
export { simclr } from './methods/simclr.js';
export type { SimClrMethod, SimClrOptions, SimclrMethod, SimclrOptions, SmallViews } from './methods/simclr.js';
export { moco, mocoV1, mocoV2 } from './methods/moco.js';
export type { MoCoMethod, MoCoOptions, MocoMethod, MocoOptions } from './methods/moco.js';
export { byol } from './methods/byol.js';
export type { ByolMethod, ByolOptions } from './methods/byol.js';
export { simSiam } from './methods/simsiam.js';
export type { SimSiamMethod, SimSiamOptions } from './methods/simsiam.js';
export { barlowTwins } from './methods/barlow-twins.js';
export type { BarlowTwinsMethod, BarlowTwinsMethodOptions } from './methods/barlow-twins.js';
export { vicreg } from './methods/vicreg.js';
export type { VicregMethod, VicregMethodOptions } from './methods/vicreg.js';
export { cpc } from './methods/cpc.js';
export type { CpcMethod, CpcOptions } from './methods/cpc.js';
export { cpcImage, cpcSequence } from './cpc/front-ends.js';
export type { CpcFrontEnd } from './cpc/front-ends.js';
export { gru } from './cpc/gru.js';
export type { Gru, GruOptions } from './cpc/gru.js';
export { clip } from './methods/clip.js';
export type { ClipMethod, ClipOptions } from './methods/clip.js';
export type { SeedOptions, ViewFn, Views } from './methods/parts.js';
export type { Head } from './methods/parts.js';

// Architectures of the encoders the methods hand out that are not backbones (for loadEncoder)
export {
  clipImageTowerArchitecture,
  contrastiveArchitectures,
  cpcPieceMeanArchitecture,
  registerContrastiveArchitectures,
  textTransformerArchitecture,
} from './architectures.js';

// Presets (training defaults + JSON option schema per method: what `selfsup pretrain --method` trains)
export {
  BYOL_PAPER_VIEWS,
  MOCO_V1_PAPER_VIEWS,
  MOCO_V2_PAPER_VIEWS,
  SIMCLR_PAPER_VIEWS,
  barlowTwinsPreset,
  byolPreset,
  contrastivePresets,
  cpcPreset,
  mocoQueueSizeFor,
  mocoV1Preset,
  mocoV2Preset,
  presetViews,
  simSiamPreset,
  simclrPreset,
  vicregPreset,
} from './methods/presets.js';
export { CLASS_PROMPT_TEMPLATES, clipPreset } from './methods/clip-preset.js';

// Text side of CLIP
export { PAD_TOKEN, UNKNOWN_TOKEN, buildVocabulary, splitWords, tokenize, vocabularyFromTokens } from './text/tokenizer.js';
export type { Vocabulary } from './text/tokenizer.js';
export { END_OF_TEXT, END_OF_WORD, START_OF_TEXT, bpeTokenizerFromJson, captionWords, trainBpeTokenizer } from './text/bpe.js';
export type { BpeTokenizer, BpeTrainingOptions } from './text/bpe.js';
export { textEncoder } from './text/text-encoder.js';
export type { TextAttention, TextEncoder, TextEncoderOptions, TextReadout } from './text/text-encoder.js';
export { DEFAULT_CAPTION_TEMPLATES, DIGIT_WORDS, classNameCaptions, datasetCaptions } from './text/captions.js';
export type { CaptionSource, ClassNameCaptions } from './text/captions.js';
export { zeroShotClassifier } from './text/zero-shot.js';
export type { ZeroShotClassifier, ZeroShotOptions } from './text/zero-shot.js';
