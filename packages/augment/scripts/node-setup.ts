// Imported first by the scripts and the benchmark: lets plain Node (tsx) load tfjs-core's extensionless ESM imports.
import { register } from 'node:module';

register('./tfjs-esm-hook.mjs', import.meta.url);
