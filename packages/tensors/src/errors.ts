/** Machine-readable category of a {@link SelfsupError}. */
export type SelfsupErrorCode =
  | 'INVALID_ARGUMENT'
  | 'BACKEND_UNAVAILABLE'
  | 'BAD_DATA'
  | 'CHECKPOINT_MISMATCH'
  | 'CHECKPOINT_MISSING'
  | 'NON_FINITE_LOSS'
  | 'UNSUPPORTED'
  /** A collective of a data-parallel run failed: a peer was lost, or timed out. */
  | 'DISTRIBUTED';

/**
 * The one error class every selfsup package throws for a fault the caller can act on.
 * Messages name the argument (or file), what was expected and what came.
 */
export class SelfsupError extends Error {
  override readonly name = 'SelfsupError';
  readonly code: SelfsupErrorCode;
  /** Extra structured detail (the argument name, the file, the step, ...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: SelfsupErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    // Never let a non-string message reach Error (a tensor's toString reads its data, and may throw).
    super(typeof message === 'string' ? message : `(message given as ${describeValue(message)})`, options);
    this.code = code;
    this.details = details;
  }
}

/** Short, readable rendering of any value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) {
    return value.length <= 8 ? `[${value.map(describeValue).join(', ')}]` : `an array of length ${value.length}`;
  }
  if (typeof value === 'object') {
    const v = value as { shape?: unknown; dtype?: unknown; rank?: unknown };
    if (Array.isArray(v.shape) && typeof v.dtype === 'string') {
      return `a ${v.dtype} tensor of shape [${(v.shape as number[]).join(', ')}]`;
    }
    const ctor = (value as object).constructor?.name;
    return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
  }
  return typeof value;
}

/** Throws `INVALID_ARGUMENT`: "`name` must be <expected>; got <value>". */
export function invalidArgument(name: string, expected: string, got: unknown): never {
  // A caller that passes something else than a string as the name still gets a readable message.
  const label = typeof name === 'string' ? name : `argument (named by ${describeValue(name)})`;
  const wanted = typeof expected === 'string' ? expected : describeValue(expected);
  throw new SelfsupError('INVALID_ARGUMENT', `${label} must be ${wanted}; got ${describeValue(got)}`, {
    argument: label,
    expected: wanted,
  });
}
