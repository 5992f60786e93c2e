import { z } from 'zod';

/*
 * Reusable pieces of a service's env schema. Compose them with the service's own variables:
 *
 *   export const configSchema = z.object({
 *     ...serviceEnv.shape,
 *     ...httpEnv({ port: 3000 }).shape,
 *     ...kafkaEnv.shape,
 *     ...databaseEnv.shape,
 *     OPENAI_API_KEY: z.string().min(1),
 *   });
 *   export type Config = z.infer<typeof configSchema>;
 *
 * Empty variables count as unset (see loadConfig), so defaults apply to `PORT=`.
 */

const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?):(\d{1,5})$/;

function isHostPort(value: string): boolean {
  const match = HOST_PORT.exec(value);
  if (!match) return false;
  const port = Number(match[1]);
  return port >= 1 && port <= 65535;
}

/** `host:port,host:port` → `['host:port', 'host:port']` (whitespace around entries is ignored). */
export const kafkaBrokers = z.string().transform((value, ctx) => {
  const brokers = value.split(',').map((entry) => entry.trim());
  const bad = brokers.filter((entry) => !isHostPort(entry));
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `must be a comma-separated list of host:port (bad: ${bad.map((entry) => JSON.stringify(entry)).join(', ')})`,
    });
    return z.NEVER;
  }
  return brokers;
});

/** A `postgres://` or `postgresql://` connection URL, returned unchanged. */
export const postgresUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
    } catch {
      return false;
    }
  },
  { error: 'must be a postgres:// URL' },
);

/** A TCP port: an integer 1-65535 given as a decimal string. */
export const port = z
  .string()
  .regex(/^\d+$/, { error: 'must be an integer between 1 and 65535' })
  .transform(Number)
  .refine((value) => value >= 1 && value <= 65535, { error: 'must be an integer between 1 and 65535' });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const NODE_ENVS = ['development', 'production', 'test'] as const;

/** KAFKA_BROKERS (required, → string[]), KAFKA_CLIENT_ID (optional). */
export const kafkaEnv = z.object({
  KAFKA_BROKERS: kafkaBrokers,
  KAFKA_CLIENT_ID: z.string().optional(),
});

/** DATABASE_URL (required postgres:// or postgresql:// URL). */
export const databaseEnv = z.object({
  DATABASE_URL: postgresUrl,
});

/** PORT (1-65535, default given by the service), HOST (default 0.0.0.0). */
export function httpEnv(defaults: { port: number; host?: string }) {
  if (!Number.isInteger(defaults.port) || defaults.port < 1 || defaults.port > 65535) {
    throw new RangeError(`httpEnv: default port must be an integer between 1 and 65535, got ${defaults.port}`);
  }
  return z.object({
    PORT: port.default(defaults.port),
    HOST: z.string().default(defaults.host ?? '0.0.0.0'),
  });
}

/** NODE_ENV (development|production|test, default development), LOG_LEVEL (pino levels, default info). */
export const serviceEnv = z.object({
  NODE_ENV: z.enum(NODE_ENVS, { error: `must be one of ${NODE_ENVS.join(', ')}` }).default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

/** An integer setting within [min, max], given as a decimal string. */
export function integerSetting(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, { error: `must be an integer between ${min} and ${max}` })
    .transform(Number)
    .refine((value) => value >= min && value <= max, { error: `must be an integer between ${min} and ${max}` });
}

/** A non-negative decimal setting within [min, max] (`0.4`, `15`). */
export function decimalSetting(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+(\.\d+)?$/, { error: `must be a number between ${min} and ${max}` })
    .transform(Number)
    .refine((value) => value >= min && value <= max, { error: `must be a number between ${min} and ${max}` });
}
