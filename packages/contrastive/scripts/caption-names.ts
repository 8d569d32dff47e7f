// The class names of the generated caption folders (caption-folder.ts) and of the zero-shot prompts (clip-zero-shot.ts).

/** English names of the ten digits. */
export const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
/** A few names per class, so that the caption is not always the class label itself. */
export const FASHION_NAMES: readonly (readonly string[])[] = [
  ['t-shirt', 'tee', 'top'],
  ['pair of trousers', 'pair of pants', 'pair of jeans'],
  ['pullover', 'sweater', 'jumper'],
  ['dress', 'gown', 'frock'],
  ['coat', 'jacket', 'overcoat'],
  ['sandal', 'open shoe', 'summer shoe'],
  ['shirt', 'blouse', 'button-up shirt'],
  ['sneaker', 'trainer', 'running shoe'],
  ['bag', 'handbag', 'purse'],
  ['ankle boot', 'boot', 'short boot'],
];
