import { provisionInfrastructure, type Infrastructure } from './infrastructure';

declare global {
  var __leadsInfrastructure: Infrastructure | undefined;
}

export default async function globalSetup(): Promise<void> {
  const startedAt = Date.now();
  const infrastructure = await provisionInfrastructure();
  globalThis.__leadsInfrastructure = infrastructure;
  process.env.TEST_KAFKA_BROKERS = infrastructure.kafkaBrokers.join(',');
  process.env.TEST_POSTGRES_ADMIN_URL = infrastructure.postgresAdminUrl;
  process.stdout.write(
    `\ntest infrastructure from ${infrastructure.source}: Kafka ${infrastructure.kafkaBrokers.join(',')}, ` +
      `PostgreSQL ${new URL(infrastructure.postgresAdminUrl).host} (${Date.now() - startedAt} ms)\n`,
  );
}
