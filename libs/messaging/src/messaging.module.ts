import { Global, Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { HealthChecks, LOGGER } from '@leads/observability';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { KeepHandlerErrorsInterceptor } from './consumer/keep-handler-errors.interceptor';
import { Messaging, type MessagingSettings } from './messaging';
import { Outbox } from './outbox/outbox';

/**
 * Global: `Messaging` (producer, relay, metrics, consumer transport factory) and `Outbox`.
 * Needs PersistenceModule and ObservabilityModule. Connect the consumers in main with
 * `app.connectMicroservice({ strategy: app.get(Messaging).createTransport() }, { inheritAppConfig: true })`
 * (inheriting the app config applies the interceptor that keeps handler errors intact).
 */
@Global()
@Module({})
export class MessagingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(Messaging) private readonly messaging: Messaging) {}

  static forRoot(settings: MessagingSettings): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: Messaging,
          inject: [DataSource, LOGGER, HealthChecks],
          useFactory: (dataSource: DataSource, logger: Logger, health: HealthChecks) => {
            const messaging = new Messaging(settings, dataSource, logger);
            health.register('kafka', () => messaging.checkBroker());
            return messaging;
          },
        },
        { provide: Outbox, inject: [Messaging], useFactory: (messaging: Messaging) => messaging.outbox },
        { provide: APP_INTERCEPTOR, useClass: KeepHandlerErrorsInterceptor },
      ],
      exports: [Messaging, Outbox],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging.start();
  }

  /** Runs after Nest has closed the HTTP server and the consumers: in-flight work is done. */
  async onApplicationShutdown(): Promise<void> {
    await this.messaging.stop();
  }
}
