import { registerVideoColorizeArchitectures } from '@selfsup/video-colorize';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type MethodPreset, SelfsupError, TRAINING_OPTIONS, describeOptionSpec, invalidArgument } from '@selfsup/tensors';
import { backboneHelp, listBackbones, parseArchConfig } from './architectures.js';
import { type BenchCommandOptions, type BenchResult, runBench } from './bench-command.js';
import { DATA_FORMS, PRETRAIN_DATA_FORMS } from './data.js';
import { ENCODER_FORMS, type EncoderSource } from './encoder.js';
import { type EvalCommandOptions, type EvalResult, runEval } from './eval-command.js';
import { type MethodFlag, methodFlagDescription, methodFlags } from './method-options.js';
import { type MethodTable, methodHelp, methodTable, registerPresetArchitectures } from './methods.js';
import { pathErrorMessage } from './out-dir.js';
import { type LoadedPlugin, loadPlugins, pluginArguments } from './plugins.js';
import { type PretrainCommandOptions, type PretrainResult, runPretrain } from './pretrain-command.js';
import { defaultSelfsupCommand } from './bench-jobs.js';
import { checkWorkerFlags, launchPretrain } from './pretrain-launch.js';
import { monitorOptions } from './pretrain-monitor.js';
import { TRAINING_FLAGS } from './run-config.js';
import {
  type VideoColorizeOptions,
  type VideoColorizeResult,
  type VideoPropagateOptions,
  type VideoPropagateResult,
  type VideoTrainOptions,
  type VideoTrainResult,
  runVideoColorize,
  runVideoPropagate,
  runVideoTrain,
} from './video-command.js';

/** Exit statuses: 0 success, 1 an unexpected failure, 2 bad input (arguments, data, checkpoints). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stderr is an interactive terminal (progress bar). Default false. */
  readonly interactive?: boolean;
  /** Builds random-init and checkpointed encoders for `selfsup eval`. Default: the @selfsup/encoders registry. */
  readonly encoderSource?: EncoderSource;
  /** Environment (SELFSUP_DEBUG=1 prints stacks of unexpected errors). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where --plugin paths and package names are resolved from. Default process.cwd(). */
  readonly cwd?: string;
  /** Methods besides the built-in ones and the plugins' (as if a plugin exported them). */
  readonly presets?: readonly MethodPreset[];
  /** Receives what the command returned (PretrainResult, EvalResult, BenchResult or a video command's result). */
  readonly onResult?: (result: CliResult) => void;
  /** `selfsup bench --jobs`: the command that runs `selfsup` in a child process. Default: this Node and the built bin. */
  readonly selfsupCommand?: readonly string[];
}

/** What a command returned, tagged with the command. */
export type CliResult =
  | { readonly command: 'pretrain'; readonly result: PretrainResult }
  | { readonly command: 'eval'; readonly result: EvalResult }
  | { readonly command: 'bench'; readonly result: BenchResult }
  | { readonly command: 'video train'; readonly result: VideoTrainResult }
  | { readonly command: 'video colorize'; readonly result: VideoColorizeResult }
  | { readonly command: 'video propagate'; readonly result: VideoPropagateResult };

/** What the program is built from: the method table and the plugins loaded. */
export interface ProgramContext {
  readonly methods: MethodTable;
  readonly plugins: readonly LoadedPlugin[];
  /** The arguments being parsed (`selfsup pretrain --nproc` hands them on to its workers). */
  readonly argv?: readonly string[];
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

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

const LAYER_EXAMPLES = 'convNet block0..blockN, resnet stem, layer1..layer4, alexNetSmall conv1..conv5, mlp hidden0..hiddenN, embedding';

const VALIDATION_HELP = 'hold out this share of the training split (class-balanced, fixed seed) and use it as the test split: choose recipes without the test split';

const ARCH_CONFIG_HELP = `backbone config overrides as JSON, merged over --arch's default (e.g. '{"channels":[32,64,128],"strides":[1,2,2]}')`;

const PLUGIN_HELP = 'load methods (MethodPreset exports) and architectures from a module: a package name or a path, from the working directory (repeatable)';

function imageSize(value: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(value.trim());
  const h = Number(m?.[1]);
  const w = Number(m?.[2]);
  if (m === null || h < 1 || w < 1 || h > 4096 || w > 4096) throw new InvalidArgumentError('expected HxW, e.g. 32x32.');
  return [h, w];
}

/** Builds the `selfsup` program. Commands write through `io`; nothing here calls process.exit. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void, context: ProgramContext = { methods: methodTable(io.presets ?? []), plugins: [] }): Command {
  const { methods } = context;
  const backbones = listBackbones().map((a) => a.name);
  const pluginSpecs = context.plugins.map((p) => p.spec);
  const program = new Command('selfsup')
    .description('Self-supervised learning on TensorFlow.js: pretrain encoders, evaluate representations.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nMethods: ${methods.names.join(', ')}\nArchitectures: ${backbones.join(', ')}\n(selfsup pretrain --help describes them)`);

  program
    .command('eval')
    .description('Evaluate a frozen encoder with k-NN and linear probes; print a table, write report.json and pictures.')
    .requiredOption('--encoder <spec>', `encoder: ${ENCODER_FORMS} (architectures: ${backbones.join(', ')})`)
    .requiredOption('--data <spec>', `data set: ${DATA_FORMS}`)
    .option('--arch-config <json>', `with --encoder random:<arch>: ${ARCH_CONFIG_HELP.replace('--arch', 'the architecture')}`, parseArchConfig)
    .option('--probe <list>', 'probes to run: knn, linear', choiceList(['knn', 'linear'] as const), ['knn', 'linear'])
    .addOption(
      new Option('--knn-preset <name>', 'k-NN settings: default (k=200, T=0.1), instdisc (k=20, T=0.07) or select (k and T chosen by leave-one-out on the training features)')
        .choices(['default', 'instdisc', 'select'])
        .default('default'),
    )
    .option('--k <n>', 'k-NN: neighbours that vote (overrides the preset; with select, fixes k)', integer(1))
    .option('--temperature <t>', 'k-NN: vote temperature (overrides the preset; with select, fixes T)', positiveNumber)
    .addOption(new Option('--optimizer <name>', 'linear probe optimizer').choices(['sgd', 'lbfgs']).default('sgd'))
    .option('--epochs <n>', 'linear probe (SGD): epochs', integer(1))
    .option('--lr <list>', 'linear probe (SGD): learning rates to sweep, e.g. 0.01,0.1,1', numberList('positive'))
    .option('--weight-decay <list>', 'linear probe: weight decays to sweep', numberList('nonNegative'))
    .option('--val-fraction <f>', 'linear probe: share of the training set held out to choose the sweep point (default 0.1)', fraction)
    .option('--batch-size <n>', 'images per encoder call', integer(1), 256)
    .option('--limit <n>', 'use only n images of each split: the first n (class folders: the classes in turn, so every class stays)', integer(2))
    .option('--validation <fraction>', VALIDATION_HELP, fraction)
    .option('--image-size <HxW>', 'images:<dir> only: resize every image', imageSize)
    .addOption(new Option('--channels <c>', 'images:<dir> only: force 1 or 3 channels').choices(['1', '3']).argParser((v) => Number(v) as 1 | 3))
    .option('--baselines <list>', 'also evaluate baselines: pixels, random (random init of the same architecture)', choiceList(['pixels', 'random'] as const), [])
    .option('--layer <name|all>', `probe an intermediate layer (e.g. ${LAYER_EXAMPLES}) or all layers, one row each; feature maps are average-pooled to at most --layer-dim dimensions (default: the embedding only)`)
    .option('--layer-dim <n>', 'with --layer: bound on a pooled feature map\'s dimensions (default 9216, ~9k as Zhang et al. 2016)', integer(1))
    .option('--no-metrics', 'skip uniformity and effective rank')
    .addOption(new Option('--plot <method>', '2-D picture of the test embedding').choices(['pca', 'umap', 'none']).default('pca'))
    .option('--out <dir>', 'where report.json and the SVG pictures go', 'selfsup-eval')
    .option('--seed <n>', 'seed of every random choice', integer(0), 0)
    .addOption(new Option('--backend <name>', 'compute backend (default: best available)').choices(['tensorflow', 'webgpu', 'wasm', 'cpu']))
    .option('--quiet', 'no progress output', false)
    .option('--plugin <module>', PLUGIN_HELP, collect, [])
    .action(async (options: EvalCommandOptions) => {
      const result = await runEval(
        { ...options, plugin: pluginSpecs },
        {
          stdout: io.stdout,
          stderr: io.stderr,
          interactive: io.interactive ?? false,
          presets: methods.presets,
          ...(io.encoderSource !== undefined ? { encoderSource: io.encoderSource } : {}),
        },
      );
      io.onResult?.({ command: 'eval', result });
      setExitCode(EXIT_OK);
    });
  const pretrain = program
    .command('pretrain')
    .description('Pretrain an encoder with a self-supervised method; checkpoints, a JSON log and a loss-curve picture go to --out.')
    .option('--method <name>', `method: ${methods.names.join(', ')} (described below; required here or in --config)`)
    .option('--data <spec>', `data set: ${PRETRAIN_DATA_FORMS} (only the training split is used; labels only by the online monitor; required here or in --config)`)
    .option('--arch <name>', `backbone: ${backbones.join(', ')} (described below; default: the method's encoder where it names one, else convNet)`)
    .option('--arch-config <json>', ARCH_CONFIG_HELP, parseArchConfig)
    .option('--recipe <name>', "the method's recipe: small (default: 28-32 px images on a CPU) or paper (the paper's setting)")
    .option('--epochs <n>', "passes over the data (default: the recipe's, else 1)", integer(1))
    .option('--batch-size <n>', "images per step (default: the recipe's, else 128)", integer(2))
    .option('--lr <x>', "base learning rate (default: the recipe's)", positiveNumber)
    .option('--time-budget <seconds>', 'stop after this many seconds (the schedule follows the clock)', positiveNumber)
    .addOption(new Option('--budget-clock <clock>', 'what --time-budget counts: wall time, or CPU time of this process').choices(['wall', 'cpu']).default('wall'))
    .option('--checkpoint-every <n>', 'steps between checkpoints', integer(1), 50)
    .option('--gradient-clip <norm>', 'clip gradients to this global L2 norm', positiveNumber)
    .option('--config <file>', 'JSON run config: { method, recipe, data, arch, archConfig, seed, limit, validation, imageSize, channels, training: {...}, options: {...} } (see the README); flags win')
    .option('--limit <n>', 'use only n training images: the first n (class folders: the classes in turn, so every class stays)', integer(2))
    .option('--validation <fraction>', VALIDATION_HELP, fraction)
    .option('--image-size <HxW>', 'images:<dir> only: resize every image', imageSize)
    .addOption(new Option('--channels <c>', 'images:<dir> only: force 1 or 3 channels').choices(['1', '3']).argParser((v) => Number(v) as 1 | 3))
    .option('--skip-bad', 'images:<dir> only: skip unreadable or odd images instead of stopping', false)
    .option('--resume', "continue from the checkpoint in --out (the same resolved config: run.json's config)", false)
    .option('--overwrite', 'replace an earlier run in --out (its run.json, checkpoint, encoder, log.json, loss.svg); without it or --resume, such a directory is refused', false)
    .option('--out <dir>', 'run directory', 'selfsup-run')
    .option('--seed <n>', 'seed of every random choice (default 0)', integer(0))
    .addOption(new Option('--backend <name>', 'compute backend (default: best available)').choices(['tensorflow', 'webgpu', 'wasm', 'cpu']))
    .option('--quiet', 'no progress output', false)
    .option('--plugin <module>', PLUGIN_HELP, collect, [])
    .option('--nproc <n>', 'data-parallel on n local workers (processes joined over Gloo; needs the Gloo addon): --batch-size is per worker, rank 0 writes --out', integer(1))
    .option('--rank <r>', 'with --world-size and --rendezvous: join a data-parallel run as worker r (what --nproc gives its workers; on several machines, start one per rank)', integer(0))
    .option('--world-size <n>', 'the number of workers of the data-parallel run', integer(1))
    .option('--rendezvous <dir|tcp://host:port>', "where the workers meet: a directory every worker reaches (new to the run), or rank 0's tcp://host:port")
    .option('--master <host:port>', "rank 0's address: the same as --rendezvous tcp://host:port (the environment's RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT are read when no flag gives them)")
    .option('--sync-batch-norm', "data parallel: batch statistics over every worker's images (PyTorch's SyncBatchNorm), not each worker's own", false);
  for (const option of monitorOptions()) pretrain.addOption(option);
  // The training settings without a hand-written flag above: text flags, parsed and checked against TRAINING_OPTIONS.
  const handWritten = new Set(pretrain.options.map((o) => o.long));
  const trainingFlags = Object.entries(TRAINING_FLAGS)
    .filter(([, flag]) => !handWritten.has(flag))
    .map(([key, flag]) => {
      const spec = TRAINING_OPTIONS[key];
      const attribute = flag.replace(/^--/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      pretrain.addOption(new Option(`${flag} <value>`, `training: ${spec?.description ?? key}${spec !== undefined ? ` (${describeOptionSpec(spec)})` : ''}`));
      return { key, attribute };
    });
  const reserved = new Set(['help', ...pretrain.options.map((o) => (o.long ?? '').replace(/^--(no-)?/, ''))]);
  const flags: MethodFlag[] = methodFlags(methods.presets, reserved).filter((f) => !f.flag.startsWith('--no-'));
  for (const flag of flags) pretrain.addOption(new Option(`${flag.flag} <value>`, methodFlagDescription(flag)));
  pretrain
    .addHelpText(
      'after',
      `\nPrecedence: the preset's defaults < --recipe < --config < flags. Optimizer settings are --optimizer-* flags (keys of "training" in --config); method options are the other flags (keys of "options").\n\nMethods (--method; each method's options are flags above or keys of --config's "options"):\n${methodHelp(methods)}\n\nArchitectures (--arch):\n${backboneHelp()}\n`,
    )
    .action(async (parsed: PretrainCommandOptions & Record<string, unknown>) => {
      const methodFlagTexts: Record<string, string> = {};
      const trainingFlagTexts: Record<string, string> = {};
      const options: Record<string, unknown> = { ...parsed };
      for (const { key, attribute } of trainingFlags) {
        const value = parsed[attribute];
        delete options[attribute];
        if (typeof value === 'string') trainingFlagTexts[key] = value;
      }
      for (const flag of flags) {
        const value = parsed[flag.key];
        delete options[flag.key];
        if (typeof value === 'string') methodFlagTexts[flag.key] = value;
      }
      const nproc = options['nproc'];
      delete options['nproc'];
      if (typeof nproc === 'number' && nproc > 1) {
        checkWorkerFlags({ ...options, nproc });
        setExitCode(await launchPretrain(context.argv ?? [], nproc, io.selfsupCommand ?? defaultSelfsupCommand(), io));
        return;
      }
      const result = await runPretrain(
        { ...(options as unknown as PretrainCommandOptions), methodFlags: methodFlagTexts, trainingFlags: trainingFlagTexts, plugin: pluginSpecs },
        { stdout: io.stdout, stderr: io.stderr, interactive: io.interactive ?? false, presets: methods.presets, ...(io.env !== undefined ? { env: io.env } : {}) },
      );
      io.onResult?.({ command: 'pretrain', result });
      setExitCode(EXIT_OK);
    });
  program
    .command('bench')
    .description('Pretrain each method for a fixed time budget and probe it next to random initialisation and raw pixels; writes results.md and pictures.')
    .requiredOption('--data <spec>', `data set: ${DATA_FORMS}`)
    .option('--methods <list>', `methods to compare: ${methods.names.join(', ')}`, choiceList(methods.names), ['simclr', 'moco-v2', 'byol'])
    .option('--arch <name>', `backbone of every method and the random baseline: ${backbones.join(', ')} (default: each method's own encoder where it names one, else convNet)`)
    .option('--arch-config <json>', ARCH_CONFIG_HELP, parseArchConfig)
    .option('--budget <seconds>', 'pretraining time per method', positiveNumber, 600)
    .addOption(new Option('--budget-clock <clock>', 'what --budget counts: wall time, or CPU time of this process (comparable on a busy machine)').choices(['wall', 'cpu']).default('wall'))
    .option('--batch-size <n>', "images per pretraining step, for every method (default: each method's recipe's, else 128)", integer(2))
    .option('--probe <list>', 'probes to run: knn, linear', choiceList(['knn', 'linear'] as const), ['knn', 'linear'])
    .option('--seeds <n>', 'pretrain and probe each method (and the baselines) with seeds seed..seed+n-1; the table shows mean ± sd', integer(1), 3)
    .option('--layer <name|all>', `probe this layer of every encoder, random init included (e.g. ${LAYER_EXAMPLES}), or all of them (default: the embedding)`)
    .option('--limit <n>', 'use only n images of each split: the first n (class folders: the classes in turn, so every class stays)', integer(2))
    .option('--validation <fraction>', VALIDATION_HELP, fraction)
    .option('--out <dir>', 'where results and runs go', 'selfsup-bench')
    .option('--overwrite', "replace the runs an earlier bench left in --out; without it, such a directory is refused before anything trains", false)
    .option('--seed <n>', 'seed of every random choice', integer(0), 0)
    .addOption(new Option('--backend <name>', 'compute backend (default: best available)').choices(['tensorflow', 'webgpu', 'wasm', 'cpu']))
    .option('--quiet', 'no progress output', false)
    .option('--plugin <module>', PLUGIN_HELP, collect, [])
    .option('--baselines <list>', 'baselines probed at every seed: random (the architecture at random initialisation), pixels, or none', choiceList(['random', 'pixels', 'none'] as const), ['random', 'pixels'])
    .option('--jobs <n>', 'methods pretrained at once, each (method, seed) in its own selfsup process with cores / n native threads (SELFSUP_NATIVE_THREADS overrides); the baselines are probed meanwhile', integer(1), 1)
    .action(async (options: Omit<BenchCommandOptions, 'baselines'> & { baselines: readonly ('random' | 'pixels' | 'none')[] }) => {
      const baselines = options.baselines.filter((b): b is 'random' | 'pixels' => b !== 'none');
      if (baselines.length !== options.baselines.length && baselines.length > 0) {
        throw new SelfsupError('INVALID_ARGUMENT', `--baselines none cannot be combined with ${baselines.join(', ')}`, { argument: '--baselines' });
      }
      const result = await runBench(
        { ...options, baselines, plugin: pluginSpecs },
        {
          stdout: io.stdout,
          stderr: io.stderr,
          interactive: io.interactive ?? false,
          presets: methods.presets,
          ...(io.selfsupCommand !== undefined ? { selfsupCommand: io.selfsupCommand } : {}),
        },
      );
      io.onResult?.({ command: 'bench', result });
      setExitCode(EXIT_OK);
    });
  addVideoCommands(program, io, setExitCode);
  return program;
}

function integerList(min: number) {
  return (value: string): number[] =>
    value.split(',').map((text) => {
      const s = text.trim();
      const n = Number(s);
      if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a comma-separated list of integers >= ${min}; "${s}" is not.`);
      return n;
    });
}

function nameList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError('expected a comma-separated list of names.');
  return names;
}

const VIDEO_FRAMES_HELP =
  'a folder of PNG/JPEG frames in order (sorted by name, numbers numerically), a folder of such folders (several videos), or a DAVIS root (JPEGImages/<resolution>/<sequence>/)';

/** `selfsup video train|colorize|propagate`: tracking emerges from colorizing video (Vondrick et al. 2018). */
function addVideoCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const video = program
    .command('video')
    .description('Tracking emerges from colorizing video (Vondrick et al. 2018): train an embedding by colorization, color frames from a reference, propagate masks.');
  const common = (command: Command) =>
    command
      .option('--sequence <names>', 'only these videos (sub-folder or DAVIS sequence names, comma-separated)', nameList)
      .option('--resolution <name>', 'DAVIS root: the resolution folder (default 480p, else the only one)')
      .option('--image-size <HxW>', 'resize every frame (sides are rounded down to multiples of the stride; by default the frames keep their size, so rounded)', imageSize)
      .option('--overwrite', 'replace what an earlier run left in --out; without it, such a directory is refused', false)
      .addOption(new Option('--backend <name>', 'compute backend (default: best available)').choices(['tensorflow', 'webgpu', 'wasm', 'cpu']))
      .option('--quiet', 'no progress output', false);
  common(
    video
      .command('train')
      .description('Colorization as the pretext task: the embedding net learns to copy colors from reference frames to a target frame; writes run.json, encoder/, log.json and loss.svg to --out.')
      .option('--frames <dir>', `${VIDEO_FRAMES_HELP} (required here or in --config)`)
      .requiredOption('--out <dir>', 'run directory')
      .option('--config <file>', 'JSON settings: any of the flags below as camelCase keys (frames, cropSize, frameGaps, timeBudget, ...); flags win')
      .option('--epochs <n>', 'passes over the clips (default 1)', integer(1))
      .option('--max-steps <n>', 'stop after this many steps', integer(1))
      .option('--time-budget <seconds>', 'stop after this many seconds (the learning-rate schedule follows the clock)', positiveNumber)
      .addOption(new Option('--budget-clock <clock>', 'what --time-budget counts: wall time, or CPU time of this process').choices(['wall', 'cpu']))
      .option('--batch-size <n>', 'clips per step (default 4)', integer(1))
      .option('--lr <x>', 'Adam learning rate, cosine decay (default 0.003)', positiveNumber)
      .option('--seed <n>', 'seed of every random choice (default 0)', integer(0))
      .option('--clip-length <n>', 'frames per clip: references then the target (default 4)', integer(2))
      .option('--frame-gaps <list>', 'spacings between the frames of a clip, each its own clips (default 1,2,4)', integerList(1))
      .option('--crop-size <HxW>', 'train on random crops of this size, the same place in every frame of a clip (default: whole frames)', imageSize)
      .option('--num-clusters <n>', 'color clusters: k-means over Lab ab (default 16)', integer(2))
      .option('--temperature <t>', 'softmax temperature of the attention (default 0.07)', positiveNumber)
      .option('--width <n>', 'embedding net: channels of the first stage (default 32)', integer(1))
      .option('--output-dim <n>', 'embedding net: embedding size (default 64)', integer(1))
      .addOption(new Option('--stride <n>', 'embedding net: output stride (default 4)').choices(['4', '8']).argParser((v) => Number(v) as 4 | 8))
      .option('--blocks <n>', 'embedding net: residual blocks at the output stride (default 1)', integer(0)),
  ).action(async (options: VideoTrainOptions) => {
    const result = await runVideoTrain(options, { stdout: io.stdout, stderr: io.stderr, interactive: io.interactive ?? false });
    io.onResult?.({ command: 'video train', result });
    setExitCode(EXIT_OK);
  });
  common(
    video
      .command('colorize')
      .description("Color every frame from a reference frame (the first, or --reference) through the trained embedding's attention; writes colorized/, strip.png and colorize.json (mean ab error next to copying the reference).")
      .requiredOption('--encoder <dir>', 'the encoder a selfsup video train run saved (<run>/encoder)')
      .requiredOption('--frames <dir>', VIDEO_FRAMES_HELP)
      .requiredOption('--out <dir>', 'where the pictures and colorize.json go')
      .option('--reference <frame>', 'the reference frame: a file name (with or without extension), else a number from 1 (default: the first frame)')
      .option('--top-k <n>', 'affinities kept per target position (default 10)', integer(1))
      .option('--temperature <t>', 'softmax temperature over them (default 0.07)', positiveNumber)
      .option('--radius <cells>', 'attend only within this many feature cells (default: everywhere)', integer(0))
      .option('--locality <x>', 'lower affinities by x per cell of distance: a prior for small motion (default 0)', positiveNumber)
      .option('--strip-frames <n>', 'frames shown in strip.png (default 8)', integer(1)),
  ).action(async (options: VideoColorizeOptions) => {
    const result = await runVideoColorize(options, { stdout: io.stdout, stderr: io.stderr, interactive: io.interactive ?? false });
    io.onResult?.({ command: 'video colorize', result });
    setExitCode(EXIT_OK);
  });
  common(
    video
      .command('propagate')
      .description("Carry the first frame's mask (any number of objects) through the video by the embedding's attention; writes masks/ (DAVIS palette PNGs), overlay.png and propagation.json, with J&F where later frames have masks.")
      .requiredOption('--encoder <spec>', 'the encoder a selfsup video train run saved (<run>/encoder), or pixels (raw Lab pixels), or random (a random initialisation)')
      .requiredOption('--frames <dir>', VIDEO_FRAMES_HELP)
      .option('--masks <dir>', 'masks named like the frames (PNG: palette indices as DAVIS, grey ids, or DAVIS colors); propagation starts at the first frame that has one, later ones are scored; a folder of per-video folders for several videos; a DAVIS root brings Annotations/')
      .requiredOption('--out <dir>', 'where masks/, overlay.png and propagation.json go')
      .option('--baselines <list>', 'also propagate with: copy (the first mask, unchanged), pixels (raw Lab pixels), random (the encoder at random initialisation)', choiceList(['copy', 'pixels', 'random'] as const), [])
      .option('--context-frames <n>', 'previous frames attended besides the first (default 20)', integer(0))
      .option('--radius <cells>', 'window of the previous frames, in feature cells (default 12)', integer(0))
      .option('--top-k <n>', 'affinities kept per position (default 10)', integer(1))
      .option('--temperature <t>', 'softmax temperature over them (default 0.07)', positiveNumber)
      .option('--strip-frames <n>', 'frames shown in overlay.png (default 8)', integer(1))
      .option('--seed <n>', 'seed of the random-init baseline (default 0)', integer(0)),
  ).action(async (options: VideoPropagateOptions) => {
    const result = await runVideoPropagate(options, { stdout: io.stdout, stderr: io.stderr, interactive: io.interactive ?? false });
    io.onResult?.({ command: 'video propagate', result });
    setExitCode(EXIT_OK);
  });
}

/** Runs the `selfsup` command line on `argv` (without node and the script) and returns the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) invalidArgument('argv', 'an array of strings (the arguments)', argv);
  if (typeof io !== 'object' || io === null || typeof io.stdout !== 'function' || typeof io.stderr !== 'function') {
    invalidArgument('io', 'an object with stdout(text) and stderr(text) functions', io);
  }
  let exitCode = EXIT_OK;
  try {
    // Plugins first: their methods and architectures are part of the program (choices, flags, help).
    const plugins = await loadPlugins(pluginArguments(argv), io.cwd ?? process.cwd());
    const sources = new Map(plugins.flatMap((p) => p.presets.map((preset) => [preset, `--plugin ${p.spec}`] as const)));
    const methods = methodTable([...(io.presets ?? []), ...plugins.flatMap((p) => p.presets)], sources);
    // Explicitly, before any command loads or builds an encoder: every method's saved encoder must reload.
    registerPresetArchitectures(methods.presets);
    // And the encoder `selfsup video train` saves, so that `selfsup eval` reloads it too.
    registerVideoColorizeArchitectures();
    const program = buildProgram(
      io,
      (code) => {
        exitCode = code;
      },
      { methods, plugins, argv },
    );
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
    // A path the user gave that cannot be used (permission denied, a file in the way) is bad input, said in one line.
    const pathError = pathErrorMessage(error);
    if (pathError !== undefined) {
      io.stderr(`selfsup: ${pathError}\n`);
      return EXIT_BAD_INPUT;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`selfsup: unexpected failure: ${message}\n`);
    if (io.env?.['SELFSUP_DEBUG'] === '1' && error instanceof Error && error.stack !== undefined) io.stderr(`${error.stack}\n`);
    else io.stderr('(set SELFSUP_DEBUG=1 to see where)\n');
    return EXIT_FAILURE;
  }
}
