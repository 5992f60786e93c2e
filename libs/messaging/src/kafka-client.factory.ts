import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaConnectionSettings {
  readonly brokers: string[];
  readonly clientId: string;
}

const pinoLevel: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// Producer retries are bounded on purpose, so an outage fails the relay's batch (rolled back,
// retried later) instead of holding its transaction open; exactly-once effects come from the
// outbox + inbox, not from Kafka's idempotence, so kafkajs's warning about it does not apply.
const BOUNDED_RETRIES_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/** A kafkajs client whose own logs go through the service's pino logger (warnings and up). */
export function createKafka(settings: KafkaConnectionSettings, logger: Logger): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (message === BOUNDED_RETRIES_WARNING) return;
        logger[pinoLevel[level] ?? 'info']({ kafka: extra }, message);
      },
  });
}
