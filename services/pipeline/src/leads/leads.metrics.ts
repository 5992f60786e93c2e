import { Injectable } from '@nestjs/common';
import { defineGauge } from '@leads/observability';
import { DataSource } from 'typeorm';

/**
 * `pipeline_leads{processing_status, qualification}`: how many leads stand where, counted from
 * the read model when /metrics is scraped (one grouped count; scrapes are seconds apart).
 */
@Injectable()
export class LeadsMetrics {
  constructor(dataSource: DataSource) {
    defineGauge({
      name: 'pipeline_leads',
      help: 'Leads in the read model by processing status (received, enriched, scored, failed) and qualification (hot, warm, cold, none).',
      labelNames: ['processing_status', 'qualification'],
      async collect() {
        const rows: Array<{ processing_status: string; qualification: string | null; count: number }> = await dataSource.query(
          `SELECT processing_status, qualification, count(*)::int AS count FROM leads GROUP BY 1, 2`,
        );
        this.reset();
        for (const row of rows) this.set({ processing_status: row.processing_status, qualification: row.qualification ?? 'none' }, row.count);
      },
    });
  }
}
