import { createHash } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ActorKind, IntakeOutcome, LeadChannel, Topics } from '@leads/contracts';
import { Outbox } from '@leads/messaging';
import { ProblemException, invalidRequest, notFound, type RequestScope } from '@leads/service';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import { recogniseFields, type CustomValue, type UtmField } from './field-recognition';
import { emailSchema } from './submission.schema';

export interface Submission {
  /** The submitted fields, flat, whatever their names. */
  fields: Record<string, CustomValue>;
  channel: LeadChannel;
  sourceId?: string;
  sourceName?: string;
  pipelineId?: string;
  utm?: Partial<Record<UtmField, string>>;
  ipAddress?: string;
  userAgent?: string;
  referrer?: string;
  pageUrl?: string;
}

export interface IntakeResult {
  id: string;
  duplicate: boolean;
}

const ACTOR_KINDS = { user: ActorKind.USER, api_key: ActorKind.API_KEY, system: ActorKind.SYSTEM } as const;

/**
 * The one path by which a lead enters, from every channel: recognise the fields, find the lead
 * by workspace + email (merge into it, or create it), record the submission, and announce it
 * with `lead.created` through the outbox — all in one transaction, so nothing is half-stored.
 */
@Injectable()
export class IntakeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /** With an idempotency key, a replay returns the first answer and changes nothing. */
  async submit(scope: RequestScope, submission: Submission, idempotencyKey?: string): Promise<IntakeResult> {
    return this.dataSource.transaction(async (manager) => {
      if (!idempotencyKey) return this.accept(manager, scope, submission);
      const replay = await this.claimIdempotencyKey(manager, scope.workspaceId, idempotencyKey, submission);
      if (replay) return replay;
      const result = await this.accept(manager, scope, submission);
      await manager.query(`UPDATE idempotency_keys SET status = 202, response = $3 WHERE workspace_id = $1 AND key = $2`, [
        scope.workspaceId,
        idempotencyKey,
        result,
      ]);
      return result;
    });
  }

  /** Profile changes to an existing lead: a submission that keeps the lead's email. */
  async update(scope: RequestScope, leadId: string, fields: Record<string, CustomValue>): Promise<IntakeResult> {
    return this.dataSource.transaction(async (manager) => {
      const [lead] = await manager.query(`SELECT email FROM leads WHERE id = $1 AND workspace_id = $2 FOR UPDATE`, [
        leadId,
        scope.workspaceId,
      ]);
      if (!lead) throw notFound('Lead');
      const { profile } = recogniseFields(fields);
      if (profile.email !== undefined && profile.email !== lead.email) {
        throw invalidRequest([{ field: 'email', reason: 'cannot be changed: it identifies the lead' }]);
      }
      return this.accept(manager, scope, { fields: { ...fields, email: lead.email }, channel: LeadChannel.API });
    });
  }

  /** Stores one submission inside the caller's transaction. */
  async accept(manager: EntityManager, scope: RequestScope, submission: Submission): Promise<IntakeResult> {
    const { profile, utm, customFields } = recogniseFields(submission.fields);
    const email = emailSchema.safeParse(profile.email ?? '');
    if (!email.success) {
      throw invalidRequest([{ field: 'email', reason: profile.email ? 'must be an email address' : 'required' }]);
    }
    const given = Object.fromEntries(Object.entries(profile).filter(([, value]) => value !== ''));
    const [lead] = await manager.query(
      `INSERT INTO leads (id, workspace_id, email, profile, custom_fields) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id, email) DO UPDATE
         SET profile = leads.profile || excluded.profile,
             custom_fields = leads.custom_fields || excluded.custom_fields,
             updated_at = now()
       RETURNING id, profile, custom_fields, (xmax = 0) AS inserted`,
      [uuidv7(), scope.workspaceId, email.data, given, customFields],
    );
    const submissionId = uuidv7();
    const allUtm = { ...utm, ...submission.utm };
    await manager.query(
      `INSERT INTO submissions (id, workspace_id, lead_id, channel, source_id, fields, utm, ip_address, user_agent, referrer)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        submissionId,
        scope.workspaceId,
        lead.id,
        LeadChannel[submission.channel].toLowerCase(),
        submission.sourceId ?? null,
        submission.fields,
        allUtm,
        submission.ipAddress ?? null,
        submission.userAgent ?? null,
        submission.referrer ?? null,
      ],
    );
    await this.outbox.publish(manager, {
      topic: Topics.leadCreated,
      key: lead.id,
      data: {
        leadId: lead.id,
        workspaceId: scope.workspaceId,
        pipelineId: submission.pipelineId,
        profile: { ...lead.profile, customFields: lead.custom_fields },
        source: {
          channel: submission.channel,
          sourceId: submission.sourceId ?? '',
          sourceName: submission.sourceName ?? '',
          referrer: submission.referrer ?? '',
          pageUrl: submission.pageUrl ?? '',
          userAgent: submission.userAgent ?? '',
        },
        utm: allUtm,
        ipAddress: submission.ipAddress ?? '',
        submissionId,
        outcome: lead.inserted ? IntakeOutcome.NEW : IntakeOutcome.MERGED,
        submittedBy: { kind: ACTOR_KINDS[scope.actor.kind], id: scope.actor.id },
      },
    });
    return { id: lead.id, duplicate: !lead.inserted };
  }

  private async claimIdempotencyKey(
    manager: EntityManager,
    workspaceId: string,
    key: string,
    submission: Submission,
  ): Promise<IntakeResult | undefined> {
    const requestHash = createHash('sha256').update(JSON.stringify(submission)).digest('hex');
    const claimed = await manager.query(
      `INSERT INTO idempotency_keys (workspace_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key`,
      [workspaceId, key, requestHash],
    );
    if (claimed.length > 0) return undefined;
    const [previous] = await manager.query(`SELECT request_hash, response FROM idempotency_keys WHERE workspace_id = $1 AND key = $2`, [
      workspaceId,
      key,
    ]);
    if (previous.request_hash !== requestHash) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'idempotency-key-reused',
        'This Idempotency-Key was used with a different request body.',
      );
    }
    return previous.response as IntakeResult;
  }
}
