import { LOGGER } from '@leads/observability';
import { RetentionSchedule, type RetentionRule } from '@leads/persistence';
import type { Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG } from './service.config';

/** A service's retention schedule, its rules and interval read from its validated configuration. */
export function retentionProvider<Config>(plan: (config: Config) => { rules: RetentionRule[]; intervalMs: number }): Provider {
  return {
    provide: RetentionSchedule,
    inject: [DataSource, SERVICE_CONFIG, LOGGER],
    useFactory: (dataSource: DataSource, config: Config, logger: Logger) => {
      const { rules, intervalMs } = plan(config);
      return new RetentionSchedule(dataSource, rules, intervalMs, logger);
    },
  };
}
