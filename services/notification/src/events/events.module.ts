import { Module } from '@nestjs/common';
import { FeedModule } from '../feed/feed.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { LeadEventsConsumer } from './lead-events.consumer';

/** The lead topics: one handler per topic (one consumer group), feeding the webhooks and the failure notifications. */
@Module({
  imports: [FeedModule, WebhooksModule],
  controllers: [LeadEventsConsumer],
})
export class EventsModule {}
