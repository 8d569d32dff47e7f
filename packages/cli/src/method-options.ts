import { promises as fs } from 'node:fs';
import {
  type Json,
  type JsonObject,
  type MethodPreset,
  type OptionSpec,
  SelfsupError,
  assertMethodPreset,
  assertObject,
  describeValue,
  invalidArgument,
  parseOptionValue,
  resolveOptions,
} from '@selfsup/tensors';
import { kebabCase } from './methods.js';

/** One generated method flag: the option key it sets and the presets that have it. */
export interface MethodFlag {
  /** camelCase option key (also the key commander stores the flag's value under). */
  readonly key: string;
  /** `--kebab-case` */
  readonly flag: string;
  readonly presets: readonly { readonly preset: MethodPreset; readonly spec: OptionSpec }[];
}

/**
 * The method-option flags of a set of presets: one per schema key across all of them (`temperature` ->
 * `--temperature`), minus the keys whose flag a command already uses (`reserved`; those options are set with
 * --config).
 */
export function methodFlags(presets: readonly MethodPreset[], reserved: ReadonlySet<string>): MethodFlag[] {
  const byKey = new Map<string, { preset: MethodPreset; spec: OptionSpec }[]>();
  for (const preset of presets) {
    for (const [key, spec] of Object.entries(preset.options)) {
      if (reserved.has(kebabCase(key))) continue;
      const list = byKey.get(key) ?? [];
      list.push({ preset, spec });
      byKey.set(key, list);
    }
  }
  return [...byKey].map(([key, list]) => ({ key, flag: `--${kebabCase(key)}`, presets: list }));
}

/** The help line of a generated flag: what it is and which methods take it, with their defaults. */
export function methodFlagDescription(flag: MethodFlag): string {
  const first = flag.presets[0]?.spec;
  const users = flag.presets.map(({ preset, spec }) => `${preset.name}${spec.default !== undefined ? ` ${JSON.stringify(spec.default)}` : ''}`);
  return `method option: ${first?.description ?? flag.key} [${users.join(', ')}]`;
}

/** Reads a --config file as a JSON object (checked by the caller: `readRunConfig`). */
export async function readConfigFile(file: string): Promise<JsonObject> {
  if (typeof file !== 'string' || file === '') invalidArgument('--config', 'a file name', file);
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new SelfsupError('INVALID_ARGUMENT', `--config ${file}: expected a readable JSON file; reading it gave ${error.code ?? error.message}`, { argument: '--config' });
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SelfsupError('INVALID_ARGUMENT', `--config ${file}: expected JSON; parsing it gave ${error instanceof Error ? error.message : String(error)}`, { argument: '--config' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SelfsupError('INVALID_ARGUMENT', `--config ${file}: expected a JSON object of method options; got ${describeValue(value)}`, { argument: '--config' });
  }
  return value as JsonObject;
}

/**
 * Resolves a method's option values: the preset's defaults, then the --config file, then `values` (programmatic), then
 * the flags' texts (flags win). A key the method does not have is an error naming it and the allowed ones.
 */
export function resolveMethodOptions(
  preset: MethodPreset,
  sources: { readonly config?: JsonObject; readonly configFile?: string; readonly values?: Readonly<Record<string, unknown>>; readonly flags?: Readonly<Record<string, string>> },
): JsonObject {
  assertMethodPreset('preset', preset);
  assertObject('sources', sources);
  const flagTexts = sources.flags ?? {};
  assertObject('sources.flags', flagTexts);
  for (const [key, text] of Object.entries(flagTexts)) if (typeof text !== 'string') invalidArgument(`sources.flags.${key}`, 'the text of a flag', text);
  const allowed = Object.keys(preset.options);
  const allowedFlags = allowed.map((k) => `--${kebabCase(k)}`);
  const merged: Record<string, Json> = {};
  if (sources.config !== undefined) Object.assign(merged, resolveOptions(preset.options, sources.config, { name: `--config ${sources.configFile ?? ''} (${preset.name} options)`.replace('  ', ' '), fillDefaults: false }));
  if (sources.values !== undefined) Object.assign(merged, resolveOptions(preset.options, sources.values, { name: `${preset.name} options`, fillDefaults: false }));
  for (const [key, text] of Object.entries(flagTexts)) {
    const spec = preset.options[key];
    if (spec === undefined || !Object.hasOwn(preset.options, key)) {
      throw new SelfsupError(
        'INVALID_ARGUMENT',
        `--${kebabCase(key)} is not an option of ${preset.name}; expected one of its options: ${allowedFlags.length > 0 ? allowedFlags.join(', ') : '(none)'}`,
        { argument: `--${kebabCase(key)}` },
      );
    }
    merged[key] = parseOptionValue(`--${kebabCase(key)}`, spec, text);
  }
  return resolveOptions(preset.options, merged, { name: `${preset.name} options` });
}
