import { cursor, encodeCursor } from '@leads/service';
import { z } from 'zod';

/** The position after the last item of a page ordered newest first: its creation time and id. */
const pagePosition = z.strictObject({ createdAt: z.iso.datetime(), id: z.guid() });
export type PagePosition = z.infer<typeof pagePosition>;

/** `?cursor=`: a `nextCursor` this API returned. */
export const pageCursor = cursor(pagePosition);

/**
 * A page from rows fetched with `LIMIT pageLimit + 1`: the first `pageLimit` of them, and the
 * `nextCursor` after the last one when there is more (null on the last page).
 */
export function toPage<Item extends { createdAt: string; id: string }>(fetched: readonly Item[], pageLimit: number): { items: Item[]; nextCursor: string | null } {
  const items = fetched.slice(0, pageLimit);
  const last = items[items.length - 1];
  return { items, nextCursor: fetched.length > pageLimit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
}
