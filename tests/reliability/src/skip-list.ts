/**
 * Exports the fuzz suite does not call, keyed "<entry>#<name>", each with the reason. Keep it short: everything not
 * listed here is fuzzed automatically.
 */
export const SKIPPED: Readonly<Record<string, string>> = {
  '@selfsup/tensors#initBackend': 'switches the process-wide backend (the suite counts tensors on one); backend.test.ts covers its errors',
  '@selfsup/tensors#withBackend': 'switches the process-wide backend; backend.test.ts covers its errors',
  '@selfsup/tensors#registerWasmKernels': 'registers kernels process-wide; kernels/register.test.ts covers it',
  '@selfsup/tensors#terminalProgress': 'draws on the terminal; takes no input',
  '@selfsup/encoders#registerArchitecture': 'mutates the global architecture registry; registry.test.ts covers its errors',
  '@selfsup/encoders#unregisterArchitecture': 'mutates the global architecture registry (could remove a built-in); registry.test.ts covers it',
};

/**
 * Exports whose fuzz failures are known and owned elsewhere (not fixed on this branch): the cases still run and are
 * reported, but do not fail the suite. Each entry says why.
 */
export const KNOWN_FAILURES: Readonly<Record<string, string>> = {};
