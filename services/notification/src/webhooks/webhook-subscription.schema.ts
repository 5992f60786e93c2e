import { limit } from '@leads/service';
import { z } from 'zod';
import { pageCursor } from '../shared/request.schema';
import { ipLiteralHost, isPublicAddress } from './target-address';
import { WEBHOOK_EVENT_TYPES } from './webhook-payload';

export const MAX_URL_LENGTH = 2048;

function parsed(url: string): URL | undefined {
  return URL.canParse(url) ? new URL(url) : undefined;
}

const eventType = z.string().refine((name) => WEBHOOK_EVENT_TYPES.includes(name), { error: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` });

/** `POST /v1/webhook-subscriptions` `{url, events}`; private targets are refused unless the service allows them. */
export function createSubscriptionBody(allowPrivateTargets: boolean) {
  return z.strictObject({
    url: z
      .string({ error: 'must be an http or https URL' })
      .max(MAX_URL_LENGTH, { error: `must be at most ${MAX_URL_LENGTH} characters` })
      .pipe(z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }))
      .refine((url) => !parsed(url)?.username && !parsed(url)?.password, { error: 'must not carry a user name or password' })
      .refine((url) => !parsed(url)?.hash, { error: 'must not have a #fragment' })
      .refine(
        (url) => {
          const literal = parsed(url) && ipLiteralHost(parsed(url)!);
          return allowPrivateTargets || !literal || isPublicAddress(literal);
        },
        { error: 'must not point to a loopback, private, link-local or otherwise non-public address' },
      ),
    events: z
      .array(eventType, { error: `must be a list of event types (${WEBHOOK_EVENT_TYPES.join(', ')})` })
      .min(1, { error: 'must name at least one event type' })
      .refine((list) => new Set(list).size === list.length, { error: 'must not name an event type twice' }),
  });
}
export type CreateSubscriptionBody = z.infer<ReturnType<typeof createSubscriptionBody>>;

/** `GET /v1/webhook-subscriptions/:id/deliveries?cursor&limit&status`. */
export const deliveriesQuery = z.strictObject({
  cursor: pageCursor.optional(),
  limit: limit(20),
  status: z.enum(['pending', 'delivering', 'delivered', 'failed'], { error: 'must be one of pending, delivering, delivered, failed' }).optional(),
});
export type DeliveriesQuery = z.infer<typeof deliveriesQuery>;
