import { Mailer } from '@leads/mail';
import { SERVICE_CONFIG } from '@leads/service';
import { Module } from '@nestjs/common';
import type { SequencesConfig } from '../sequences.config';
import { SendsStore } from './sends.store';
import { SendingWorker } from './sending.worker';

/** The scheduler: due steps claimed from the database, sent through SMTP, outcomes recorded. */
@Module({
  providers: [SendsStore, SendingWorker, { provide: Mailer, inject: [SERVICE_CONFIG], useFactory: (config: SequencesConfig) => new Mailer(config) }],
  exports: [SendingWorker],
})
export class SendingModule {}
