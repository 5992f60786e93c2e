export { createDataSource, runMigrations, type DataSourceSettings } from './data-source.factory';
export { CreateMessagingTables1764115200000 } from './messaging-tables.migration';
export { PersistenceModule } from './persistence.module';
export { RetentionSchedule, purgeDueRows, type RetentionRule } from './retention';
export { isRetryableTransactionError, retryingTransaction } from './retrying-transaction';
export { Conditions, containsPattern, queryRows, type Queryable } from './sql';
