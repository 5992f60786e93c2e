import { invalidRequest } from '@leads/service';
import { LIMITS } from './limits';

/**
 * Whether a parsed body nests deeper than `max` levels (a flat object is 1), found without
 * recursion: JSON.parse accepts 100,000 levels in a few hundred KiB, and any recursive walk of
 * that (zod's included) overflows the stack. Run it before anything else reads the body.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

/** A body as the intake channels accept it: an object, bounded in nesting; else 400. */
export function assertFieldsObject(body: unknown, expected: string): asserts body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest([{ field: '(body)', reason: `must be ${expected}` }]);
  }
  if (nestedDeeperThan(body, LIMITS.depth)) {
    throw invalidRequest([{ field: '(body)', reason: `nested deeper than ${LIMITS.depth} levels` }]);
  }
}
