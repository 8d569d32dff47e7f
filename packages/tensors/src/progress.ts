/** A progress display for long runs. `fit` uses a terminal bar (cli-progress) on a TTY unless told otherwise. */
export interface ProgressReporter {
  start(total: number, label: string): void;
  update(done: number, fields: Readonly<Record<string, string | number>>): void;
  stop(): void;
}

/** A cli-progress bar on stderr with loss, images/s and ETA. Loaded lazily so browsers never import it. */
export async function terminalProgress(): Promise<ProgressReporter> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: '{label} [{bar}] {percentage}% | step {value}/{total} | loss {loss} | {ips} img/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let label = '';
  return {
    start(total, l) {
      label = l;
      bar.start(total, 0, { label, loss: '-', ips: '-' });
    },
    update(done, fields) {
      bar.update(done, { label, ...fields });
    },
    stop() {
      bar.stop();
    },
  };
}

/** True when stderr is an interactive terminal (Node), false in browsers and pipes. */
export function isInteractiveTerminal(): boolean {
  const p = (globalThis as { process?: { stderr?: { isTTY?: boolean }; env?: Record<string, string | undefined> } }).process;
  return p?.stderr?.isTTY === true && p.env?.['CI'] === undefined;
}
