/**
 * Zero-shot classification with a CLIP run of `selfsup pretrain --method clip` (Radford et al. 2021, 3.1.2): reloads the
 * image tower (<run>/encoder) and the text tower with its tokenizer (<run>/companions/text), embeds one prompt set per
 * class, and assigns each test image the class whose mean prompt embedding is nearest. Two prompt sets: the names the
 * caption folder used (caption-names.ts; "a trainer", "a running shoe", ... averaged per class) and the data set's own
 * class name alone ("a sneaker").
 *
 *   npx tsx --conditions=@selfsup/source scripts/clip-zero-shot.ts --run runs/clip-fm --data fashion-mnist --limit 10000
 *
 * Prints the accuracies and writes them to <run>/zero-shot.json.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '@selfsup/tensors';
import { FASHION_MNIST_CLASSES, loadFashionMnist, loadMnist } from '@selfsup/tensors/node';
import { loadEncoder } from '@selfsup/encoders/node';
import { type TextEncoder, registerContrastiveArchitectures, zeroShotClassifier } from '../src/index.js';
import { DIGITS, FASHION_NAMES } from './caption-names.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const run = arg('run', '');
const source = arg('data', 'fashion-mnist');
const limit = Number(arg('limit', '10000'));
if (run === '') throw new Error('--run <pretrain --out directory> is required');

await initBackend();
registerContrastiveArchitectures();
const image = await loadEncoder(path.join(run, 'encoder'));
const text = (await loadEncoder(path.join(run, 'companions', 'text'))) as TextEncoder;
const mnist = source === 'mnist';
const test = mnist
  ? loadMnist('test', { limit })
  : await loadFashionMnist('test', { limit, ...(source.includes(':') ? { dir: source.slice(source.indexOf(':') + 1) } : {}) });
const article = (w: string) => `${/^[aeiou]/.test(w) ? 'an' : 'a'} ${w}`;
const promptSets: Record<string, string[][]> = mnist
  ? {
      'caption names': DIGITS.map((d, c) => [`a digit ${d}`, `a handwritten ${c}`, `a number ${d}`]),
      'class name': DIGITS.map((d) => [`a digit ${d}`]),
    }
  : {
      'caption names': FASHION_NAMES.map((names) => names.map(article)),
      'class name': FASHION_MNIST_CLASSES.map((name) => [article(name.toLowerCase())]),
    };
const results: Record<string, number> = {};
for (const [name, classPrompts] of Object.entries(promptSets)) {
  const classifier = zeroShotClassifier({ imageEncoder: image, textEncoder: text, classPrompts });
  const { top1, numSamples } = await classifier.evaluate(test, { batchSize: 500 });
  classifier.dispose();
  results[name] = top1;
  console.log(`zero-shot top-1 (${name} prompts, e.g. ${JSON.stringify(classPrompts[7])}): ${(100 * top1).toFixed(2)}% of ${numSamples} ${source} test images`);
}
await fs.writeFile(path.join(run, 'zero-shot.json'), `${JSON.stringify({ data: source, limit, results }, null, 2)}\n`);
test.dispose?.();
image.dispose();
text.dispose();
