import { Global, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { HealthChecks } from '@leads/observability';
import { DataSource } from 'typeorm';
import { createDataSource, type DataSourceSettings } from './data-source.factory';

/**
 * Global: the service's TypeORM DataSource (injectable as `DataSource`), connected at boot,
 * checked by /health/ready, closed last on shutdown. Migrations run separately (`migrate`).
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  static forRoot(settings: DataSourceSettings): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        {
          provide: DataSource,
          inject: [HealthChecks],
          useFactory: async (health: HealthChecks) => {
            const dataSource = await createDataSource(settings).initialize();
            health.register('database', async () => {
              await dataSource.query('SELECT 1');
            });
            return dataSource;
          },
        },
      ],
      exports: [DataSource],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
