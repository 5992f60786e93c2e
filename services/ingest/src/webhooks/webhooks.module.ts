import { Module } from '@nestjs/common';
import { SERVICE_CONFIG, SecretBox } from '@leads/service';
import type { IngestConfig } from '../ingest.config';
import { WebhookIntakeController } from './webhook-intake.controller';
import { WebhookIntakeUseCase } from './webhook-intake.usecase';
import { WebhookSourcesController } from './webhook-sources.controller';
import { WebhookSourcesUseCase } from './webhook-sources.usecase';

/** Signed webhooks: per-workspace sources (URL token + signing secrets) and their public intake. */
@Module({
  controllers: [WebhookSourcesController, WebhookIntakeController],
  providers: [
    { provide: SecretBox, useFactory: (config: IngestConfig) => SecretBox.fromBase64(config.SECRETS_KEY), inject: [SERVICE_CONFIG] },
    WebhookSourcesUseCase,
    WebhookIntakeUseCase,
  ],
})
export class WebhooksModule {}
