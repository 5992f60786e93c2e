import { z } from 'zod';

/** Goes into the From header: one line, no control characters. */
const displayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((name) => !/\p{Cc}/u.test(name), { error: 'must not contain control characters or line breaks' });

const address = z.email({ error: 'must be an email address' }).max(254);

export const putSenderBody = z.strictObject({
  fromName: displayName,
  fromEmail: address,
  replyTo: address.nullable().default(null),
});
export type PutSenderBody = z.infer<typeof putSenderBody>;
