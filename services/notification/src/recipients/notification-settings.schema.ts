import { z } from 'zod';

export const MAX_EMAIL_RECIPIENTS = 20;

const email = z.string().trim().toLowerCase().max(254).pipe(z.email({ error: 'must be an email address' }));

/** `PUT /v1/notification-settings`: the whole settings (a recipients list left out means the owner). */
export const notificationSettingsBody = z.strictObject({
  email: z.strictObject({
    enabled: z.boolean({ error: 'must be true or false' }),
    recipients: z
      .array(email)
      .min(1, { error: 'must list at least one address (or be null: the workspace owner)' })
      .max(MAX_EMAIL_RECIPIENTS, { error: `must list at most ${MAX_EMAIL_RECIPIENTS} addresses` })
      .refine((list) => new Set(list).size === list.length, { error: 'must not list an address twice' })
      .nullable()
      .optional(),
  }),
});
export type NotificationSettingsBody = z.infer<typeof notificationSettingsBody>;
