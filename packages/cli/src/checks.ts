import { assertObject, invalidArgument } from '@selfsup/tensors';

/** The checks every command function makes before anything else: an options object, and io with stdout and stderr. */
export function checkCommandArguments(options: unknown, io: unknown, required: readonly string[]): void {
  assertObject('options', options, 'an options object (the parsed flags)');
  assertObject('io', io, 'an object with stdout(text) and stderr(text) functions');
  const i = io as Record<string, unknown>;
  if (typeof i['stdout'] !== 'function' || typeof i['stderr'] !== 'function') invalidArgument('io', 'an object with stdout(text) and stderr(text) functions', io);
  if (i['presets'] !== undefined && !Array.isArray(i['presets'])) invalidArgument('io.presets', 'an array of MethodPreset', i['presets']);
  const o = options as Record<string, unknown>;
  for (const key of required) if (typeof o[key] !== 'string') invalidArgument(`options.${key}`, 'a string', o[key]);
}
