import { z } from 'zod';

/** Any 8-4-4-4-12 hexadecimal id, as PostgreSQL's uuid type accepts it; lower-cased as PostgreSQL writes it. */
export const uuid = z.guid({ error: 'must be a UUID' }).transform((id) => id.toLowerCase());

export const isUuid = (value: string): boolean => uuid.safeParse(value).success;

/** `?limit=`: 1 to 100. */
export const limit = (byDefault: number) => z.coerce.number().int().min(1).max(100).default(byDefault);

/** The position after the last item of a page ordered newest first: its creation time and id. */
const pagePosition = z.strictObject({ createdAt: z.iso.datetime(), id: z.guid() });
export type PagePosition = z.infer<typeof pagePosition>;

/** Opaque pagination cursors: base64url JSON that only this API writes. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** `?cursor=`: a `nextCursor` this API returned. */
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

/**
 * A page from rows fetched with `LIMIT pageLimit + 1`: the first `pageLimit` of them, and the
 * `nextCursor` after the last one when there is more (null on the last page).
 */
export function toPage<Item extends { createdAt: string; id: string }>(fetched: readonly Item[], pageLimit: number): { items: Item[]; nextCursor: string | null } {
  const items = fetched.slice(0, pageLimit);
  const last = items[items.length - 1];
  return { items, nextCursor: fetched.length > pageLimit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
}
