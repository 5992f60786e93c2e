import { z } from 'zod';

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

const isWebUrl = (url: URL | undefined): url is URL => url?.protocol === 'https:' || url?.protocol === 'http:';

/** `https://example.com` (a trailing slash is tolerated): scheme, host and port only, as browsers send `Origin`. */
export const originSchema = z
  .string()
  .trim()
  .max(255)
  .transform((value, ctx) => {
    const url = parseUrl(value);
    const bare = isWebUrl(url) && !url.username && !url.password && url.pathname === '/' && !/[?#]/.test(value);
    if (!bare) {
      ctx.addIssue({ code: 'custom', input: value, message: 'must be an origin such as https://example.com (scheme, host and optional port; no path)' });
      return z.NEVER;
    }
    return url.origin;
  });

export const createFormSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  allowedOrigins: z
    .array(originSchema)
    .min(1, { error: 'at least one origin: the sites allowed to post this form' })
    .max(50)
    .transform((origins) => [...new Set(origins)])
    .describe('The sites allowed to post this form from a browser, e.g. `["https://example.com"]`.'),
  redirectUrl: z
    .string()
    .trim()
    .max(2048)
    .refine((value) => isWebUrl(parseUrl(value)), { error: 'must be an http(s) URL' })
    .transform((value) => new URL(value).href)
    .optional()
    .describe('Where a browser posting the form is sent afterwards (303); without it the reply is `{"ok": true}`.'),
});

export type CreateForm = z.infer<typeof createFormSchema>;

/** An http(s) URL of reasonable length, or undefined: for Referer and the page URL a form reports. */
export function webUrlOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  const url = parseUrl(value);
  return isWebUrl(url) ? url.href : undefined;
}
