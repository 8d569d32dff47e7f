import { describe, expect, it } from 'vitest';
import { SelfsupError } from './errors.js';
import { type MethodPreset, type OptionSchema, assertMethodPreset, isMethodPreset, optionDefaults, parseOptionValue, presetDataKinds, resolveOptions } from './preset.js';

const schema: OptionSchema = {
  temperature: { type: 'number', description: 'tau', default: 0.5, min: 0, exclusiveMin: true },
  queueSize: { type: 'integer', description: 'K (default: from the batch)', min: 1 },
  hiddenDims: { type: 'number[]', description: 'hidden layers', default: [256], min: 1 },
  zoomToFit: { type: 'boolean', description: 'zoom', default: true },
  kind: { type: 'string', description: 'kind', default: 'a', choices: ['a', 'b'] },
};

const preset: MethodPreset = {
  name: 'toy-method',
  description: 'a toy',
  paper: 'Nobody 2024',
  defaults: { optimizer: { type: 'adam' }, learningRate: 1e-3, options: optionDefaults(schema) },
  options: schema,
  build: () => {
    throw new Error('not built here');
  },
};

describe('option schemas', () => {
  it('fills defaults and keeps given values', () => {
    expect(resolveOptions(schema, {})).toEqual({ temperature: 0.5, hiddenDims: [256], zoomToFit: true, kind: 'a' });
    expect(resolveOptions(schema, { temperature: 0.1, queueSize: 64, kind: 'b', hiddenDims: undefined })).toEqual({
      temperature: 0.1,
      queueSize: 64,
      hiddenDims: [256],
      zoomToFit: true,
      kind: 'b',
    });
    expect(resolveOptions(schema, { queueSize: 8 }, { fillDefaults: false })).toEqual({ queueSize: 8 });
  });

  it('rejects an unknown key, naming it and the allowed ones', () => {
    expect(() => resolveOptions(schema, { temprature: 1 }, { name: 'simclr options' })).toThrow(
      'simclr options: unknown option "temprature" is not allowed; expected one of: temperature, queueSize, hiddenDims, zoomToFit, kind',
    );
    expect(() => resolveOptions({}, { x: 1 })).toThrow(/expected one of: \(none/);
  });

  it('rejects a wrong type naming key, expectation and value', () => {
    expect(() => resolveOptions(schema, { temperature: 'hot' })).toThrow('options.temperature must be a number > 0; got "hot"');
    expect(() => resolveOptions(schema, { temperature: 0 })).toThrow(/must be a number > 0; got 0/);
    expect(() => resolveOptions(schema, { queueSize: 1.5 })).toThrow(/options.queueSize must be an integer >= 1; got 1.5/);
    expect(() => resolveOptions(schema, { hiddenDims: [1, 'x'] })).toThrow(/options.hiddenDims must be an array of numbers, each >= 1; got \[1, "x"\]/);
    expect(() => resolveOptions(schema, { kind: 'c' })).toThrow(/one of "a", "b"/);
    expect(() => resolveOptions(schema, { zoomToFit: 'yes' })).toThrow(SelfsupError);
  });

  it('parses flag text by type', () => {
    expect(parseOptionValue('temperature', schema['temperature']!, '0.2')).toBe(0.2);
    expect(parseOptionValue('hiddenDims', schema['hiddenDims']!, '128, 64')).toEqual([128, 64]);
    expect(parseOptionValue('zoomToFit', schema['zoomToFit']!, 'false')).toBe(false);
    expect(() => parseOptionValue('queueSize', schema['queueSize']!, '12.5')).toThrow('queueSize must be an integer >= 1; got "12.5"');
    expect(() => parseOptionValue('temperature', schema['temperature']!, '')).toThrow(/temperature must be a number > 0/);
  });
});

describe('assertMethodPreset', () => {
  it('accepts a well-formed preset', () => {
    expect(() => assertMethodPreset('preset', preset)).not.toThrow();
    expect(isMethodPreset(preset)).toBe(true);
    expect(isMethodPreset({ name: 'x' })).toBe(false);
  });

  it.each([
    [{ ...preset, name: 'MoCo' }, /preset.name must be a kebab-case method name/],
    [{ ...preset, build: 1 }, /preset.build must be a function/],
    [{ ...preset, defaults: { ...preset.defaults, learningRate: -1 } }, /preset.defaults.learningRate must be a finite number > 0/],
    [{ ...preset, defaults: { ...preset.defaults, optimizer: { type: 'rmsprop' } } }, /preset.defaults.optimizer must be/],
    [{ ...preset, defaults: { ...preset.defaults, options: { nope: 1 } } }, /unknown option "nope"/],
    [{ ...preset, options: { x: { type: 'float', description: 'x' } } }, /preset.options.x.type must be one of/],
    [{ ...preset, options: { x: { type: 'number', description: 'x', default: 'a' } } }, /preset.options.x.default must be a number/],
    [{ ...preset, options: { 'bad-key': { type: 'number', description: 'x' } } }, /camelCase option keys/],
    [{ ...preset, defaultArchitecture: 'labConvNet' }, /preset.defaultArchitecture must be an architecture \{ name, config\? \}; got "labConvNet"/],
    [{ ...preset, defaultArchitecture: { name: 'labConvNet', config: [1] } }, /preset.defaultArchitecture.config must be a JSON object of config keys; got \[1\]/],
    [{ ...preset, dataKinds: [] }, /preset.dataKinds must be a non-empty array of "images", "sequences"; got \[\]/],
    [{ ...preset, dataKinds: ['images', 'audio'] }, /preset.dataKinds must be a non-empty array of "images", "sequences"/],
    [null, /preset must be a MethodPreset/],
  ])('rejects a malformed preset (%#)', (value, message) => {
    expect(() => assertMethodPreset('preset', value)).toThrow(message);
  });

  it('takes an encoder default and data kinds; without them a preset trains on images', () => {
    const withBoth = { ...preset, defaultArchitecture: { name: 'labConvNet', config: { input: 'split' } }, dataKinds: ['images', 'sequences'] as const };
    expect(() => assertMethodPreset('preset', withBoth)).not.toThrow();
    expect(presetDataKinds(withBoth)).toEqual(['images', 'sequences']);
    expect(presetDataKinds(preset)).toEqual(['images']);
    expect(() => presetDataKinds({ ...preset, dataKinds: 'images' } as unknown as MethodPreset)).toThrow(/preset.dataKinds must be/);
  });
});
