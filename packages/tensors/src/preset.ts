import type { Encoder, Json, JsonObject, SSLMethod } from './contracts.js';
import { SelfsupError, describeValue, invalidArgument } from './errors.js';
import type { ScheduleConfig } from './fit.js';
import type { OptimizerConfig } from './optim/optimizer.js';

/** The JSON types an option of a method preset can have. */
export type OptionType = 'number' | 'integer' | 'boolean' | 'string' | 'number[]' | 'string[]';

export const OPTION_TYPES: readonly OptionType[] = ['number', 'integer', 'boolean', 'string', 'number[]', 'string[]'];

/** One option of a method: its type, what it does, its default and its bounds (checked by {@link resolveOptions}). */
export interface OptionSpec {
  readonly type: OptionType;
  /** One line for `--help` and the docs. */
  readonly description: string;
  /** The value when none is given. Absent: the method chooses (e.g. from the batch size) and the description says how. */
  readonly default?: Json;
  /** Numbers (and every item of a number[]): smallest allowed value. */
  readonly min?: number;
  /** Numbers (and every item of a number[]): largest allowed value. */
  readonly max?: number;
  /** Numbers: `min` itself is not allowed (`> min` rather than `>= min`). */
  readonly exclusiveMin?: boolean;
  /** Strings (and every item of a string[]) or numbers: the allowed values. */
  readonly choices?: readonly (string | number)[];
}

/** Option name (camelCase, as the builder takes it) -> its spec. The CLI turns each into a `--kebab-case` flag. */
export type OptionSchema = { readonly [key: string]: OptionSpec };

/** Where the method comes from: a citation string, or its parts. */
export type PaperCitation =
  | string
  | { readonly authors: string; readonly title: string; readonly year: number; readonly venue?: string; readonly url?: string };

/** How a preset trains by default: the optimizer, its learning rate and schedule, and the method's option values. */
export interface PresetDefaults {
  /** Optimizer config, `type` included (e.g. `{ type: 'adam', beta1: 0.5 }`). */
  readonly optimizer: OptimizerConfig;
  /** Base learning rate. */
  readonly learningRate: number;
  /** Learning-rate schedule. Absent: cosine without warm-up. */
  readonly schedule?: ScheduleConfig;
  /** Batch size the preset was tuned for. Absent: the caller's. */
  readonly batchSize?: number;
  /** Warm-up steps (also expressible in `schedule`). */
  readonly warmupSteps?: number;
  /** The method's option values (the schema's defaults). */
  readonly options: JsonObject;
}

/**
 * What a method trains on: `images` ([H, W, C] in [0, 1]) or `sequences` (L steps of C channels, stored as samples of
 * [1, L, C] so that they batch like images).
 */
export type DataKind = 'images' | 'sequences';

export const DATA_KINDS: readonly DataKind[] = ['images', 'sequences'];

/** What `build` gets: the encoder to train, the data's image shape, the run's seed and batch size, resolved options. */
export interface PresetBuildContext {
  readonly encoder: Encoder;
  readonly inputShape: readonly [number, number, number];
  readonly seed: number;
  readonly batchSize: number;
  /** Option values checked against the preset's schema, defaults filled in ({@link resolveOptions}). */
  readonly options: JsonObject;
  /** The training data's class names, when it is labelled and names its classes (class-name prompts are built from them). */
  readonly classNames?: readonly string[];
  /**
   * The training data's captions in dataset order, when it is image-caption data: what a text tower's tokenizer is
   * built from (CLIP). Each batch carries its own in `batch.captions`.
   */
  readonly captions?: readonly string[];
  /** What the samples are (one of the preset's `dataKinds`). Absent: images. */
  readonly dataKind?: DataKind;
}

/**
 * The encoder a method trains when the run names no architecture: a registered architecture and overrides of its
 * default config (e.g. colorization's `{ name: 'labConvNet', config: { input: 'lightness' } }`).
 */
export interface PresetEncoderDefault {
  readonly name: string;
  /** Keys over the architecture's default config, under the run's own `--arch-config`. */
  readonly config?: JsonObject;
}

/** An encoder architecture the method's saved encoders need registered (to be rebuilt by `loadEncoder`). */
export interface PresetArchitecture {
  readonly name: string;
  readonly factory: (config: JsonObject) => Encoder;
  readonly description?: string;
  /** A default config for images of `inputShape`: lets the command line train it from scratch (`--arch <name>`). */
  readonly defaultConfig?: (inputShape: readonly [number, number, number], seed: number) => JsonObject;
}

/**
 * A ready-to-train recipe for one self-supervised method: its name (the method's `name`, the CLI's `--method`), a
 * description and citation, training defaults suited to small images on a CPU, a JSON option schema (the CLI's flags
 * and config files are checked against it) and `build`, which makes the method around an encoder. Method packages
 * export one per method (`simclrPreset`, ...) and a list; third parties export theirs for `selfsup --plugin`.
 */
export interface MethodPreset {
  /** kebab-case; equals `build(...).name`. */
  readonly name: string;
  readonly description: string;
  readonly paper?: PaperCitation;
  readonly defaults: PresetDefaults;
  readonly options: OptionSchema;
  readonly build: (context: PresetBuildContext) => SSLMethod;
  /** Architectures to register before loading this method's saved encoders. */
  readonly architectures?: readonly PresetArchitecture[];
  /**
   * The encoder the method trains when the run names none (`--arch`), for methods that need a particular one (the Lab
   * networks of colorization and split-brain). Its `config` also applies when the run names that architecture itself.
   * Absent: the caller's default (the command line's convNet).
   */
  readonly defaultArchitecture?: PresetEncoderDefault;
  /** What the method trains on ({@link DataKind}). Absent: images only. */
  readonly dataKinds?: readonly DataKind[];
  /**
   * Named value sets layered over `defaults` (`--recipe <name>`): conventionally `small` (the default: 28-32 px
   * images on a CPU) and `paper` (the paper's setting). A preset without `small` gets an empty one ({@link presetRecipe}).
   */
  readonly recipes?: { readonly [name: string]: MethodRecipe };
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const OPTION_KEY = /^[a-z][A-Za-z0-9]*$/;

/** The default values of a schema (options without a default are left out). */
export function optionDefaults(schema: OptionSchema): JsonObject {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) invalidArgument('schema', 'an option schema (key -> { type, description, ... })', schema);
  const out: Record<string, Json> = {};
  for (const [key, spec] of Object.entries(schema)) if (spec.default !== undefined) out[key] = spec.default;
  return out;
}

function checkSpec(where: string, spec: unknown): asserts spec is OptionSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) invalidArgument(where, 'an option spec { type, description, default?, min?, max?, choices? }', spec);
  const s = spec as Record<string, unknown>;
  if (!OPTION_TYPES.includes(s['type'] as OptionType)) invalidArgument(`${where}.type`, `one of ${OPTION_TYPES.join(', ')}`, s['type']);
  if (typeof s['description'] !== 'string' || s['description'] === '') invalidArgument(`${where}.description`, 'a non-empty string', s['description']);
  for (const bound of ['min', 'max'] as const) {
    if (s[bound] !== undefined && (typeof s[bound] !== 'number' || !Number.isFinite(s[bound]))) invalidArgument(`${where}.${bound}`, 'a finite number', s[bound]);
  }
  if (s['choices'] !== undefined) {
    const choices = s['choices'];
    if (!Array.isArray(choices) || choices.length === 0 || choices.some((c) => typeof c !== 'string' && typeof c !== 'number')) {
      invalidArgument(`${where}.choices`, 'a non-empty array of strings or numbers', choices);
    }
  }
  if (s['default'] !== undefined) checkValue(`${where}.default`, spec as OptionSpec, s['default']);
}

/**
 * Checks a {@link MethodPreset}: name (kebab-case), description, defaults (optimizer type, positive learning rate, option
 * values valid against the schema), the schema itself and `build`. Throws a SelfsupError naming the faulty field.
 */
export function assertMethodPreset(name: string, value: unknown): asserts value is MethodPreset {
  if (typeof name !== 'string') invalidArgument('name', 'a string (the argument name for messages)', name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalidArgument(name, 'a MethodPreset { name, description, defaults, options, build }', value);
  const p = value as Record<string, unknown>;
  if (typeof p['name'] !== 'string' || !NAME.test(p['name'])) invalidArgument(`${name}.name`, 'a kebab-case method name, e.g. "moco-v2"', p['name']);
  if (typeof p['description'] !== 'string' || p['description'] === '') invalidArgument(`${name}.description`, 'a non-empty string', p['description']);
  const paper = p['paper'];
  if (paper !== undefined && typeof paper !== 'string' && (typeof paper !== 'object' || paper === null || Array.isArray(paper))) {
    invalidArgument(`${name}.paper`, 'a citation string or { authors, title, year }', paper);
  }
  if (typeof p['build'] !== 'function') invalidArgument(`${name}.build`, 'a function (context) => SSLMethod', p['build']);
  const schema = p['options'];
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) invalidArgument(`${name}.options`, 'an option schema (key -> { type, description, ... })', schema);
  for (const [key, spec] of Object.entries(schema)) {
    if (!OPTION_KEY.test(key)) invalidArgument(`${name}.options`, `camelCase option keys (letters and digits); "${key}" is not`, key);
    checkSpec(`${name}.options.${key}`, spec);
  }
  const defaults = p['defaults'];
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) invalidArgument(`${name}.defaults`, 'an object { optimizer, learningRate, options }', defaults);
  const d = defaults as Record<string, unknown>;
  const optimizer = d['optimizer'] as { type?: unknown } | undefined;
  if (typeof optimizer !== 'object' || optimizer === null || !['sgd', 'adam', 'lars'].includes(optimizer.type as string)) {
    invalidArgument(`${name}.defaults.optimizer`, 'an optimizer config with type "sgd", "adam" or "lars"', optimizer);
  }
  if (typeof d['learningRate'] !== 'number' || !(d['learningRate'] > 0) || !Number.isFinite(d['learningRate'])) {
    invalidArgument(`${name}.defaults.learningRate`, 'a finite number > 0', d['learningRate']);
  }
  for (const key of ['batchSize', 'warmupSteps'] as const) {
    const v = d[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (key === 'batchSize' ? 1 : 0))) {
      invalidArgument(`${name}.defaults.${key}`, key === 'batchSize' ? 'an integer >= 1' : 'an integer >= 0', v);
    }
  }
  if (d['schedule'] !== undefined) {
    const s = d['schedule'] as { type?: unknown } | null;
    if (typeof s !== 'object' || s === null || (s.type !== 'cosine' && s.type !== 'constant')) {
      invalidArgument(`${name}.defaults.schedule`, 'a schedule config with type "cosine" or "constant"', s);
    }
  }
  if (typeof d['options'] !== 'object' || d['options'] === null || Array.isArray(d['options'])) {
    invalidArgument(`${name}.defaults.options`, "an object of the method's option values", d['options']);
  }
  resolveOptions(schema as OptionSchema, d['options'] as JsonObject, { name: `${name}.defaults.options` });
  const recipes = p['recipes'];
  if (recipes !== undefined) {
    if (typeof recipes !== 'object' || recipes === null || Array.isArray(recipes)) invalidArgument(`${name}.recipes`, 'an object of recipes (name -> { description, training?, options? })', recipes);
    for (const [key, recipe] of Object.entries(recipes)) {
      const where = `${name}.recipes.${key}`;
      if (!NAME.test(key)) invalidArgument(`${name}.recipes`, `kebab-case recipe names; "${key}" is not`, key);
      if (typeof recipe !== 'object' || recipe === null || Array.isArray(recipe)) invalidArgument(where, 'a recipe { description, reference?, training?, options? }', recipe);
      const r = recipe as Record<string, unknown>;
      if (typeof r['description'] !== 'string' || r['description'] === '') invalidArgument(`${where}.description`, 'a non-empty string', r['description']);
      if (r['reference'] !== undefined && typeof r['reference'] !== 'string') invalidArgument(`${where}.reference`, 'a string', r['reference']);
      for (const part of ['training', 'options'] as const) {
        const v = r[part];
        if (v === undefined) continue;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) invalidArgument(`${where}.${part}`, 'an object of values', v);
        resolveOptions(part === 'training' ? TRAINING_OPTIONS : (schema as OptionSchema), v as JsonObject, { name: `${where}.${part}`, fillDefaults: false });
      }
    }
  }
  const architectures = p['architectures'];
  if (architectures !== undefined) {
    if (!Array.isArray(architectures)) invalidArgument(`${name}.architectures`, 'an array of { name, factory }', architectures);
    architectures.forEach((a: unknown, i) => {
      const entry = a as { name?: unknown; factory?: unknown } | null;
      if (typeof entry !== 'object' || entry === null || typeof entry.name !== 'string' || typeof entry.factory !== 'function') {
        invalidArgument(`${name}.architectures[${i}]`, 'an architecture { name, factory(config) => Encoder, description? }', a);
      }
    });
  }
  const encoderDefault = p['defaultArchitecture'] as { name?: unknown; config?: unknown } | null | undefined;
  if (encoderDefault !== undefined) {
    if (typeof encoderDefault !== 'object' || encoderDefault === null || Array.isArray(encoderDefault) || typeof encoderDefault.name !== 'string' || encoderDefault.name === '') {
      invalidArgument(`${name}.defaultArchitecture`, 'an architecture { name, config? }', encoderDefault);
    }
    const config = encoderDefault.config;
    if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) {
      invalidArgument(`${name}.defaultArchitecture.config`, 'a JSON object of config keys', config);
    }
  }
  const kinds = p['dataKinds'];
  if (kinds !== undefined && (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !DATA_KINDS.includes(k as DataKind)))) {
    invalidArgument(`${name}.dataKinds`, `a non-empty array of ${DATA_KINDS.map((k) => `"${k}"`).join(', ')}`, kinds);
  }
}

/** The data kinds a preset trains on: its `dataKinds`, else images only. */
export function presetDataKinds(preset: MethodPreset): readonly DataKind[] {
  assertMethodPreset('preset', preset as unknown);
  return preset.dataKinds ?? ['images'];
}

/** True when `value` looks like a MethodPreset (name, defaults, options, build); {@link assertMethodPreset} says what is wrong. */
export function isMethodPreset(value: unknown): value is MethodPreset {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p['name'] === 'string' && typeof p['build'] === 'function' && typeof p['options'] === 'object' && typeof p['defaults'] === 'object';
}

function describeSpec(spec: OptionSpec): string {
  const array = spec.type.endsWith('[]');
  const base = spec.type.replace('[]', '');
  const item = base === 'integer' ? 'integer' : base === 'number' ? 'number' : base === 'string' ? 'string' : 'boolean';
  const bounds: string[] = [];
  if (spec.min !== undefined) bounds.push(`${spec.exclusiveMin === true ? '>' : '>='} ${spec.min}`);
  if (spec.max !== undefined) bounds.push(`<= ${spec.max}`);
  const choices = spec.choices !== undefined ? ` (one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')})` : '';
  const suffix = `${bounds.length > 0 ? ` ${bounds.join(' and ')}` : ''}${choices}`;
  if (array) return `an array of ${item}s${bounds.length > 0 || choices !== '' ? `, each${suffix}` : ''}`;
  if (item === 'boolean') return 'true or false';
  return `${item === 'integer' ? 'an' : 'a'} ${item}${suffix}`;
}

/** A readable expectation for an option spec: "a number > 0", "an integer >= 1 and <= 1000", "an array of strings". */
export function describeOptionSpec(spec: OptionSpec): string {
  checkSpec('spec', spec);
  return describeSpec(spec);
}

function checkItem(spec: OptionSpec, value: unknown): boolean {
  const base = spec.type.replace('[]', '');
  if (base === 'boolean') return typeof value === 'boolean';
  if (base === 'string') return typeof value === 'string' && (spec.choices === undefined || spec.choices.includes(value));
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (spec.type === 'integer' && !Number.isSafeInteger(value)) return false;
  if (spec.min !== undefined && (spec.exclusiveMin === true ? value <= spec.min : value < spec.min)) return false;
  if (spec.max !== undefined && value > spec.max) return false;
  return spec.choices === undefined || spec.choices.includes(value);
}

function checkValue(where: string, spec: OptionSpec, value: unknown): void {
  const ok = spec.type.endsWith('[]') ? Array.isArray(value) && value.every((v) => checkItem(spec, v)) : checkItem(spec, value);
  if (!ok) invalidArgument(where, describeSpec(spec), value);
}

/** Options of {@link resolveOptions}. */
export interface ResolveOptionsOptions {
  /** How messages name the option set, e.g. "simclr options" or "--config run.json". Default "options". */
  readonly name?: string;
  /** Fill in the schema's defaults for absent keys. Default true. */
  readonly fillDefaults?: boolean;
}

/**
 * Checks option values against a schema and returns them with the defaults filled in. An unknown key is an error
 * naming the key and the allowed ones; a value of the wrong type or out of bounds is an error naming the key, the
 * expectation and the value. `undefined` values count as absent.
 */
export function resolveOptions(schema: OptionSchema, values: Readonly<Record<string, unknown>> = {}, options: ResolveOptionsOptions = {}): JsonObject {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) invalidArgument('schema', 'an option schema (key -> { type, description, ... })', schema);
  if (typeof values !== 'object' || values === null || Array.isArray(values)) invalidArgument('values', 'an object of option values', values);
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
  for (const [key, spec] of Object.entries(schema)) checkSpec(`schema.${key}`, spec);
  const where = options.name ?? 'options';
  const allowed = Object.keys(schema);
  const out: Record<string, Json> = options.fillDefaults === false ? {} : { ...optionDefaults(schema) };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const spec = schema[key];
    if (spec === undefined || !Object.hasOwn(schema, key)) {
      throw new SelfsupError(
        'INVALID_ARGUMENT',
        `${where}: unknown option "${key}" is not allowed; expected one of: ${allowed.length > 0 ? allowed.join(', ') : '(none: this method takes no options)'}`,
        { argument: key, allowed },
      );
    }
    checkValue(`${where}.${key}`, spec, value);
    out[key] = value as Json;
  }
  return out;
}

/**
 * Parses one option value from text (a command-line flag) by its spec: numbers and integers as numbers, booleans as
 * true/false (also 1/0, yes/no), arrays comma-separated. The result is checked like {@link resolveOptions} checks.
 */
export function parseOptionValue(key: string, spec: OptionSpec, text: string): Json {
  if (typeof key !== 'string') invalidArgument('key', 'an option name', key);
  checkSpec(`spec of ${key}`, spec);
  if (typeof text !== 'string') invalidArgument(key, `${describeSpec(spec)} as text`, text);
  const parseItem = (s: string): unknown => {
    const base = spec.type.replace('[]', '');
    const t = s.trim();
    if (base === 'string') return t;
    if (base === 'boolean') {
      if (/^(true|1|yes|on)$/i.test(t)) return true;
      if (/^(false|0|no|off)$/i.test(t)) return false;
      return t;
    }
    return t === '' ? t : Number(t);
  };
  const value = spec.type.endsWith('[]') ? (text.trim() === '' ? [] : text.split(',').map(parseItem)) : parseItem(text);
  if (spec.type.endsWith('[]') ? !(Array.isArray(value) && value.every((v) => checkItem(spec, v))) : !checkItem(spec, value)) {
    throw new SelfsupError('INVALID_ARGUMENT', `${key} must be ${describeSpec(spec)}; got ${describeValue(text)}`, { argument: key, expected: describeSpec(spec) });
  }
  return value as Json;
}

// ---------------------------------------------------------------------------------------------------------------
// Training settings and recipes

/**
 * The training settings every method shares (optimizer, learning rate and its schedule, batch, epochs): the keys of a
 * recipe's and a config file's `training` object. None has a default here: an absent key comes from the preset's
 * `defaults` ({@link resolveTraining}).
 */
export const TRAINING_OPTIONS: OptionSchema = {
  optimizer: { type: 'string', description: 'optimizer', choices: ['adam', 'sgd', 'lars'] },
  learningRate: { type: 'number', description: 'base learning rate', min: 0, exclusiveMin: true },
  learningRateScaling: {
    type: 'string',
    description: 'linear: the learning rate used is learningRate x batchSize / 256 (Goyal et al. 2017), as the SimCLR, BYOL, SimSiam, Barlow Twins and VICReg papers',
    choices: ['none', 'linear'],
  },
  momentum: { type: 'number', description: 'sgd, lars: momentum', min: 0, max: 1 },
  nesterov: { type: 'boolean', description: 'sgd: Nesterov momentum' },
  beta1: { type: 'number', description: 'adam: beta1', min: 0, max: 1 },
  beta2: { type: 'number', description: 'adam: beta2', min: 0, max: 1 },
  epsilon: { type: 'number', description: 'adam: epsilon', min: 0, exclusiveMin: true },
  eta: { type: 'number', description: 'lars: trust coefficient', min: 0, exclusiveMin: true },
  excludeBiasAndNorm: { type: 'boolean', description: 'lars: leave biases and batch-norm parameters out of weight decay and adaptation' },
  weightDecay: { type: 'number', description: 'weight decay', min: 0 },
  decoupledWeightDecay: { type: 'boolean', description: 'adam: decoupled weight decay (AdamW) instead of L2' },
  schedule: { type: 'string', description: 'learning-rate schedule after the warm-up', choices: ['cosine', 'constant'] },
  warmupSteps: { type: 'integer', description: 'linear warm-up, in steps (replaces warmupEpochs)', min: 0 },
  warmupEpochs: { type: 'number', description: 'linear warm-up, in epochs (replaces warmupSteps)', min: 0 },
  finalLearningRate: { type: 'number', description: 'cosine: the learning rate at the end', min: 0 },
  batchSize: { type: 'integer', description: 'images per step', min: 1 },
  epochs: { type: 'integer', description: 'passes over the data', min: 1 },
  gradientClip: { type: 'number', description: 'clip gradients to this global L2 norm', min: 0, exclusiveMin: true },
};

/** The optimizer hyperparameters of {@link TRAINING_OPTIONS} each optimizer takes. */
export const OPTIMIZER_SETTINGS: { readonly [type in OptimizerConfig['type']]: readonly string[] } = {
  sgd: ['momentum', 'nesterov', 'weightDecay'],
  adam: ['beta1', 'beta2', 'epsilon', 'weightDecay', 'decoupledWeightDecay'],
  lars: ['momentum', 'weightDecay', 'eta', 'excludeBiasAndNorm'],
};

const OPTIMIZER_DEFAULTS: { readonly [type in OptimizerConfig['type']]: JsonObject } = {
  sgd: { momentum: 0.9, nesterov: false, weightDecay: 0 },
  adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false },
  lars: { momentum: 0.9, weightDecay: 1e-6, eta: 0.001, excludeBiasAndNorm: true },
};

const ALL_OPTIMIZER_SETTINGS = new Set(Object.values(OPTIMIZER_SETTINGS).flat());

/**
 * A named set of values layered over a preset's defaults (`selfsup pretrain --recipe <name>`): training settings
 * (keys of {@link TRAINING_OPTIONS}) and method option values (keys of the preset's schema). Precedence: preset
 * defaults < recipe < config file < flags.
 */
export interface MethodRecipe {
  /** One line: what the recipe is for. */
  readonly description: string;
  /** Where its values come from (paper, section, table), or why they were chosen. */
  readonly reference?: string;
  /** Training settings (keys of {@link TRAINING_OPTIONS}). */
  readonly training?: JsonObject;
  /** Method option values (keys of the preset's option schema). */
  readonly options?: JsonObject;
}

/** The recipe used when none is named: `small` (28-32 px images, CPU-sized batches). */
export const DEFAULT_RECIPE = 'small';

/**
 * The recipe `name` of a preset. A preset without a `small` recipe gets an empty one (its defaults are the small
 * setting); any other unknown name is an error listing the preset's recipes.
 */
export function presetRecipe(preset: MethodPreset, name: string = DEFAULT_RECIPE): MethodRecipe {
  assertMethodPreset('preset', preset as unknown);
  if (typeof name !== 'string') invalidArgument('name', 'a recipe name', name);
  const recipes = preset.recipes ?? {};
  const recipe = Object.hasOwn(recipes, name) ? recipes[name] : undefined;
  if (recipe !== undefined) return recipe;
  if (name === DEFAULT_RECIPE) return { description: `${preset.name}'s defaults` };
  const names = [...new Set([DEFAULT_RECIPE, ...Object.keys(recipes)])];
  throw new SelfsupError('INVALID_ARGUMENT', `--recipe must be one of ${names.join(', ')} for ${preset.name}; got "${name}"`, { argument: '--recipe', allowed: names });
}

/** One layer of training settings for {@link resolveTraining}: where it comes from (for messages) and its values. */
export interface TrainingLayer {
  readonly name: string;
  readonly values: Readonly<Record<string, unknown>>;
}

function presetTraining(preset: MethodPreset): Record<string, Json> {
  const d = preset.defaults;
  const { type, ...hyper } = d.optimizer as unknown as { type: string } & Record<string, Json>;
  const out: Record<string, Json> = { optimizer: type, learningRate: d.learningRate, learningRateScaling: 'none' };
  for (const [key, value] of Object.entries(hyper)) {
    if (value !== undefined) out[key === 'decoupled' ? 'decoupledWeightDecay' : key] = value;
  }
  const s = d.schedule ?? { type: 'cosine' as const };
  out['schedule'] = s.type;
  const warmupEpochs = s.type === 'cosine' ? s.warmupEpochs : undefined;
  if (warmupEpochs !== undefined) out['warmupEpochs'] = warmupEpochs;
  else out['warmupSteps'] = s.warmupSteps ?? d.warmupSteps ?? 0;
  if (s.type === 'cosine' && s.finalLr !== undefined) out['finalLearningRate'] = s.finalLr;
  out['batchSize'] = d.batchSize ?? 128;
  out['epochs'] = 1;
  return out;
}

/**
 * Resolves a run's training settings: the preset's defaults (optimizer, learning rate, schedule, batch size; 128 when
 * the preset names none; one epoch), then `recipe.training`, then each of `layers` in order (config file, flags): a
 * later value wins. Each layer is checked against {@link TRAINING_OPTIONS} (an unknown key is an error naming it and
 * the allowed ones). An optimizer hyperparameter the resolved optimizer does not take is an error when a layer gives
 * it, and is dropped when it comes from the preset or the recipe (`--optimizer sgd` over a LARS recipe). Setting one
 * of warmupSteps / warmupEpochs replaces the other. Returns every setting, the optimizer's defaults filled in.
 */
export function resolveTraining(preset: MethodPreset, recipe: MethodRecipe | undefined, layers: readonly TrainingLayer[] = []): JsonObject {
  assertMethodPreset('preset', preset);
  if (!Array.isArray(layers)) invalidArgument('layers', 'an array of { name, values }', layers);
  const merged: Record<string, Json> = {};
  const given = new Map<string, string>();
  const apply = (values: Readonly<Record<string, unknown>>, source: string | undefined) => {
    const warmups = ['warmupSteps', 'warmupEpochs'].filter((k) => values[k] !== undefined);
    if (warmups.length === 2) throw new SelfsupError('INVALID_ARGUMENT', `${source ?? 'recipe'}: give warmupSteps or warmupEpochs, not both`, { argument: 'warmupSteps' });
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      if (key === 'warmupSteps' || key === 'warmupEpochs') {
        delete merged[key === 'warmupSteps' ? 'warmupEpochs' : 'warmupSteps'];
        given.delete(key === 'warmupSteps' ? 'warmupEpochs' : 'warmupSteps');
      }
      merged[key] = value as Json;
      if (source !== undefined) given.set(key, source);
      else given.delete(key);
    }
  };
  apply(presetTraining(preset), undefined);
  if (recipe?.training !== undefined) apply(resolveOptions(TRAINING_OPTIONS, recipe.training, { name: `${preset.name} recipe training`, fillDefaults: false }), undefined);
  for (const [i, layer] of layers.entries()) {
    if (typeof layer !== 'object' || layer === null || typeof layer.name !== 'string') invalidArgument(`layers[${i}]`, 'a layer { name, values }', layer);
    apply(resolveOptions(TRAINING_OPTIONS, layer.values, { name: layer.name, fillDefaults: false }), layer.name);
  }
  const type = merged['optimizer'] as OptimizerConfig['type'];
  const takes = OPTIMIZER_SETTINGS[type];
  const out: Record<string, Json> = { optimizer: type, learningRate: merged['learningRate'] as number, learningRateScaling: merged['learningRateScaling'] as string };
  for (const key of ALL_OPTIMIZER_SETTINGS) {
    if (merged[key] === undefined || takes.includes(key)) continue;
    const source = given.get(key);
    if (source !== undefined) {
      const users = Object.entries(OPTIMIZER_SETTINGS).filter(([, keys]) => keys.includes(key)).map(([t]) => t);
      throw new SelfsupError('INVALID_ARGUMENT', `${source}: ${key} is a setting of the ${users.join(' and ')} optimizer${users.length > 1 ? 's' : ''}; this run's optimizer is ${type}`, {
        argument: key,
      });
    }
  }
  for (const key of takes) out[key] = merged[key] ?? (OPTIMIZER_DEFAULTS[type][key] as Json);
  out['schedule'] = merged['schedule'] as string;
  if (merged['warmupEpochs'] !== undefined) out['warmupEpochs'] = merged['warmupEpochs'];
  else out['warmupSteps'] = merged['warmupSteps'] ?? 0;
  if (out['schedule'] === 'cosine') out['finalLearningRate'] = merged['finalLearningRate'] ?? 0;
  out['batchSize'] = merged['batchSize'] as number;
  out['epochs'] = merged['epochs'] as number;
  if (merged['gradientClip'] !== undefined) out['gradientClip'] = merged['gradientClip'];
  return out;
}

/** What `fit` takes from resolved training settings ({@link resolveTraining}). */
export interface TrainingFitOptions {
  readonly optimizer: OptimizerConfig;
  /** The learning rate used: `learningRate`, times batchSize / 256 under linear scaling. */
  readonly learningRate: number;
  readonly schedule: ScheduleConfig;
  readonly batchSize: number;
  readonly epochs: number;
  readonly gradientClipNorm?: number;
}

/** Turns resolved training settings into `fit` options: the optimizer config, the scaled learning rate, the schedule. */
export function trainingFitOptions(training: JsonObject): TrainingFitOptions {
  const t = resolveOptions(TRAINING_OPTIONS, training, { name: 'training', fillDefaults: false }) as Record<string, Json>;
  const type = t['optimizer'] as OptimizerConfig['type'];
  if (type === undefined || t['learningRate'] === undefined || t['batchSize'] === undefined) {
    invalidArgument('training', 'resolved training settings (resolveTraining) with optimizer, learningRate and batchSize', training);
  }
  const pick = (keys: readonly string[]) => Object.fromEntries(keys.filter((k) => t[k] !== undefined).map((k) => [k === 'decoupledWeightDecay' ? 'decoupled' : k, t[k]]));
  const optimizer = { type, ...pick(OPTIMIZER_SETTINGS[type]) } as OptimizerConfig;
  const batchSize = t['batchSize'] as number;
  const base = t['learningRate'] as number;
  const learningRate = t['learningRateScaling'] === 'linear' ? (base * batchSize) / 256 : base;
  const warmup = t['warmupEpochs'] !== undefined ? { warmupEpochs: t['warmupEpochs'] as number } : { warmupSteps: (t['warmupSteps'] as number | undefined) ?? 0 };
  const schedule: ScheduleConfig =
    t['schedule'] === 'constant'
      ? { type: 'constant', ...warmup }
      : { type: 'cosine', ...warmup, ...(t['finalLearningRate'] !== undefined ? { finalLr: t['finalLearningRate'] as number } : {}) };
  return {
    optimizer,
    learningRate,
    schedule,
    batchSize,
    epochs: (t['epochs'] as number | undefined) ?? 1,
    ...(t['gradientClip'] !== undefined ? { gradientClipNorm: t['gradientClip'] as number } : {}),
  };
}
