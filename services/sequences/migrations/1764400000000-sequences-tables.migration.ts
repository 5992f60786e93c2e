import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sequences and their steps, the workspace sender identities, the leads as the lead events show
 * them (what enrolment decides on and templates render), enrolments, every send with its
 * outcome, unsubscribe tokens and suppressed addresses. Every table is keyed by workspace first:
 * a query is always scoped to one workspace. Timestamps are kept to the millisecond so they
 * round-trip through JSON and pagination cursors exactly.
 */
export class SequencesTables1764400000000 implements MigrationInterface {
  name = 'SequencesTables1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sequences (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
        qualifications text[] NOT NULL,
        pipeline_ids uuid[] NOT NULL DEFAULT '{}',
        sources text[] NOT NULL DEFAULT '{}',
        min_score integer CHECK (min_score BETWEEN 0 AND 100),
        -- [{delaySeconds, subject, body}], in order; always read and replaced as a whole
        steps jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX sequences_recent ON sequences (workspace_id, created_at DESC, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE sender_identities (
        workspace_id uuid PRIMARY KEY,
        from_name text NOT NULL,
        from_email text NOT NULL,
        reply_to text,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE leads (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        -- from the newest lead.scored
        email text,
        first_name text,
        last_name text,
        company_name text,
        custom_fields jsonb NOT NULL DEFAULT '{}',
        source text,
        qualification text,
        score integer,
        email_class text,
        scored_at timestamptz(3),
        -- from the newest lead.stage-changed
        pipeline_id uuid,
        stage_kind text,
        placed_at timestamptz(3),
        -- scored hot or warm while its pipeline was unknown: sequences filtering on pipelines decide when it arrives
        awaiting_placement boolean NOT NULL DEFAULT false,
        PRIMARY KEY (workspace_id, id)
      )`);

    await queryRunner.query(`
      CREATE TABLE enrollments (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        sequence_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'paused', 'completed', 'stopped')),
        -- steps done (sent, or given up as unknown after a crash): the next step is steps[current_step]
        current_step integer NOT NULL DEFAULT 0,
        next_run_at timestamptz(3),
        stop_reason text,
        enrolled_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        finished_at timestamptz(3),
        PRIMARY KEY (workspace_id, id),
        -- once per lead and sequence, however often the lead is scored
        UNIQUE (workspace_id, sequence_id, lead_id),
        FOREIGN KEY (workspace_id, sequence_id) REFERENCES sequences (workspace_id, id) ON DELETE CASCADE,
        CHECK (status NOT IN ('active', 'paused') OR next_run_at IS NOT NULL),
        CHECK ((status = 'stopped') = (stop_reason IS NOT NULL))
      )`);
    // The scheduler's claim: due active enrolments, soonest first, across workspaces.
    await queryRunner.query(`CREATE INDEX enrollments_due ON enrollments (next_run_at) WHERE status = 'active'`);
    await queryRunner.query(`CREATE INDEX enrollments_by_lead ON enrollments (workspace_id, lead_id)`);
    await queryRunner.query(`CREATE INDEX enrollments_by_sequence ON enrollments (workspace_id, sequence_id, enrolled_at, id)`);

    await queryRunner.query(`
      CREATE TABLE sends (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        enrollment_id uuid NOT NULL,
        sequence_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        -- 1-based step number
        step integer NOT NULL,
        to_email text NOT NULL,
        subject text NOT NULL,
        -- sending: an attempt is talking to SMTP (if its replica dies, it becomes unknown and is never sent again)
        status text NOT NULL CHECK (status IN ('sending', 'retrying', 'sent', 'failed', 'unknown', 'cancelled')),
        attempt_count integer NOT NULL DEFAULT 1,
        claim_token uuid,
        message_id text,
        smtp_response text,
        error text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        sent_at timestamptz(3),
        PRIMARY KEY (workspace_id, id),
        -- what makes a step go at most once, whatever the replicas and crashes
        UNIQUE (workspace_id, enrollment_id, step),
        FOREIGN KEY (workspace_id, enrollment_id) REFERENCES enrollments (workspace_id, id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX sends_by_sequence ON sends (workspace_id, sequence_id, created_at, id)`);

    // Outlive their sequence (no foreign key): a link in an email already sent keeps working.
    await queryRunner.query(`
      CREATE TABLE unsubscribe_tokens (
        workspace_id uuid NOT NULL,
        token_hash bytea NOT NULL,
        lead_id uuid NOT NULL,
        email text NOT NULL,
        send_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, token_hash)
      )`);

    await queryRunner.query(`
      CREATE TABLE suppressions (
        workspace_id uuid NOT NULL,
        -- lower-cased
        email text NOT NULL,
        lead_id uuid,
        reason text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, email)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE suppressions, unsubscribe_tokens, sends, enrollments, leads, sender_identities, sequences`);
  }
}
