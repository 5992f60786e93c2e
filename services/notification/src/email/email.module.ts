import { Mailer } from '@leads/mail';
import { SERVICE_CONFIG } from '@leads/service';
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import type { NotificationConfig } from '../notification.config';
import { RecipientsModule } from '../recipients/recipients.module';
import { NotificationEmailsStore } from './notification-emails.store';
import { NotificationEmailsWorker } from './notification-emails.worker';

/** The email channel: each notification's email, sent by a worker pool over SMTP. */
@Module({
  imports: [RecipientsModule],
  providers: [
    NotificationEmailsStore,
    NotificationEmailsWorker,
    { provide: Mailer, inject: [SERVICE_CONFIG], useFactory: (config: NotificationConfig) => new Mailer(config) },
  ],
  exports: [NotificationEmailsWorker],
})
export class EmailModule implements OnApplicationShutdown {
  constructor(private readonly mailer: Mailer) {}

  /** After the worker has drained (beforeApplicationShutdown). */
  onApplicationShutdown(): void {
    this.mailer.close();
  }
}
