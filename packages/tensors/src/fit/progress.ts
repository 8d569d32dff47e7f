import { type ProgressReporter, isInteractiveTerminal, terminalProgress } from '../progress.js';
import type { FitOptions, StepInfo } from './types.js';

/** The reporter `options.progress` asks for (default 'auto': a bar when stderr is a TTY), started for `totalSteps`. */
export async function startProgress(option: FitOptions['progress'], totalSteps: number, label: string): Promise<ProgressReporter | undefined> {
  let reporter: ProgressReporter | undefined;
  const wanted = option ?? 'auto';
  if (typeof wanted === 'object') reporter = wanted;
  else if (wanted === true || (wanted === 'auto' && isInteractiveTerminal())) reporter = await terminalProgress();
  reporter?.start(totalSteps, label);
  return reporter;
}

/** Moves the reporter to `done` steps, showing the step's loss and throughput. */
export function reportStep(reporter: ProgressReporter | undefined, done: number, info: StepInfo): void {
  reporter?.update(done, { loss: info.loss.toFixed(4), ips: Math.round(info.imagesPerSecond) });
}
