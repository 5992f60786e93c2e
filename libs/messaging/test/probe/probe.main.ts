import { telemetry } from './telemetry';
import { loadConfigOrExit, databaseEnv, httpEnv, kafkaEnv, serviceEnv } from '@leads/config';
import { MessagingModule } from '../../src/messaging.module';
import { Messaging } from '../../src/messaging';
import { ObservabilityModule, PinoNestLogger, createLogger } from '@leads/observability';
import { PersistenceModule, createDataSource, runMigrations } from '@leads/persistence';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { z } from 'zod';
import { ProbeConsumerController } from './probe-consumer.controller';
import { ProbeProducerController } from './probe-producer.controller';
import { CreateProbeTables1764115300000 } from './probe-tables.migration';

/**
 * A throwaway service used by the messaging integration tests: `PROBE_ROLE=producer` writes
 * lead.created through the outbox on POST /leads; `PROBE_ROLE=consumer` handles lead.created.
 * `migrate` as first argument applies its migrations and exits.
 */
const config = loadConfigOrExit(
  z.object({
    ...serviceEnv.shape,
    ...databaseEnv.shape,
    ...kafkaEnv.shape,
    ...httpEnv({ port: 3999 }).shape,
    PROBE_ROLE: z.enum(['producer', 'consumer']),
    PROBE_GROUP: z.string().default('probe-consumer'),
  }),
);
const serviceName = `probe-${config.PROBE_ROLE}`;
const migrations = [CreateProbeTables1764115300000];

async function main(): Promise<void> {
  if (process.argv[2] === 'migrate') {
    const applied = await runMigrations(createDataSource({ url: config.DATABASE_URL, applicationName: serviceName, migrations }));
    process.stdout.write(`migrations applied: ${applied.join(', ') || 'none'}\n`);
    return;
  }
  const logger = createLogger({ name: serviceName, level: config.LOG_LEVEL });

  @Module({
    imports: [
      ObservabilityModule.forRoot({ logger }),
      PersistenceModule.forRoot({ url: config.DATABASE_URL, applicationName: serviceName, migrations }),
      MessagingModule.forRoot({
        serviceName,
        brokers: config.KAFKA_BROKERS,
        databaseUrl: config.DATABASE_URL,
        consumer: {
          groupId: config.PROBE_GROUP,
          retry: { attempts: 3, initialDelayMs: 50, maxDelayMs: 200 },
          sessionTimeoutMs: 6_000,
        },
        relay: { pollIntervalMs: 500 },
      }),
    ],
    controllers: config.PROBE_ROLE === 'producer' ? [ProbeProducerController] : [ProbeConsumerController],
  })
  class ProbeModule {}

  const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  app.enableShutdownHooks();
  if (config.PROBE_ROLE === 'consumer') {
    app.connectMicroservice({ strategy: app.get(Messaging).createTransport() }, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  await app.listen(config.PORT, config.HOST);
  logger.info({ port: config.PORT }, `${serviceName} listening`);
}

main().catch(async (error) => {
  process.stderr.write(`${serviceName} failed to start: ${error?.stack ?? error}\n`);
  await telemetry.shutdown();
  process.exit(1);
});
