import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { LeadChannel, Topics } from '@leads/contracts';
import { Outbox } from '../../src/outbox/outbox';
import { DataSource } from 'typeorm';

interface SubmitLeads {
  leads: Array<{ leadId: string; email: string; firstName: string }>;
  /** Write everything, then roll the transaction back. */
  rollback?: boolean;
}

class DeliberateRollback extends Error {}

/** Stands in for an intake endpoint: a state change and its events in one transaction. */
@Controller('leads')
export class ProbeProducerController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  @Post()
  @HttpCode(202)
  async submit(@Body() body: SubmitLeads): Promise<{ eventIds: string[]; committed: boolean }> {
    try {
      const eventIds = await this.dataSource.transaction(async (manager) => {
        for (const lead of body.leads) {
          await manager.query(`INSERT INTO probe_submissions (lead_id, email) VALUES ($1, $2)`, [lead.leadId, lead.email]);
        }
        const ids = await this.outbox.publishAll(
          manager,
          body.leads.map((lead) => ({
            topic: Topics.leadCreated,
            key: lead.leadId,
            data: {
              leadId: lead.leadId,
              workspaceId: 'probe-workspace',
              profile: { email: lead.email, firstName: lead.firstName },
              source: { channel: LeadChannel.API },
            },
          })),
        );
        if (body.rollback) throw new DeliberateRollback();
        return ids;
      });
      return { eventIds, committed: true };
    } catch (error) {
      if (error instanceof DeliberateRollback) return { eventIds: [], committed: false };
      throw error;
    }
  }
}
