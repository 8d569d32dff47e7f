import { invalidArgument } from '@selfsup/tensors';

/**
 * Validates an image input shape [H, W, C]: H and W positive or -1 (any size), C a positive integer.
 * Returns a mutable copy.
 */
export function imageInputShape(name: string, value: unknown, options: { allowAny?: boolean } = {}): [number, number, number] {
  const allowAny = options.allowAny ?? true;
  const expected = allowAny ? 'an [H, W, C] array (H, W positive integers or -1 for any; C a positive integer)' : 'an [H, W, C] array of positive integers';
  if (!Array.isArray(value) || value.length !== 3) invalidArgument(name, expected, value);
  const [h, w, c] = value as unknown[];
  const ok = (d: unknown, any: boolean) => (typeof d === 'number' && Number.isInteger(d) && d >= 1) || (any && d === -1);
  if (!ok(h, allowAny) || !ok(w, allowAny) || !ok(c, false)) invalidArgument(name, expected, value);
  return [h as number, w as number, c as number];
}
