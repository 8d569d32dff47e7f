import type { NamedVariable } from '../contracts.js';
import { invalidArgument } from '../errors.js';
import { adam } from './adam.js';
import { lars } from './lars.js';
import type { Optimizer, OptimizerConfig } from './optimizer.js';
import { sgd } from './sgd.js';

/** Builds the optimizer a config describes, over the trainable entries of `params`. */
export function createOptimizer(params: readonly NamedVariable[], config: OptimizerConfig): Optimizer {
  if (typeof config !== 'object' || config === null) invalidArgument('optimizer', 'an optimizer config object', config);
  switch (config.type) {
    case 'sgd':
      return sgd(params, config);
    case 'adam':
      return adam(params, config);
    case 'lars':
      return lars(params, config);
    default:
      return invalidArgument('optimizer.type', 'one of "sgd", "adam", "lars"', (config as { type?: unknown }).type);
  }
}
