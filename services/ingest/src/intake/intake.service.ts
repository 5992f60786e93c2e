import { createHash, randomBytes } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { JsonObject } from '@bufbuild/protobuf';
import { ActorKind, IntakeOutcome, LeadChannel, Topics, type LeadCreatedSchema } from '@leads/contracts';
import { Outbox, type OutgoingEvent } from '@leads/messaging';
import { ProblemException, SERVICE_CONFIG, invalidRequest, notFound, type FieldError, type RequestScope } from '@leads/service';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import type { IngestConfig } from '../ingest.config';
import { recogniseFields, type CustomValue, type RecognisedFields, type UtmField } from './field-recognition';
import { GroupCommit, type ItemOutcome } from './group-commit';
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

/** A submission of a batch; `importRow` is the row of a CSV import it comes from. */
export interface BatchSubmission extends Submission {
  importRow?: number;
}

/** Per submission of a batch, in order: stored (as `accept` would answer), or why not. */
export type BatchOutcome = ({ accepted: true } & IntakeResult) | { accepted: false; errors: FieldError[] };

interface ValidSubmission {
  index: number;
  email: string;
  /** The standard fields given (non-empty). */
  given: Record<string, string>;
  recognised: RecognisedFields;
}

const ACTOR_KINDS = { user: ActorKind.USER, api_key: ActorKind.API_KEY, system: ActorKind.SYSTEM } as const;

/** UUIDv7s for a batch, from one draw of random bytes (uuid draws them once per id otherwise). */
function uuidv7s(count: number): string[] {
  const random = randomBytes(16 * count);
  return Array.from({ length: count }, (_, index) => uuidv7({ random: random.subarray(16 * index, 16 * index + 16) }));
}

interface ScopedSubmission {
  scope: RequestScope;
  submission: Submission;
}

/**
 * The one path by which a lead enters, from every channel: recognise the fields, find the lead
 * by workspace + email (merge into it, or create it), record the submission, and announce it
 * with `lead.created` through the outbox — all in one transaction, so nothing is half-stored.
 */
@Injectable()
export class IntakeService {
  /** Concurrent submissions share transactions (see GroupCommit): one commit serves many requests. */
  private readonly groupCommit: GroupCommit<ScopedSubmission, IntakeResult>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    @Inject(SERVICE_CONFIG) config: IngestConfig,
  ) {
    this.groupCommit = new GroupCommit((entries) => this.acceptTogether(entries), {
      concurrency: config.INTAKE_BATCH_CONCURRENCY,
      maxBatch: config.INTAKE_BATCH_MAX,
      lingerMs: config.INTAKE_BATCH_LINGER_MS,
    });
  }

  /**
   * Stores one submission; the answer comes after its transaction commits. With an idempotency
   * key, a replay returns the first answer and changes nothing.
   */
  async submit(scope: RequestScope, submission: Submission, idempotencyKey?: string): Promise<IntakeResult> {
    if (!idempotencyKey) return this.groupCommit.add({ scope, submission });
    return this.dataSource.transaction(async (manager) => {
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
    await this.outbox.publish(manager, leadCreatedEvent(scope, submission, { lead, submissionId, utm: allUtm, isNew: lead.inserted }));
    return { id: lead.id, duplicate: !lead.inserted };
  }

  /**
   * Why `accept` would refuse these fields (the email is required and must be valid), without
   * storing anything; empty when they would be accepted.
   */
  check(fields: Record<string, CustomValue>): FieldError[] {
    const { profile } = recogniseFields(fields);
    return emailSchema.safeParse(profile.email ?? '').success
      ? []
      : [{ field: 'email', reason: profile.email ? 'must be an email address' : 'required' }];
  }

  /**
   * Stores many submissions inside the caller's transaction, with the semantics of `accept` for
   * each (recognise, upsert by workspace + email merging into the lead, record the submission,
   * `lead.created` through the outbox) but in a few multi-row statements instead of three per
   * submission. Submissions are applied in order: a later one with the same email merges into
   * the earlier one (its outcome is `duplicate`). Invalid submissions are skipped and reported.
   */
  async acceptBatch(manager: EntityManager, scope: RequestScope, submissions: readonly BatchSubmission[]): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = new Array(submissions.length);
    const valid: ValidSubmission[] = [];
    /** Per email, the merge of its submissions' fields in order, as the upserts one by one would leave it. */
    const merged = new Map<string, { profile: Record<string, string>; customFields: Record<string, CustomValue> }>();
    submissions.forEach((submission, index) => {
      const recognised = recogniseFields(submission.fields);
      const email = emailSchema.safeParse(recognised.profile.email ?? '');
      if (!email.success) {
        const reason = recognised.profile.email ? 'must be an email address' : 'required';
        outcomes[index] = { accepted: false, errors: [{ field: 'email', reason }] };
        return;
      }
      const given = Object.fromEntries(Object.entries(recognised.profile).filter(([, value]) => value !== '')) as Record<string, string>;
      valid.push({ index, email: email.data, given, recognised });
      const lead = merged.get(email.data);
      if (lead) {
        Object.assign(lead.profile, given);
        Object.assign(lead.customFields, recognised.customFields);
      } else {
        merged.set(email.data, { profile: { ...given }, customFields: { ...recognised.customFields } });
      }
    });
    if (valid.length === 0) return outcomes;

    // Per submission, its lead is found by email once the leads are upserted: ids are drawn now.
    const submissionIds = uuidv7s(valid.length);
    const submissionRows = valid.map((entry, position) => {
      const submission = submissions[entry.index];
      return {
        id: submissionIds[position],
        email: entry.email,
        channel: LeadChannel[submission.channel].toLowerCase(),
        source_id: submission.sourceId ?? null,
        fields: submission.fields,
        utm: { ...entry.recognised.utm, ...submission.utm },
        ip_address: submission.ipAddress ?? null,
        user_agent: submission.userAgent ?? null,
        referrer: submission.referrer ?? null,
      };
    });
    // One statement: the leads upserted (sorted by email, so concurrent batches of one workspace
    // lock the same leads in the same order), then each submission with its lead's id. The rows
    // travel as two JSON documents (as jsonb[] each value would be escaped into an array literal).
    const emails = [...merged.keys()].sort();
    const leadIds = uuidv7s(emails.length);
    const leads: Array<{ id: string; email: string; profile: Record<string, string>; custom_fields: Record<string, CustomValue>; inserted: boolean }> =
      await manager.query(
        `WITH upserted AS (
           INSERT INTO leads (id, workspace_id, email, profile, custom_fields)
           SELECT id, $1::uuid, email, profile, custom_fields
             FROM jsonb_to_recordset($2::jsonb) AS t (id uuid, email text, profile jsonb, custom_fields jsonb)
            ORDER BY email
           ON CONFLICT (workspace_id, email) DO UPDATE
             SET profile = leads.profile || excluded.profile,
                 custom_fields = leads.custom_fields || excluded.custom_fields,
                 updated_at = now()
           RETURNING id, email, profile, custom_fields, (xmax = 0) AS inserted
         ), recorded AS (
           INSERT INTO submissions (id, workspace_id, lead_id, channel, source_id, fields, utm, ip_address, user_agent, referrer)
           SELECT s.id, $1::uuid, upserted.id, s.channel, s.source_id, s.fields, s.utm, s.ip_address, s.user_agent, s.referrer
             FROM ROWS FROM (jsonb_to_recordset($3::jsonb)
                    AS (id uuid, email text, channel text, source_id text, fields jsonb, utm jsonb, ip_address text, user_agent text, referrer text))
                  WITH ORDINALITY AS s (id, email, channel, source_id, fields, utm, ip_address, user_agent, referrer, position)
             JOIN upserted USING (email)
            ORDER BY s.position
         )
         SELECT id, email, profile, custom_fields, inserted FROM upserted`,
        [
          scope.workspaceId,
          JSON.stringify(
            emails.map((email, index) => ({ id: leadIds[index], email, profile: merged.get(email)!.profile, custom_fields: merged.get(email)!.customFields })),
          ),
          JSON.stringify(submissionRows),
        ],
      );
    const byEmail = new Map(leads.map((lead) => [lead.email, lead]));

    const seen = new Set<string>();
    const rows = valid.map((entry, position) => {
      const submission = submissions[entry.index];
      const lead = byEmail.get(entry.email)!;
      const isNew = lead.inserted && !seen.has(entry.email);
      seen.add(entry.email);
      outcomes[entry.index] = { accepted: true, id: lead.id, duplicate: !isNew };
      return { submission, lead, isNew, submissionId: submissionIds[position], utm: submissionRows[position].utm };
    });
    await this.outbox.publishAll(
      manager,
      rows.map(({ submission, lead, isNew, submissionId, utm }) => leadCreatedEvent(scope, submission, { lead, submissionId, utm, isNew })),
    );
    return outcomes;
  }

  /**
   * One transaction for submissions of any workspaces (`acceptBatch` per scope). When it fails as
   * a whole, each submission is tried again in a transaction of its own, so one that the
   * database refuses fails alone.
   */
  private async acceptTogether(entries: ScopedSubmission[]): Promise<Array<ItemOutcome<IntakeResult>>> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const outcomes: Array<ItemOutcome<IntakeResult>> = new Array(entries.length);
        const byScope = new Map<string, number[]>();
        entries.forEach(({ scope }, index) => {
          const key = `${scope.workspaceId} ${scope.actor.kind} ${scope.actor.id}`;
          byScope.set(key, [...(byScope.get(key) ?? []), index]);
        });
        // In one order, so concurrent transactions lock the leads of several workspaces alike.
        for (const indices of [...byScope.keys()].sort().map((key) => byScope.get(key)!)) {
          const results = await this.acceptBatch(manager, entries[indices[0]].scope, indices.map((index) => entries[index].submission));
          results.forEach((result, position) => {
            outcomes[indices[position]] = result.accepted
              ? { ok: true, value: { id: result.id, duplicate: result.duplicate } }
              : { ok: false, error: invalidRequest(result.errors) };
          });
        }
        return outcomes;
      });
    } catch (error) {
      if (entries.length === 1) return [{ ok: false, error }];
      return Promise.all(
        entries.map(({ scope, submission }) =>
          this.dataSource.transaction((manager) => this.accept(manager, scope, submission)).then(
            (value): ItemOutcome<IntakeResult> => ({ ok: true, value }),
            (failure: unknown): ItemOutcome<IntakeResult> => ({ ok: false, error: failure }),
          ),
        ),
      );
    }
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

interface StoredLead {
  id: string;
  profile: Record<string, unknown>;
  custom_fields: Record<string, unknown>;
}

/** `lead.created` for a stored submission: the lead's merged profile and where it came from. */
function leadCreatedEvent(
  scope: RequestScope,
  submission: BatchSubmission,
  stored: { lead: StoredLead; submissionId: string; utm: Partial<Record<UtmField, string>>; isNew: boolean },
): OutgoingEvent<typeof LeadCreatedSchema> {
  const { lead, submissionId, utm, isNew } = stored;
  return {
    topic: Topics.leadCreated,
    key: lead.id,
    data: {
      leadId: lead.id,
      workspaceId: scope.workspaceId,
      pipelineId: submission.pipelineId,
      profile: { ...lead.profile, customFields: lead.custom_fields as JsonObject },
      source: {
        channel: submission.channel,
        sourceId: submission.sourceId ?? '',
        sourceName: submission.sourceName ?? '',
        referrer: submission.referrer ?? '',
        pageUrl: submission.pageUrl ?? '',
        userAgent: submission.userAgent ?? '',
        importRow: submission.importRow ?? 0,
      },
      utm,
      ipAddress: submission.ipAddress ?? '',
      submissionId,
      outcome: isNew ? IntakeOutcome.NEW : IntakeOutcome.MERGED,
      submittedBy: { kind: ACTOR_KINDS[scope.actor.kind], id: scope.actor.id },
    },
  };
}
