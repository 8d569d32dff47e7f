import type { EvaluateProgress } from '@selfsup/eval';

/** Shows evaluation progress: a cli-progress bar on a terminal, one line per stage otherwise, nothing when quiet. */
export interface ProgressView {
  update(encoder: string, event: EvaluateProgress): void;
  stop(): void;
}

export function lineProgress(write: (text: string) => void): ProgressView {
  return {
    update(encoder, event) {
      if (event.stage === 'extract') {
        if (event.done === event.total) write(`${encoder}: embedded ${event.split} (${event.total} images)\n`);
      } else {
        write(`${encoder}: ${event.probe} probe top-1 ${(100 * event.result.top1).toFixed(2)}% (${event.result.seconds.toFixed(1)} s)\n`);
      }
    },
    stop() {},
  };
}

export const silentProgress: ProgressView = { update() {}, stop() {} };

/** A terminal bar for feature extraction (the slow part), lines for the probes. */
export async function terminalProgressView(): Promise<ProgressView> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: '{label} [{bar}] {percentage}% | {value}/{total} images | ETA {eta_formatted}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let active = false;
  return {
    update(encoder, event) {
      if (event.stage === 'extract') {
        const label = `${encoder}: embedding ${event.split}`;
        if (!active) {
          bar.start(event.total, 0, { label });
          active = true;
        }
        bar.update(event.done, { label });
        if (event.done === event.total) {
          bar.stop();
          active = false;
        }
      } else {
        process.stderr.write(`${encoder}: ${event.probe} probe top-1 ${(100 * event.result.top1).toFixed(2)}% (${event.result.seconds.toFixed(1)} s)\n`);
      }
    },
    stop() {
      if (active) bar.stop();
      active = false;
    },
  };
}
