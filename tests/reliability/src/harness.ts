import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError } from '@selfsup/tensors';

/** One exported callable: its package entry, name, and whether it is a class (called with `new`). */
export interface ExportedCallable {
  readonly entry: string;
  readonly name: string;
  readonly fn: (...args: unknown[]) => unknown;
  readonly isClass: boolean;
}

/** Exports that are not callables (constants, frozen tables): they take no input, so there is nothing to fuzz. */
export interface ExportedData {
  readonly entry: string;
  readonly name: string;
}

export function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** Splits a module namespace into callables and data, in name order. */
export function enumerateExports(entry: string, namespace: Record<string, unknown>): { callables: ExportedCallable[]; data: ExportedData[] } {
  const callables: ExportedCallable[] = [];
  const data: ExportedData[] = [];
  for (const name of Object.keys(namespace).sort()) {
    const value = namespace[name];
    if (typeof value === 'function') callables.push({ entry, name, fn: value as (...args: unknown[]) => unknown, isClass: isClass(value) });
    else data.push({ entry, name });
  }
  return { callables, data };
}

export type Outcome = { readonly kind: 'returned'; readonly value: unknown } | { readonly kind: 'threw'; readonly error: unknown };

/** Longest a call may take before it counts as a hang. */
export const CALL_TIMEOUT_MS = 10_000;

class Timeout extends Error {}

/** Calls (or constructs) and awaits a promise result, with a timeout so that a hung promise fails the case. */
export async function invoke(callable: ExportedCallable, args: readonly unknown[]): Promise<Outcome> {
  let value: unknown;
  try {
    value = callable.isClass ? Reflect.construct(callable.fn, args) : callable.fn(...args);
  } catch (error) {
    return { kind: 'threw', error };
  }
  if (value instanceof Promise) {
    let timer: NodeJS.Timeout | undefined;
    try {
      value = await Promise.race([
        value,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Timeout(`no answer after ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      return { kind: 'threw', error };
    } finally {
      clearTimeout(timer);
    }
  }
  return { kind: 'returned', value };
}

function isTensor(value: unknown): value is tf.Tensor {
  return value instanceof tf.Tensor;
}

/** Releases whatever a successful call returned: tensors, modules (dispose()), and containers of them. */
export function disposeDeep(value: unknown, depth = 0, seen = new Set<unknown>()): void {
  if (depth > 4 || value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    value.dispose();
    return;
  }
  const maybeModule = value as { dispose?: unknown };
  if (typeof maybeModule.dispose === 'function') {
    try {
      (maybeModule.dispose as () => void).call(value);
    } catch {
      // Already disposed, or a dispose that needs arguments: the leak check below still counts.
    }
  }
  if (Array.isArray(value)) for (const v of value) disposeDeep(v, depth + 1, seen);
  else if (value instanceof Map) for (const v of value.values()) disposeDeep(v, depth + 1, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) disposeDeep(v, depth + 1, seen);
}

/**
 * What a thrown error must be: a SelfsupError with a code; an INVALID_ARGUMENT message names the argument (its
 * `details.argument` appears in the message), what was expected ("must ..." / "expected ...") and what came ("got ...").
 * Returns the problem, or undefined when the error is a good one.
 */
export function judgeError(error: unknown): string | undefined {
  if (error instanceof Timeout) return `hang: ${error.message}`;
  if (!(error instanceof SelfsupError)) {
    const e = error as { name?: unknown; message?: unknown } | null;
    const first = String(e?.message ?? error).split('\n')[0];
    return `raw ${String(e?.name ?? typeof error)}: ${first}`;
  }
  if (typeof error.code !== 'string' || error.code.length === 0) return `SelfsupError without a code: ${error.message}`;
  if (error.message.trim().length === 0) return `SelfsupError ${error.code} with an empty message`;
  if (error.code === 'INVALID_ARGUMENT') {
    const argument = error.details['argument'];
    if (typeof argument === 'string' && !error.message.includes(argument)) return `message does not name the argument "${argument}": ${error.message}`;
    if (!/\b(must|expected|expects|needs)\b/.test(error.message)) return `message does not say what was expected: ${error.message}`;
    if (!/\b(got|came|has|is|was|gave)\b/.test(error.message)) return `message does not say what came: ${error.message}`;
  }
  return undefined;
}
