import { Injectable } from '@nestjs/common';
import { LeadChannel, verifySignature, type SignatureFailure } from '@leads/contracts';
import { defineCounter } from '@leads/observability';
import { invalidRequest, unauthorized, zodFieldErrors } from '@leads/service';
import type { CustomValue } from '../intake/field-recognition';
import { IntakeService, type IntakeResult } from '../intake/intake.service';
import { submittedFieldsSchema } from '../intake/submission.schema';
import { applyFieldMapping } from './field-mapping';
import { assertFieldsObject } from '../intake/nesting';
import { WebhookSourcesUseCase } from './webhook-sources.usecase';

export interface WebhookDelivery {
  token: string;
  signature: string | undefined;
  rawBody: Buffer | undefined;
  body: unknown;
  idempotencyKey?: string;
}

const REASONS: Record<SignatureFailure | 'unknown-source', string> = {
  'unknown-source': 'No webhook source has this URL: it may have been deleted.',
  missing: 'The X-500Leads-Signature header is missing.',
  malformed: 'The X-500Leads-Signature header is malformed: expected `t=<unix seconds>,v1=<hex HMAC-SHA256>`.',
  expired: 'The signature timestamp is more than 5 minutes away from our clock: sign each request when sending it.',
  mismatch: 'No signature matches a valid secret of this source for this body and timestamp.',
};

const rejections = defineCounter({
  name: 'intake_webhook_rejections_total',
  help: 'Webhook deliveries refused with 401, by reason (unknown-source, missing, malformed, expired, mismatch).',
  labelNames: ['reason'],
});

/**
 * `POST /v1/hooks/:token`: the token names the source (and so the workspace), the signature
 * proves the sender holds one of its secrets. Fastify has parsed the body (within the body
 * limit), but nothing of it is used before the signature over the raw bytes is verified; then
 * the source's field mapping, then the one intake path.
 */
@Injectable()
export class WebhookIntakeUseCase {
  constructor(
    private readonly sources: WebhookSourcesUseCase,
    private readonly intake: IntakeService,
  ) {}

  async receive(delivery: WebhookDelivery): Promise<IntakeResult> {
    const source = await this.sources.findByToken(delivery.token);
    if (!source) {
      rejections.inc({ reason: 'unknown-source' });
      throw unauthorized(REASONS['unknown-source']);
    }
    const verdict = verifySignature(delivery.signature, delivery.rawBody ?? Buffer.alloc(0), source.secrets);
    if (!verdict.valid) {
      rejections.inc({ reason: verdict.reason });
      throw unauthorized(REASONS[verdict.reason]);
    }

    const body = delivery.body;
    assertFieldsObject(body, 'a JSON object or a form-encoded body');
    const fields = submittedFieldsSchema.safeParse(applyFieldMapping(body as Record<string, CustomValue>, source.fieldMapping));
    if (!fields.success) throw invalidRequest(zodFieldErrors(fields.error));
    return this.intake.submit(
      { workspaceId: source.workspaceId, actor: { kind: 'system', id: source.id } },
      { fields: fields.data, channel: LeadChannel.WEBHOOK, sourceId: source.id, sourceName: source.name },
      // A sender's retries carry the same key; keys are per source, not per workspace.
      delivery.idempotencyKey === undefined ? undefined : `webhook:${source.id}:${delivery.idempotencyKey}`,
    );
  }
}
