import { z } from 'zod';

/** Any 8-4-4-4-12 hexadecimal id, as PostgreSQL's uuid type accepts it; lower-cased as PostgreSQL writes it. */
export const uuid = z.guid({ error: 'must be a UUID' }).transform((id) => id.toLowerCase());

export const isUuid = (value: string): boolean => uuid.safeParse(value).success;

/** `?limit=`: 1 to 100. */
export const limit = (byDefault: number) => z.coerce.number().int().min(1).max(100).default(byDefault);

/** Keyset pagination position: the last item of the previous page. */
export const pagePosition = z.object({ at: z.iso.datetime(), id: uuid });
export type PagePosition = z.infer<typeof pagePosition>;

/** Opaque pagination cursors: base64url JSON that only this API writes. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** `?cursor=`, decoded and checked. */
export const cursor = z
  .string()
  .max(500)
  .transform((text, context): PagePosition => {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    const parsed = pagePosition.safeParse(decoded);
    if (parsed.success) return parsed.data;
    context.addIssue({ code: 'custom', message: 'is not a cursor returned by this endpoint' });
    return z.NEVER;
  });

export const pageQuery = z.object({ cursor: cursor.optional(), limit: limit(50) });

/** One page of `items` fetched with `limit + 1` rows: the extra row says there is a next page. */
export function page<Row, Item>(rows: readonly Row[], size: number, toItem: (row: Row) => Item, positionOf: (row: Row) => PagePosition) {
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return { items: items.map(toItem), nextCursor: rows.length > size && last ? encodeCursor(positionOf(last)) : null };
}
