import { Module } from '@nestjs/common';
import { SendingModule } from '../sending/sending.module';
import { EnrollLead } from './enroll-lead.usecase';
import { EnrollmentsController } from './enrollments.controller';
import { LeadActivityController } from './lead-activity.controller';
import { LeadEventsConsumer } from './lead-events.consumer';

@Module({
  imports: [SendingModule],
  controllers: [EnrollmentsController, LeadActivityController, LeadEventsConsumer],
  providers: [EnrollLead],
})
export class EnrollmentsModule {}
