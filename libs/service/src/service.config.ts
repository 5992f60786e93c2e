import { databaseEnv, httpEnv, kafkaEnv, serviceEnv } from '@leads/config';
import { z } from 'zod';

/** What every service reads from its environment; a service's own settings extend it. */
export function serviceConfigSchema(defaultPort: number) {
  return z.object({
    ...serviceEnv.shape,
    ...databaseEnv.shape,
    ...kafkaEnv.shape,
    ...httpEnv({ port: defaultPort }).shape,
    /** Shared secret on gateway → internal service calls. */
    INTERNAL_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }),
    /** Behind a load balancer: trust its X-Forwarded-For for the client IP (rate limits, lead IPs). */
    TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  });
}

export type ServiceConfig = z.infer<ReturnType<typeof serviceConfigSchema>>;

/** Injection token of the validated configuration: `@Inject(SERVICE_CONFIG) config: MyConfig`. */
export const SERVICE_CONFIG = Symbol.for('@leads/service.config');
