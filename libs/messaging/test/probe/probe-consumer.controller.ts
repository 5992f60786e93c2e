import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Topics, type LeadCreated } from '@leads/contracts';
import { EventContext } from '../../src/consumer/event-context';
import { OnEvent } from '../../src/consumer/on-event.decorator';

/** Stands in for a consuming service: one effect row per handled lead.created. */
@Controller()
export class ProbeConsumerController {
  @OnEvent(Topics.leadCreated)
  async onLeadCreated(@Payload() event: LeadCreated, @Ctx() context: EventContext): Promise<void> {
    const firstName = event.profile?.firstName ?? '';
    if (firstName === 'always-fails') throw new Error(`probe handler refuses lead ${event.leadId}`);
    if (firstName === 'swallows-error') {
      // A handler bug: a failed statement caught and ignored leaves the transaction aborted.
      await context.manager.query(`SELECT 1 / 0`).catch(() => undefined);
      return;
    }
    await context.manager.query(`INSERT INTO probe_effects (event_id, lead_id, first_name) VALUES ($1, $2, $3)`, [
      context.eventId,
      event.leadId,
      firstName,
    ]);
    if (process.env.PROBE_CRASH_AFTER_COMMIT_LEAD === event.leadId) {
      // Dies after the effect is committed and before Kafka gets the offset.
      context.afterCommit(() => process.kill(process.pid, 'SIGKILL'));
    }
  }
}
