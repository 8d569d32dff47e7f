import { DEFAULT_RECIPE, type Json, type JsonObject, type MethodPreset, type MethodRecipe, SelfsupError, TRAINING_OPTIONS, describeValue, parseOptionValue, presetRecipe, resolveOptions, resolveTraining, assertObject, invalidArgument, assertMethodPreset } from '@selfsup/tensors';
import { checkArchConfig } from './architectures.js';
import { checkValidation } from './data.js';
import { readConfigFile, resolveMethodOptions } from './method-options.js';
import { kebabCase } from './methods.js';

/**
 * The keys of a `selfsup pretrain --config` file. Run settings at the top (each also a flag), the training settings
 * under `training` (keys of TRAINING_OPTIONS) and the method's option values under `options` (keys of the method's
 * schema, view parameters included).
 */
export const RUN_CONFIG_KEYS = ['method', 'recipe', 'data', 'arch', 'archConfig', 'seed', 'limit', 'validation', 'imageSize', 'channels', 'training', 'options'] as const;

/** The flag of each training setting. Optimizer hyperparameters carry `--optimizer-`, so method options keep their names. */
export const TRAINING_FLAGS: { readonly [key: string]: string } = {
  optimizer: '--optimizer',
  learningRate: '--lr',
  learningRateScaling: '--lr-scaling',
  momentum: '--optimizer-momentum',
  nesterov: '--optimizer-nesterov',
  beta1: '--optimizer-beta1',
  beta2: '--optimizer-beta2',
  epsilon: '--optimizer-epsilon',
  eta: '--optimizer-eta',
  excludeBiasAndNorm: '--optimizer-exclude-bias-and-norm',
  weightDecay: '--weight-decay',
  decoupledWeightDecay: '--decoupled-weight-decay',
  schedule: '--schedule',
  warmupSteps: '--warmup-steps',
  warmupEpochs: '--warmup-epochs',
  finalLearningRate: '--final-lr',
  batchSize: '--batch-size',
  epochs: '--epochs',
  gradientClip: '--gradient-clip',
};

/** A --config file, its keys checked (not yet against a method). */
export interface RunConfigFile {
  readonly method?: string;
  readonly recipe?: string;
  readonly data?: string;
  readonly arch?: string;
  /** Overrides of the backbone's default config (`--arch-config`), e.g. `{ channels: [32, 64, 128], strides: [1, 2, 2] }`. */
  readonly archConfig?: JsonObject;
  readonly seed?: number;
  readonly limit?: number;
  /** Hold out this share of the training split (fixed seed) and use it as the test split. */
  readonly validation?: number;
  readonly imageSize?: readonly [number, number];
  readonly channels?: 1 | 3;
  readonly training?: JsonObject;
  readonly options?: JsonObject;
}

function bad(where: string, expected: string, value: unknown, argument: string): never {
  throw new SelfsupError('INVALID_ARGUMENT', `${where} must be ${expected}; got ${describeValue(value)}`, { argument });
}

/** Checks the top level of a --config object: unknown keys are an error naming them and the allowed ones. */
export function checkRunConfig(value: JsonObject, file: string): RunConfigFile {
  if (typeof file !== 'string') invalidArgument('file', 'the config file name (a string, for messages)', file);
  assertObject(`--config ${file}`, value as unknown, 'a JSON object');
  const where = `--config ${file}`;
  for (const key of Object.keys(value)) {
    if (!(RUN_CONFIG_KEYS as readonly string[]).includes(key)) {
      const hint = Object.hasOwn(TRAINING_OPTIONS, key) ? ` ("${key}" is a training setting: put it under "training")` : ' (method options go under "options")';
      throw new SelfsupError('INVALID_ARGUMENT', `${where}: unknown key "${key}" is not allowed; expected one of: ${RUN_CONFIG_KEYS.join(', ')}${hint}`, {
        argument: key,
        allowed: [...RUN_CONFIG_KEYS],
      });
    }
  }
  for (const key of ['method', 'recipe', 'data', 'arch'] as const) {
    if (value[key] !== undefined && (typeof value[key] !== 'string' || value[key] === '')) bad(`${where}: "${key}"`, 'a non-empty string', value[key], key);
  }
  if (value['archConfig'] !== undefined) checkArchConfig(value['archConfig'], `${where}: archConfig`);
  for (const key of ['seed', 'limit'] as const) {
    const v = value[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (key === 'seed' ? 0 : 2))) bad(`${where}: "${key}"`, `an integer >= ${key === 'seed' ? 0 : 2}`, v, key);
  }
  const validation = value['validation'];
  if (validation !== undefined && !(typeof validation === 'number' && validation > 0 && validation < 1)) {
    bad(`${where}: "validation"`, 'a fraction strictly between 0 and 1 (the share of the training split held out)', validation, 'validation');
  }
  const size = value['imageSize'];
  if (size !== undefined && !(Array.isArray(size) && size.length === 2 && size.every((s) => typeof s === 'number' && Number.isSafeInteger(s) && s >= 1 && s <= 4096))) {
    bad(`${where}: "imageSize"`, '[height, width], two integers in [1, 4096]', size, 'imageSize');
  }
  if (value['channels'] !== undefined && value['channels'] !== 1 && value['channels'] !== 3) bad(`${where}: "channels"`, '1 or 3', value['channels'], 'channels');
  for (const key of ['training', 'options'] as const) {
    const v = value[key];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) bad(`${where}: "${key}"`, 'an object', v, key);
  }
  if (value['training'] !== undefined) resolveOptions(TRAINING_OPTIONS, value['training'] as JsonObject, { name: `${where} training`, fillDefaults: false });
  return value as RunConfigFile;
}

/** Reads and checks a --config file. */
export async function readRunConfig(file: string): Promise<RunConfigFile> {
  return checkRunConfig(await readConfigFile(file), file);
}

/** Everything that defines a pretraining run, as written to run.json's `config` (and compared by --resume). */
export interface ResolvedRunConfig extends JsonObject {
  readonly method: string;
  readonly recipe: string;
  readonly data: string;
  readonly arch: string;
  readonly seed: number;
  /** Every training setting, defaults filled in (resolveTraining). */
  readonly training: JsonObject;
  /** Every method option, defaults filled in. */
  readonly options: JsonObject;
}

/** What the command line and the caller give, over the file. */
export interface RunConfigSources {
  readonly file?: RunConfigFile;
  readonly fileName?: string;
  /** Run settings from flags (or the caller): they win over the file. */
  readonly run?: { readonly recipe?: string; readonly data?: string; readonly arch?: string; readonly archConfig?: JsonObject; readonly seed?: number; readonly limit?: number; readonly validation?: number; readonly imageSize?: readonly [number, number]; readonly channels?: 1 | 3 };
  /** Training settings as JSON values (the caller's), over the file. */
  readonly training?: Readonly<Record<string, unknown>>;
  /** Training settings as flag texts, keyed by setting (`{ weightDecay: '1e-4' }`); win over everything. */
  readonly trainingFlags?: Readonly<Record<string, string>>;
  readonly methodOptions?: Readonly<Record<string, unknown>>;
  readonly methodFlags?: Readonly<Record<string, string>>;
}

/**
 * Resolves a run's configuration for `preset`: preset defaults < recipe (`--recipe`, default `small`) < config file <
 * the caller's values < flags, for the training settings and the method options alike. Returns it with every value
 * filled in, and the recipe used. The architecture is the run's, else the preset's `defaultArchitecture`, else
 * convNet; the preset's config for its architecture sits under the run's `archConfig`.
 */
export function resolveRunConfig(preset: MethodPreset, sources: RunConfigSources): { config: ResolvedRunConfig; recipe: MethodRecipe } {
  assertMethodPreset('preset', preset as unknown);
  assertObject('sources', sources as unknown, 'an object of config sources ({ file, run, training, methodOptions, ... })');
  const file = sources.file ?? {};
  const fileName = sources.fileName ?? '';
  const run = sources.run ?? {};
  const recipeName = run.recipe ?? file.recipe ?? DEFAULT_RECIPE;
  const recipe = presetRecipe(preset, recipeName);
  const flagValues: Record<string, Json> = {};
  for (const [key, text] of Object.entries(sources.trainingFlags ?? {})) {
    const spec = TRAINING_OPTIONS[key];
    const flag = TRAINING_FLAGS[key] ?? `--${kebabCase(key)}`;
    if (spec === undefined || !Object.hasOwn(TRAINING_OPTIONS, key)) {
      throw new SelfsupError('INVALID_ARGUMENT', `${flag} is not a training setting; expected one of: ${Object.values(TRAINING_FLAGS).join(', ')}`, { argument: flag });
    }
    flagValues[key] = parseOptionValue(flag, spec, text);
  }
  const layers = [
    ...(file.training !== undefined ? [{ name: `--config ${fileName} training`.replace('  ', ' '), values: file.training }] : []),
    ...(sources.training !== undefined ? [{ name: 'training settings', values: sources.training }] : []),
    ...(Object.keys(flagValues).length > 0 ? [{ name: 'flags', values: flagValues }] : []),
  ];
  const training = resolveTraining(preset, recipe, layers);
  const recipeOptions = recipe.options !== undefined ? resolveOptions(preset.options, recipe.options, { name: `${preset.name} recipe ${recipeName}`, fillDefaults: false }) : {};
  const fileOptions = file.options ?? {};
  // The recipe's values sit under the file's: merge them as one config layer, the file's keys winning.
  const options = resolveMethodOptions(preset, {
    config: { ...recipeOptions, ...resolveOptions(preset.options, fileOptions, { name: `--config ${fileName} options (${preset.name})`.replace('  ', ' '), fillDefaults: false }) },
    ...(sources.fileName !== undefined ? { configFile: sources.fileName } : {}),
    ...(sources.methodOptions !== undefined ? { values: sources.methodOptions } : {}),
    ...(sources.methodFlags !== undefined ? { flags: sources.methodFlags } : {}),
  });
  const data = run.data ?? file.data;
  if (data === undefined) throw new SelfsupError('INVALID_ARGUMENT', '--data is required (or "data" in the --config file)', { argument: '--data' });
  const limit = run.limit ?? file.limit;
  // The flag replaces the file's object whole (as every other key); an empty object changes nothing and is not recorded.
  const givenArchConfig = run.archConfig !== undefined ? checkArchConfig(run.archConfig) : file.archConfig;
  // A method that trains a particular encoder (colorization's labConvNet) names it; its config keys sit under the run's.
  const arch = run.arch ?? file.arch ?? preset.defaultArchitecture?.name ?? 'convNet';
  const presetArchConfig = preset.defaultArchitecture?.name === arch ? preset.defaultArchitecture.config : undefined;
  const archConfig = presetArchConfig !== undefined ? { ...presetArchConfig, ...givenArchConfig } : givenArchConfig;
  const validation = run.validation ?? file.validation;
  if (validation !== undefined) checkValidation(validation);
  const imageSize = run.imageSize ?? file.imageSize;
  const channels = run.channels ?? file.channels;
  const config: ResolvedRunConfig = {
    method: preset.name,
    recipe: recipeName,
    data,
    arch,
    ...(archConfig !== undefined && Object.keys(archConfig).length > 0 ? { archConfig: { ...archConfig } } : {}),
    seed: run.seed ?? file.seed ?? 0,
    ...(limit !== undefined ? { limit } : {}),
    ...(validation !== undefined ? { validation } : {}),
    ...(imageSize !== undefined ? { imageSize: [...imageSize] } : {}),
    ...(channels !== undefined ? { channels } : {}),
    training,
    options,
  };
  return { config, recipe };
}

/** The flag (or config key) that sets a path of the resolved config, for messages. */
export function configFlag(pathParts: readonly string[]): string {
  const [head, key] = pathParts;
  if (head === 'training' && key !== undefined) return TRAINING_FLAGS[key] ?? `training.${key}`;
  if (head === 'options' && key !== undefined) return `--${kebabCase(key)}`;
  return `--${kebabCase(head ?? '')}`;
}

/** The first path where two resolved configs differ (keys of either), or undefined when they agree. */
export function configDifference(before: Json | undefined, now: Json | undefined, at: readonly string[] = []): { path: string[]; before: Json | undefined; now: Json | undefined } | undefined {
  const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(now)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(now)])) {
      const d = configDifference(before[key], now[key], [...at, key]);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return JSON.stringify(before) === JSON.stringify(now) ? undefined : { path: [...at], before, now };
}
