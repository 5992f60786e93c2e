import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import type { ServiceDefinition } from '@leads/service';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Accounts1764200000000 } from '../migrations/1764200000000-accounts.migration';
import { Intake1764200100000 } from '../migrations/1764200100000-intake.migration';
import { Webhooks1764200300000 } from '../migrations/1764200300000-webhooks.migration';
import { Forms1764200400000 } from '../migrations/1764200400000-forms.migration';
import { Imports1764200500000 } from '../migrations/1764200500000-imports.migration';
import { RetentionIndexes1764500000000 } from '../migrations/1764500000000-retention-indexes.migration';
import { AccountsModule } from './accounts/accounts.module';
import { AnalysisModule } from './analysis/analysis.module';
import { AuthModule } from './auth/auth.module';
import { serveConsole } from './console/console-static';
import { FormsModule } from './forms/forms.module';
import { GatewayModule } from './gateway/gateway.module';
import { ImportsModule } from './imports/imports.module';
import { ingestSettings } from './ingest.config';
import { IntakeModule } from './intake/intake.module';
import { LeadsModule } from './leads/leads.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PipelinesModule } from './pipelines/pipelines.module';
import { RetentionModule } from './retention/retention.module';
import { SequencesModule } from './sequences/sequences.module';
import { TimelineModule } from './timeline/timeline.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The public gateway: accounts, every intake channel, and the public API over the internal services. */
export const ingestService: ServiceDefinition<typeof ingestSettings> = {
  name: 'ingest',
  defaultPort: 3000,
  config: ingestSettings,
  migrations: [Accounts1764200000000, Intake1764200100000, Webhooks1764200300000, Forms1764200400000, Imports1764200500000, RetentionIndexes1764500000000],
  consumesEvents: false,
  bodyLimitBytes: 256 * 1024,
  rawBody: true,
  imports: () => [GatewayModule, AuthModule, IntakeModule, AccountsModule, LeadsModule, PipelinesModule, WebhooksModule, FormsModule, ImportsModule, AnalysisModule, SequencesModule, NotificationsModule, TimelineModule, RetentionModule],
  async configure(app, config) {
    await app.register(cookie);
    // CSV imports stream their file part (POST /v1/imports sets the per-request limits); the
    // JSON bodyLimit does not apply to multipart bodies.
    await app.register(multipart, { limits: { fileSize: config.IMPORT_MAX_BYTES, files: 1, fields: 10, parts: 12 } });
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('500 Leads API')
        .setDescription('Leads in from every channel, enriched, scored by an LLM, on pipelines. Errors are RFC 9457 problem details.')
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer l5_…`' })
        .addCookieAuth('leads_session')
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
    await serveConsole(app, config.CONSOLE_DIR);
  },
};
