import { type DynamicModule, Global, Module } from '@nestjs/common';
import type pino from 'pino';
import { HealthChecks } from './health-checks';
import { HealthController } from './health.controller';
import { PinoNestLogger, createLogger } from './logger';
import { MetricsController } from './metrics.controller';

/** Injection token of the service's root pino logger: `@Inject(LOGGER) logger: pino.Logger`. */
export const LOGGER = Symbol.for('@leads/observability.logger');

export interface ObservabilityModuleOptions {
  /** The logger the service created in main (so Nest and the app share one). Created when omitted. */
  logger?: pino.Logger;
  /** Used only when `logger` is omitted. */
  serviceName?: string;
}

/**
 * Global: HealthChecks (register readiness checks), the pino logger (token LOGGER), a
 * PinoNestLogger over it, GET /health/live, GET /health/ready and GET /metrics.
 *
 *   @Module({ imports: [ObservabilityModule.forRoot({ logger })] })
 *   ...
 *   const app = await NestFactory.create(AppModule, new FastifyAdapter(), { bufferLogs: true });
 *   app.useLogger(app.get(PinoNestLogger));
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityModuleOptions = {}): DynamicModule {
    const logger = options.logger ?? createLogger({ name: options.serviceName });
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        HealthChecks,
        { provide: LOGGER, useValue: logger },
        { provide: PinoNestLogger, useValue: new PinoNestLogger(logger) },
      ],
      exports: [HealthChecks, LOGGER, PinoNestLogger],
    };
  }
}
