import { Module } from '@nestjs/common';
import { SendingModule } from '../sending/sending.module';
import { EnrollLead } from './enroll-lead.usecase';
import { EnrollmentsController } from './enrollments.controller';
import { LeadEventsConsumer } from './lead-events.consumer';

@Module({
  imports: [SendingModule],
  controllers: [EnrollmentsController, LeadEventsConsumer],
  providers: [EnrollLead],
})
export class EnrollmentsModule {}
