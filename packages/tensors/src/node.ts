// Node-only parts: files (data sets, images, checkpoints). Kept out of the main entry so that browsers can import it.
export { assignCheckpointTensors, loadCheckpoint, restoreVariables, saveCheckpoint } from './checkpoint.js';
export type { LoadedCheckpoint } from './checkpoint.js';
export { checkpointDirectory } from './checkpoint-store.js';
export {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DEFAULT_DIR,
  loadFashionMnist,
  loadIdxDataset,
  loadMnistFormat,
  parseIdx,
  readIdx,
} from './data/idx.js';
export type { IdxArray } from './data/idx.js';
export { loadMnist } from './data/mnist.js';
export { decodeImage, encodePng, loadFrames, loadImageFiles, loadImageFolder, readImage, writePng } from './data/images.js';
export type { DecodedImage, FolderDataset, ImageFilesOptions, ImageFolderOptions } from './data/images.js';
// Running tfjs-core from source under plain Node (tsx scripts): the resolve hook its extensionless ESM imports need.
export { registerTfjsEsmResolver } from './backend/tfjs-esm-resolver.js';
// Data-parallel training over Gloo (the optional native/gloo addon)
export { GLOO_ADDON_FILE, initProcessGroup, loadGlooAddon } from './distributed/gloo.js';
export type { GlooAddon, ProcessGroupOptions } from './distributed/gloo.js';
