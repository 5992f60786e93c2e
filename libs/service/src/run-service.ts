import { loadConfigOrExit } from '@leads/config';
import { Messaging, MessagingModule, type MessagingSettings } from '@leads/messaging';
import { ObservabilityModule, PinoNestLogger, createLogger, type Telemetry } from '@leads/observability';
import { PersistenceModule, createDataSource, runMigrations, type DataSourceSettings } from '@leads/persistence';
import { Global, Module, type DynamicModule, type ForwardReference, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { z } from 'zod';
import { INTERNAL_TOKEN, InternalAuthGuard } from './internal-auth.guard';
import { ProblemDetailsFilter } from './problem-details.filter';
import { SERVICE_CONFIG, serviceConfigSchema, type ServiceConfig } from './service.config';

type ModuleImport = Type | DynamicModule | Promise<DynamicModule> | ForwardReference;

export interface ServiceDefinition<Extra extends z.ZodRawShape> {
  /** `ingest`, `pipeline`, …: logs, traces, Kafka client id, consumer group, `ce_source`. */
  readonly name: string;
  readonly defaultPort: number;
  /** The service's own environment variables, beyond ServiceConfig. */
  readonly config: Extra;
  readonly migrations: DataSourceSettings['migrations'];
  readonly entities?: DataSourceSettings['entities'];
  /** The feature modules. */
  readonly imports: (config: ServiceConfig & z.infer<z.ZodObject<Extra>>) => ModuleImport[];
  /** Connects the Kafka consumers when the service has `@OnEvent` handlers. */
  readonly consumesEvents: boolean;
  readonly messaging?: Pick<MessagingSettings, 'relay' | 'consumer'>;
  /** Largest accepted request body (default 1 MiB). */
  readonly bodyLimitBytes?: number;
  /** Keeps `request.rawBody` (a Buffer) next to the parsed body, e.g. to verify signatures. */
  readonly rawBody?: boolean;
  /** Extra HTTP setup (OpenAPI, CORS, multipart, …) before listening. */
  readonly configure?: (app: NestFastifyApplication, config: ServiceConfig & z.infer<z.ZodObject<Extra>>) => Promise<void> | void;
}

/**
 * The main() of every service: validated config (fail fast), `migrate` as a command, then a
 * Nest app on Fastify with observability, the database, the event backbone, problem-details
 * errors and graceful shutdown (SIGTERM: stop intake, drain, commit, flush traces, exit).
 */
export async function runService<Extra extends z.ZodRawShape>(
  definition: ServiceDefinition<Extra>,
  telemetry: Telemetry,
): Promise<void> {
  type Config = ServiceConfig & z.infer<z.ZodObject<Extra>>;
  const config = loadConfigOrExit(serviceConfigSchema(definition.defaultPort).extend(definition.config)) as Config;
  const database: DataSourceSettings = {
    url: config.DATABASE_URL,
    applicationName: definition.name,
    migrations: definition.migrations,
    entities: definition.entities,
  };
  if (process.argv[2] === 'migrate') {
    const applied = await runMigrations(createDataSource(database));
    process.stdout.write(`${definition.name}: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'}\n`);
    return;
  }

  const logger = createLogger({ name: definition.name, level: config.LOG_LEVEL });

  @Global()
  @Module({
    providers: [
      { provide: SERVICE_CONFIG, useValue: config },
      { provide: INTERNAL_TOKEN, useValue: config.INTERNAL_TOKEN },
      InternalAuthGuard,
    ],
    exports: [SERVICE_CONFIG, INTERNAL_TOKEN, InternalAuthGuard],
  })
  class ServiceCoreModule implements OnApplicationShutdown {
    async onApplicationShutdown(): Promise<void> {
      await telemetry.shutdown();
    }
  }

  @Module({
    imports: [
      ObservabilityModule.forRoot({ logger }),
      ServiceCoreModule,
      PersistenceModule.forRoot(database),
      MessagingModule.forRoot({
        serviceName: definition.name,
        brokers: config.KAFKA_BROKERS,
        databaseUrl: config.DATABASE_URL,
        ...definition.messaging,
      }),
      ...definition.imports(config),
    ],
    providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
  })
  class ServiceModule {}

  const app = await NestFactory.create<NestFastifyApplication>(
    ServiceModule,
    new FastifyAdapter({ bodyLimit: definition.bodyLimitBytes ?? 1024 * 1024, trustProxy: config.TRUST_PROXY }),
    { bufferLogs: true, rawBody: definition.rawBody ?? false },
  );
  app.useLogger(app.get(PinoNestLogger));
  app.enableShutdownHooks();
  await definition.configure?.(app, config);
  if (definition.consumesEvents) {
    app.connectMicroservice({ strategy: app.get(Messaging).createTransport() }, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  await app.listen(config.PORT, config.HOST);
  logger.info({ port: config.PORT }, `${definition.name} listening`);
}

/** Runs `main`, and on a start-up failure prints why, flushes traces and exits 1. */
export function start(name: string, telemetry: Telemetry, main: () => Promise<void>): void {
  main().catch(async (error: unknown) => {
    process.stderr.write(`${name} failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await telemetry.shutdown();
    process.exit(1);
  });
}
