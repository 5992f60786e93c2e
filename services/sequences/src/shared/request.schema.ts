import { cursor, encodeCursor, limit, uuid } from '@leads/service';
import { z } from 'zod';

/** Keyset pagination position: the last item of the previous page. */
export const pagePosition = z.object({ at: z.iso.datetime(), id: uuid });
export type PagePosition = z.infer<typeof pagePosition>;

/** `?cursor=`, decoded and checked. */
const pageCursor = cursor(pagePosition);

export const pageQuery = z.object({ cursor: pageCursor.optional(), limit: limit(50) });

/** One page of `items` fetched with `limit + 1` rows: the extra row says there is a next page. */
export function page<Row, Item>(rows: readonly Row[], size: number, toItem: (row: Row) => Item, positionOf: (row: Row) => PagePosition) {
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return { items: items.map(toItem), nextCursor: rows.length > size && last ? encodeCursor(positionOf(last)) : null };
}
