import { Module } from '@nestjs/common';
import { LeadTimeline } from './lead-timeline.usecase';
import { TimelineController } from './timeline.controller';

/** `GET /v1/leads/:id/timeline`: a lead's story composed from every service that took part. */
@Module({ controllers: [TimelineController], providers: [LeadTimeline] })
export class TimelineModule {}
