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

/** What `build` gets: the encoder to train, the data's image shape, the run's seed and batch size, resolved options. */
export interface PresetBuildContext {
  readonly encoder: Encoder;
  readonly inputShape: readonly [number, number, number];
  readonly seed: number;
  readonly batchSize: number;
  /** Option values checked against the preset's schema, defaults filled in ({@link resolveOptions}). */
  readonly options: JsonObject;
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
