import { contrastivePresets } from '@selfsup/contrastive';
import { describeArchitectures, hasArchitecture, registerArchitecture } from '@selfsup/encoders';
import { pretextPresets } from '@selfsup/pretext';
import { type MethodPreset, SelfsupError, assertMethodPreset, describeOptionSpec, invalidArgument, presetDataKinds } from '@selfsup/tensors';

/** The methods selfsup ships: every preset of @selfsup/contrastive and @selfsup/pretext. */
export const BUILT_IN_PRESETS: readonly MethodPreset[] = [...contrastivePresets, ...pretextPresets];

/** The methods one command line run knows: the built-in presets and those of its plugins. */
export interface MethodTable {
  readonly presets: readonly MethodPreset[];
  readonly names: readonly string[];
  /** The preset of `name`; an unknown name is a `--method` error listing the known ones. */
  find(name: string): MethodPreset;
}

/**
 * A method table of the built-in presets plus `extra` (plugins' presets). Each preset is checked; a name used twice
 * is an error naming both sources.
 */
export function methodTable(extra: readonly MethodPreset[] = [], sources: ReadonlyMap<MethodPreset, string> = new Map()): MethodTable {
  if (!Array.isArray(extra)) invalidArgument('extra', 'an array of MethodPreset', extra);
  if (!(sources instanceof Map)) invalidArgument('sources', 'a Map from preset to where it came from', sources);
  const presets: MethodPreset[] = [];
  const seen = new Map<string, MethodPreset>();
  for (const preset of [...BUILT_IN_PRESETS, ...extra]) {
    if (presets.includes(preset)) continue;
    assertMethodPreset(BUILT_IN_PRESETS.includes(preset) ? `preset ${preset.name}` : `extra[${extra.indexOf(preset)}]`, preset);
    const previous = seen.get(preset.name);
    if (previous !== undefined) {
      const where = (p: MethodPreset) => sources.get(p) ?? 'selfsup';
      throw new SelfsupError('INVALID_ARGUMENT', `--plugin: method names must be unique; "${preset.name}" is the name of one from ${where(previous)} and of one from ${where(preset)}`, {
        argument: '--plugin',
      });
    }
    seen.set(preset.name, preset);
    presets.push(preset);
  }
  const names = presets.map((p) => p.name);
  return {
    presets,
    names,
    find(name: string): MethodPreset {
      const preset = seen.get(name);
      if (preset === undefined) {
        throw new SelfsupError('INVALID_ARGUMENT', `--method must be one of ${names.join(', ')}; got "${name}"`, { argument: '--method' });
      }
      return preset;
    },
  };
}

/**
 * Registers the architectures the presets declare (`MethodPreset.architectures`: the encoders their methods save that
 * are not backbones, such as jigsaw's 'wholeImage'), so that `loadEncoder` rebuilds a saved run's encoder in any
 * process. A name already registered is kept (a plugin's or the caller's own registration wins), so calling this again
 * is harmless. A preset may not declare a built-in name. Returns the names it registered.
 */
export function registerPresetArchitectures(presets: readonly MethodPreset[]): string[] {
  if (!Array.isArray(presets)) invalidArgument('presets', 'an array of MethodPreset', presets);
  presets.forEach((p, i) => assertMethodPreset(`presets[${i}]`, p));
  const builtIn = new Set(
    describeArchitectures()
      .filter((a) => a.builtIn)
      .map((a) => a.name),
  );
  const registered: string[] = [];
  for (const [i, preset] of presets.entries()) {
    for (const a of preset.architectures ?? []) {
      if (builtIn.has(a.name)) invalidArgument(`presets[${i}].architectures`, `architectures whose names are not built in (${[...builtIn].join(', ')})`, a.name);
      if (hasArchitecture(a.name)) continue;
      registerArchitecture(a.name, a.factory, {
        ...(a.description !== undefined ? { description: a.description } : {}),
        ...(a.defaultConfig !== undefined ? { defaultConfig: a.defaultConfig } : {}),
      });
      registered.push(a.name);
    }
  }
  return registered;
}

/** Converts an option key to its flag: `queueSize` -> `queue-size`. */
export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The method list of `selfsup pretrain --help`: name, description, and each option with its default. */
export function methodHelp(table: MethodTable): string {
  const width = Math.max(0, ...table.names.map((n) => n.length));
  return table.presets
    .map((p) => {
      const options = Object.entries(p.options).map(([key, spec]) => {
        const fallback = spec.default !== undefined ? `, default ${JSON.stringify(spec.default)}` : '';
        return `${' '.repeat(width + 4)}--${kebabCase(key)}: ${spec.description} (${describeOptionSpec(spec)}${fallback})`;
      });
      const recipes = [...new Set(['small', ...Object.keys(p.recipes ?? {})])].join(', ');
      const encoder = p.defaultArchitecture !== undefined ? `; encoder ${p.defaultArchitecture.name}${p.defaultArchitecture.config !== undefined ? ` ${JSON.stringify(p.defaultArchitecture.config)}` : ''}` : '';
      const kinds = presetDataKinds(p);
      const data = kinds.length !== 1 || kinds[0] !== 'images' ? `; data: ${kinds.join(', ')}` : '';
      const lr = `${' '.repeat(width + 4)}optimizer ${p.defaults.optimizer.type}, lr ${p.defaults.learningRate}; recipes: ${recipes}${encoder}${data}`;
      return [`  ${p.name.padEnd(width)}  ${p.description}`, lr, ...options].join('\n');
    })
    .join('\n');
}
