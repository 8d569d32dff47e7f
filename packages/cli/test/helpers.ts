// The CLI's tests share eval's helpers through @selfsup/test-utils.
export { randomProjectionEncoder } from '@selfsup/test-utils';
