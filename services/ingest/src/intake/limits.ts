/** Bounds on what one submission may carry, on every channel. */
export const LIMITS = {
  fields: 100,
  keyLength: 100,
  stringLength: 10_000,
  arrayLength: 100,
  depth: 5,
} as const;
