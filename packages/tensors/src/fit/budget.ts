import { invalidArgument } from '../errors.js';

/** A clock in seconds: wall time, or this process's CPU time (user + system). */
export function clockSeconds(kind: 'wall' | 'cpu'): () => number {
  if (kind === 'wall') return () => performance.now() / 1000;
  if (kind !== 'cpu') return invalidArgument('options.timeBudgetClock', '"wall" or "cpu"', kind);
  const proc = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (typeof proc?.cpuUsage !== 'function') return invalidArgument('options.timeBudgetClock', '"wall" outside Node (no process CPU clock here)', kind);
  const cpuUsage = proc.cpuUsage.bind(proc);
  return () => {
    const u = cpuUsage();
    return (u.user + u.system) / 1e6;
  };
}

/** A run's time budget, counted on its clock from the moment it is started. */
export interface TimeBudget {
  /**
   * The step the learning-rate schedule should be at: `step`, or further when the budget is used up faster (so a
   * budgeted run still warms up and anneals completely).
   */
  scheduleStep(step: number): number;
  /** Whether the budget is spent (never, without one). */
  exhausted(): boolean;
  /** Runs `work` with the budget's clock stopped: its time counts neither toward `exhausted` nor the schedule. */
  excluding<T>(work: () => T | Promise<T>): Promise<T>;
}

/**
 * Starts counting `seconds` (undefined: no budget) on `clock`. A resumed run's time-based schedule position counts
 * from the step it resumed at.
 */
export function startTimeBudget(seconds: number | undefined, clock: () => number, totalSteps: number, resumedFromStep: number): TimeBudget {
  const start = clock();
  let excluded = 0;
  const used = () => clock() - start - excluded;
  return {
    scheduleStep(step) {
      if (seconds === undefined) return step;
      const byTime = Math.floor((used() / seconds) * totalSteps) + resumedFromStep;
      return Math.min(totalSteps - 1, Math.max(step, byTime));
    },
    exhausted: () => seconds !== undefined && used() >= seconds,
    async excluding(work) {
      const before = clock();
      try {
        return await work();
      } finally {
        excluded += clock() - before;
      }
    },
  };
}
