import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SelfsupError, invalidArgument } from '@selfsup/tensors';
import { DATA_FORMS } from './data.js';
import { ENCODER_FORMS, type EncoderFactory } from './encoder.js';
import { type BenchCommandOptions, runBench } from './bench-command.js';
import { type EvalCommandOptions, runEval } from './eval-command.js';
import { listMethods } from './methods.js';
import { type PretrainCommandOptions, runPretrain } from './pretrain-command.js';

/** Exit statuses: 0 success, 1 an unexpected failure, 2 bad input (arguments, data, checkpoints). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stderr is an interactive terminal (progress bar). Default false. */
  readonly interactive?: boolean;
  /** Builds random-init and checkpointed encoders (from @selfsup/encoders). Without it only `--encoder pixels` works. */
  readonly encoderFactory?: EncoderFactory;
  /** Environment (SELFSUP_DEBUG=1 prints stacks of unexpected errors). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const BAD_INPUT_CODES = new Set(['INVALID_ARGUMENT', 'BAD_DATA', 'CHECKPOINT_MISSING', 'CHECKPOINT_MISMATCH', 'UNSUPPORTED', 'BACKEND_UNAVAILABLE']);

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    return n;
  };
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0.');
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError('expected a number strictly between 0 and 1.');
  return n;
}

function numberList(min: 'positive' | 'nonNegative') {
  return (value: string): number[] => {
    const items = value.split(',').map((s) => s.trim());
    return items.map((s) => {
      const n = Number(s);
      const ok = s !== '' && Number.isFinite(n) && (min === 'positive' ? n > 0 : n >= 0);
      if (!ok) throw new InvalidArgumentError(`expected a comma-separated list of numbers ${min === 'positive' ? '> 0' : '>= 0'}; "${s}" is not.`);
      return n;
    });
  };
}

function choiceList<T extends string>(choices: readonly T[]) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (items.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${choices.join(', ')}.`);
    for (const item of items) {
      if (!(choices as readonly string[]).includes(item)) throw new InvalidArgumentError(`"${item}" is not one of ${choices.join(', ')}.`);
    }
    return [...new Set(items)] as T[];
  };
}

function imageSize(value: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(value.trim());
  const h = Number(m?.[1]);
  const w = Number(m?.[2]);
  if (m === null || h < 1 || w < 1 || h > 4096 || w > 4096) throw new InvalidArgumentError('expected HxW, e.g. 32x32.');
  return [h, w];
}

/** Builds the `selfsup` program. Commands write through `io`; nothing here calls process.exit. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('selfsup')
    .description('Self-supervised learning on TensorFlow.js: pretrain encoders, evaluate representations.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('eval')
    .description('Evaluate a frozen encoder with k-NN and linear probes; print a table, write report.json and pictures.')
    .requiredOption('--encoder <spec>', `encoder: ${ENCODER_FORMS}`)
    .requiredOption('--data <spec>', `data set: ${DATA_FORMS}`)
    .option('--probe <list>', 'probes to run: knn, linear', choiceList(['knn', 'linear'] as const), ['knn', 'linear'])
    .addOption(new Option('--knn-preset <name>', 'k-NN settings: default (k=200, T=0.1) or instdisc (k=20, T=0.07)').choices(['default', 'instdisc']).default('default'))
    .option('--k <n>', 'k-NN: neighbours that vote (overrides the preset)', integer(1))
    .option('--temperature <t>', 'k-NN: vote temperature (overrides the preset)', positiveNumber)
    .addOption(new Option('--optimizer <name>', 'linear probe optimizer').choices(['sgd', 'lbfgs']).default('sgd'))
    .option('--epochs <n>', 'linear probe (SGD): epochs', integer(1))
    .option('--lr <list>', 'linear probe (SGD): learning rates to sweep, e.g. 0.01,0.1,1', numberList('positive'))
    .option('--weight-decay <list>', 'linear probe: weight decays to sweep', numberList('nonNegative'))
    .option('--val-fraction <f>', 'linear probe: share of the training set held out to choose the sweep point (default 0.1)', fraction)
    .option('--batch-size <n>', 'images per encoder call', integer(1), 256)
    .option('--limit <n>', 'use only the first n images of each split', integer(2))
    .option('--image-size <HxW>', 'images:<dir> only: resize every image', imageSize)
    .addOption(new Option('--channels <c>', 'images:<dir> only: force 1 or 3 channels').choices(['1', '3']).argParser((v) => Number(v) as 1 | 3))
    .option('--baselines <list>', 'also evaluate baselines: pixels, random (random init of the same architecture)', choiceList(['pixels', 'random'] as const), [])
    .option('--no-metrics', 'skip uniformity and effective rank')
    .addOption(new Option('--plot <method>', '2-D picture of the test embedding').choices(['pca', 'umap', 'none']).default('pca'))
    .option('--out <dir>', 'where report.json and the SVG pictures go', 'selfsup-eval')
    .option('--seed <n>', 'seed of every random choice', integer(0), 0)
    .addOption(new Option('--backend <name>', 'compute backend (default: best available)').choices(['tensorflow', 'wasm', 'cpu']))
    .option('--quiet', 'no progress output', false)
    .action(async (options: EvalCommandOptions) => {
      await runEval(options, { stdout: io.stdout, stderr: io.stderr, interactive: io.interactive ?? false, ...(io.encoderFactory !== undefined ? { encoderFactory: io.encoderFactory } : {}) });
      setExitCode(EXIT_OK);
    });
  program
    .command('pretrain')
    .description('Pretrain an encoder with a self-supervised method; checkpoints, a JSON log and a loss-curve picture go to --out.')
    .requiredOption('--method <name>', `method: ${listMethods().map((m) => m.name).join(', ')}`)
    .requiredOption('--data <spec>', `data set: ${DATA_FORMS} (only the training split is used; labels are ignored)`)
    .option('--arch <name>', 'backbone: convNet, resnet (ResNet-18, CIFAR stem, width 1/4), mlp', 'convNet')
    .option('--epochs <n>', 'passes over the data', integer(1), 1)
    .option('--batch-size <n>', 'images per step', integer(2), 128)
    .option('--lr <x>', "base learning rate (default: the method's)", positiveNumber)
    .option('--time-budget <seconds>', 'stop after this many seconds (the schedule follows the clock)', positiveNumber)
    .addOption(new Option('--budget-clock <clock>', 'what --time-budget counts: wall time, or CPU time of this process').choices(['wall', 'cpu']).default('wall'))
    .option('--checkpoint-every <n>', 'steps between checkpoints', integer(1), 50)
    .option('--gradient-clip <norm>', 'clip gradients to this global L2 norm', positiveNumber)
    .option('--limit <n>', 'use only the first n training images', integer(2))
    .option('--image-size <HxW>', 'images:<dir> only: resize every image', imageSize)
    .addOption(new Option('--channels <c>', 'images:<dir> only: force 1 or 3 channels').choices(['1', '3']).argParser((v) => Number(v) as 1 | 3))
    .option('--skip-bad', 'images:<dir> only: skip unreadable or odd images instead of stopping', false)
    .option('--resume', 'continue from the checkpoint in --out', false)
    .option('--out <dir>', 'run directory', 'selfsup-run')
    .option('--seed <n>', 'seed of every random choice', integer(0), 0)
    .addOption(new Option('--backend <name>', 'compute backend (default: best available)').choices(['tensorflow', 'wasm', 'cpu']))
    .option('--quiet', 'no progress output', false)
    .action(async (options: PretrainCommandOptions) => {
      await runPretrain(options, { stdout: io.stdout, stderr: io.stderr, interactive: io.interactive ?? false });
      setExitCode(EXIT_OK);
    });
  program
    .command('bench')
    .description('Pretrain each method for a fixed time budget and probe it next to random initialisation and raw pixels; writes results.md and pictures.')
    .requiredOption('--data <spec>', `data set: ${DATA_FORMS}`)
    .option('--methods <list>', 'methods to compare', choiceList(listMethods().map((m) => m.name)), ['simclr', 'moco-v2', 'byol'])
    .option('--arch <name>', 'backbone: convNet, resnet, mlp', 'convNet')
    .option('--budget <seconds>', 'pretraining time per method', positiveNumber, 600)
    .addOption(new Option('--budget-clock <clock>', 'what --budget counts: wall time, or CPU time of this process (comparable on a busy machine)').choices(['wall', 'cpu']).default('wall'))
    .option('--batch-size <n>', 'images per pretraining step', integer(2), 128)
    .option('--probe <list>', 'probes to run: knn, linear', choiceList(['knn', 'linear'] as const), ['knn', 'linear'])
    .option('--limit <n>', 'use only the first n images of each split', integer(2))
    .option('--out <dir>', 'where results and runs go', 'selfsup-bench')
    .option('--seed <n>', 'seed of every random choice', integer(0), 0)
    .addOption(new Option('--backend <name>', 'compute backend (default: best available)').choices(['tensorflow', 'wasm', 'cpu']))
    .option('--quiet', 'no progress output', false)
    .action(async (options: BenchCommandOptions) => {
      await runBench(options, { stdout: io.stdout, stderr: io.stderr, interactive: io.interactive ?? false });
      setExitCode(EXIT_OK);
    });
  return program;
}

/** Runs the `selfsup` command line on `argv` (without node and the script) and returns the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) invalidArgument('argv', 'an array of strings (the arguments)', argv);
  if (typeof io !== 'object' || io === null || typeof io.stdout !== 'function' || typeof io.stderr !== 'function') {
    invalidArgument('io', 'an object with stdout(text) and stderr(text) functions', io);
  }
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_BAD_INPUT;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its message.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
      return EXIT_BAD_INPUT;
    }
    if (error instanceof SelfsupError) {
      io.stderr(`selfsup: ${error.message}\n`);
      return BAD_INPUT_CODES.has(error.code) ? EXIT_BAD_INPUT : EXIT_FAILURE;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`selfsup: unexpected failure: ${message}\n`);
    if (io.env?.['SELFSUP_DEBUG'] === '1' && error instanceof Error && error.stack !== undefined) io.stderr(`${error.stack}\n`);
    else io.stderr('(set SELFSUP_DEBUG=1 to see where)\n');
    return EXIT_FAILURE;
  }
}
