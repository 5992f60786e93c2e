import { DataSource, type EntitySchema, type MigrationInterface } from 'typeorm';
import { MessagingOutboxQueue1764288000000 } from './messaging-outbox-queue.migration';
import { CreateMessagingTables1764115200000 } from './messaging-tables.migration';

type EntityTarget = Function | EntitySchema;
type MigrationClass = new () => MigrationInterface;

export interface DataSourceSettings {
  /** The service's own database: `DATABASE_URL`. */
  readonly url: string;
  /** Shown in `pg_stat_activity`, so operators can tell the services apart. */
  readonly applicationName: string;
  readonly entities?: EntityTarget[];
  /** The service's migrations; the messaging tables' (outbox, its queue, inbox) are always included first. */
  readonly migrations?: MigrationClass[];
  readonly poolSize?: number;
}

/** A PostgreSQL DataSource for one service. Schema changes only ever come from migrations. */
export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource({
    type: 'postgres',
    url: settings.url,
    applicationName: settings.applicationName,
    entities: settings.entities ?? [],
    migrations: [CreateMessagingTables1764115200000, MessagingOutboxQueue1764288000000, ...(settings.migrations ?? [])],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    poolSize: settings.poolSize ?? 10,
  });
}

/** Applies pending migrations, each in its own transaction; returns the names applied. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const initialized = dataSource.isInitialized;
  if (!initialized) await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    if (!initialized) await dataSource.destroy();
  }
}
