import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { EmailClass, FailureStage, GeolocationMethod, MxStatus, Topics, type EnrichmentSchema, type LeadCreated } from '@leads/contracts';
import { Outbox } from '@leads/messaging';
import { LOGGER } from '@leads/observability';
import { SERVICE_CONFIG } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { EmailClassName, MxStatusName } from '../email/email-class.rules';
import { VerifyEmail } from '../email/verify-email.usecase';
import type { EnrichmentConfig } from '../enrichment.config';
import { IpGeolocation } from '../geolocation/ip-geolocation.provider';
import { enrichmentDuration } from '../shared/enrichment.metrics';
import { LeadEnrichmentRepository, type EnrichmentFailure, type EnrichmentResult, type EnrichmentSubject } from './lead-enrichment.repository';

const mxStatuses: Record<MxStatusName, MxStatus> = { valid: MxStatus.VALID, none: MxStatus.NONE, unknown: MxStatus.UNKNOWN };
const emailClasses: Record<EmailClassName, EmailClass> = {
  business: EmailClass.BUSINESS,
  personal: EmailClass.PERSONAL,
  disposable: EmailClass.DISPOSABLE,
  invalid: EmailClass.INVALID,
};

/** The `Enrichment` message of a result: absent parts (no location, no company) stay absent. */
export function enrichmentMessage(result: EnrichmentResult): MessageInitShape<typeof EnrichmentSchema> {
  const { email, geolocation, company } = result;
  return {
    email: { syntaxValid: email.syntaxValid, domain: email.domain, mxStatus: mxStatuses[email.mxStatus], mxHosts: [...email.mxHosts] },
    emailClass: emailClasses[email.emailClass],
    geolocation: geolocation
      ? {
          countryCode: geolocation.countryCode,
          region: geolocation.region,
          city: geolocation.city,
          latitude: geolocation.latitude ?? undefined,
          longitude: geolocation.longitude ?? undefined,
          method: GeolocationMethod.IP_ADDRESS,
          provider: geolocation.provider,
          attribution: geolocation.attribution,
        }
      : undefined,
    company: company ? { name: company.name, domain: company.domain, confidence: company.confidence } : undefined,
  };
}

const SAVEPOINT = 'enrich_lead_attempt';

/**
 * Enriches one lead from its `lead.created`, in the consumer's transaction: email verification
 * and class, IP geolocation and company, stored as the lead's latest enrichment and published as
 * `lead.enriched` with the whole lead, so scoring needs nothing else. Partial results are normal
 * (DNS timeouts, no IP): they are still `lead.enriched`.
 *
 * An internal error (a bug, a database error) is retried here, `ENRICHMENT_ATTEMPTS` times in
 * all, each attempt inside a savepoint so a failed one leaves nothing behind. When the last one
 * fails the lead gets `lead.failed` (stage enrichment, retryable) instead of an exception, so it
 * is marked failed and the workspace told, rather than only dead-lettered. What cannot even be
 * recorded (the database is gone) is thrown to the transport, which retries the delivery and
 * then dead-letters it.
 */
@Injectable()
export class EnrichLead {
  constructor(
    private readonly verifyEmail: VerifyEmail,
    private readonly geolocation: IpGeolocation,
    private readonly repository: LeadEnrichmentRepository,
    private readonly outbox: Outbox,
    @Inject(SERVICE_CONFIG) private readonly config: EnrichmentConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(manager: EntityManager, event: LeadCreated, subject: EnrichmentSubject): Promise<'enriched' | 'failed'> {
    const startedAt = performance.now();
    const attempts = this.config.ENRICHMENT_ATTEMPTS;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      await manager.query(`SAVEPOINT ${SAVEPOINT}`);
      try {
        const result = await this.enrich(subject);
        await this.repository.saveEnriched(manager, subject, result, attempt, performance.now() - startedAt);
        await this.outbox.publish(manager, {
          topic: Topics.leadEnriched,
          key: subject.leadId,
          data: {
            leadId: subject.leadId,
            workspaceId: subject.workspaceId,
            profile: event.profile,
            source: event.source,
            utm: event.utm,
            enrichment: enrichmentMessage(result),
            submissionId: event.submissionId,
            occurredAt: timestampNow(),
          },
        });
        await manager.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
        enrichmentDuration.observe({ outcome: 'enriched' }, (performance.now() - startedAt) / 1000);
        return 'enriched';
      } catch (error) {
        lastError = error;
        await manager.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`).catch((rollbackError: unknown) => {
          throw new Error('enrichment failed and its savepoint could not be rolled back', { cause: [error, rollbackError] });
        });
        this.logger.warn({ err: error, leadId: subject.leadId, attempt, attempts }, 'enrichment attempt failed');
        if (attempt < attempts) await delay(Math.min(2_000, 100 * 2 ** (attempt - 1)));
      }
    }

    const failure: EnrichmentFailure = {
      reason: `Enrichment could not be completed after ${attempts} attempt${attempts === 1 ? '' : 's'} because of an internal error.`,
      errorCode: 'enrichment_internal_error',
      retryable: true,
    };
    this.logger.error({ err: lastError, leadId: subject.leadId, attempts }, 'enrichment failed; publishing lead.failed');
    await this.repository.saveFailed(manager, subject, failure, attempts, performance.now() - startedAt);
    await this.outbox.publish(manager, {
      topic: Topics.leadFailed,
      key: subject.leadId,
      data: {
        leadId: subject.leadId,
        workspaceId: subject.workspaceId,
        stage: FailureStage.ENRICHMENT,
        reason: failure.reason,
        errorCode: failure.errorCode,
        retryable: failure.retryable,
        attemptCount: attempts,
        occurredAt: timestampNow(),
      },
    });
    enrichmentDuration.observe({ outcome: 'failed' }, (performance.now() - startedAt) / 1000);
    return 'failed';
  }

  private async enrich(subject: EnrichmentSubject): Promise<EnrichmentResult> {
    const email = await this.verifyEmail.execute(subject.email);
    return { email, geolocation: this.geolocation.locate(subject.ipAddress), company: email.company };
  }
}
