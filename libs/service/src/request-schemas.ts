import { z } from 'zod';

/** Any 8-4-4-4-12 hexadecimal id, as PostgreSQL's uuid type accepts it; lower-cased as PostgreSQL writes it. */
export const uuid = z.guid({ error: 'must be a UUID' }).transform((id) => id.toLowerCase());

export const isUuid = (value: string): boolean => uuid.safeParse(value).success;

/** `?limit=`: 1 to 100. */
export const limit = (byDefault: number) => z.coerce.number().int().min(1).max(100).default(byDefault);

/** Opaque pagination cursors: base64url JSON that only this API writes. */
export function encodeCursor(position: object): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** `?cursor=`: a cursor this API wrote, decoded and checked against the shape its endpoint writes. */
export function cursor<Shape extends z.ZodType>(shape: Shape) {
  return z
    .string()
    .max(500)
    .transform((text, context): z.infer<Shape> => {
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
      } catch {
        decoded = undefined;
      }
      const parsed = shape.safeParse(decoded);
      if (parsed.success) return parsed.data;
      context.addIssue({ code: 'custom', message: 'is not a cursor returned by this endpoint' });
      return z.NEVER;
    });
}
