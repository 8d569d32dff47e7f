/**
 * How the GPU bundles (bench/gpu/prepare.sh) load tfjs's backends: by literal imports, so that esbuild puts the cpu and
 * webgpu backends into the same bundle as tfjs-core (a backend must register with the engine selfsup uses), while
 * `webgpu` (Dawn's native addon) stays a file beside the bundle, in pack/node_modules. Passed to initBackend as its
 * `loader`; anything else is not in the pack.
 */
import type { ModuleLoader } from '@selfsup/tensors';

// A variable, not a literal: esbuild leaves Dawn's package to be found at run time next to the bundle.
const DAWN = 'webgpu';

export const gpuPackLoader: ModuleLoader = async (specifier) => {
  switch (specifier) {
    case '@tensorflow/tfjs-backend-webgpu':
      return import('@tensorflow/tfjs-backend-webgpu');
    case '@tensorflow/tfjs-backend-cpu':
      return import('@tensorflow/tfjs-backend-cpu');
    case 'webgpu':
      return import(/* @vite-ignore */ DAWN);
    default:
      throw new Error(`${specifier} is not in the GPU pack (bench/gpu/prepare.sh bundles the cpu and webgpu backends only)`);
  }
};
