import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notification database: who to notify (a projection of workspace.created) and how, the
 * in-app feed (groups of failed leads, disabled webhooks) with each notification's email, and
 * the outbound webhook subscriptions with their deliveries and attempts. Every table is keyed by
 * workspace first; the workers' queues have partial indexes over what is due. Timestamps are
 * stored to the millisecond so that they round-trip through JSON and pagination cursors.
 */
export class NotificationTables1764400000000 implements MigrationInterface {
  name = 'NotificationTables1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        -- null when workspace.created predates its owner_email field
        owner_email text,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE notification_settings (
        workspace_id uuid PRIMARY KEY,
        email_enabled boolean NOT NULL DEFAULT true,
        -- null: the workspace's owner
        email_recipients text[],
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);

    // lead.failed events waiting to be folded into a notification group (a queue: rows are deleted once grouped).
    await queryRunner.query(`
      CREATE TABLE lead_failures (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        stage text NOT NULL,
        reason text NOT NULL,
        error_code text NOT NULL,
        failed_at timestamptz(3) NOT NULL,
        received_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX lead_failures_by_workspace ON lead_failures (workspace_id, id)`);

    await queryRunner.query(`
      CREATE TABLE notifications (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('leads_failed', 'webhook_disabled')),
        count integer NOT NULL DEFAULT 1,
        data jsonb NOT NULL DEFAULT '{}',
        -- a group still taking in failures, until closes_at (one per workspace and kind)
        group_open boolean NOT NULL DEFAULT false,
        closes_at timestamptz(3),
        read_at timestamptz(3),
        email_status text NOT NULL CHECK (email_status IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
        -- pending: when it is due; sending: when the sender's lease ends
        email_due_at timestamptz(3),
        email_claim uuid,
        email_attempts integer NOT NULL DEFAULT 0,
        email_error text,
        emailed_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, id),
        CHECK (NOT group_open OR closes_at IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX notifications_open_group ON notifications (workspace_id, kind) WHERE group_open`);
    await queryRunner.query(`CREATE INDEX notifications_feed ON notifications (workspace_id, created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX notifications_unread ON notifications (workspace_id) WHERE read_at IS NULL`);
    await queryRunner.query(`CREATE INDEX notifications_email_due ON notifications (email_due_at) WHERE email_status IN ('pending', 'sending')`);

    // The leads of an open group of failures, so that a lead failing again in the same burst counts
    // once; dropped when the group's email is claimed (the group is closed then).
    await queryRunner.query(`
      CREATE TABLE notification_leads (
        workspace_id uuid NOT NULL,
        notification_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        PRIMARY KEY (workspace_id, notification_id, lead_id),
        FOREIGN KEY (workspace_id, notification_id) REFERENCES notifications (workspace_id, id) ON DELETE CASCADE
      )`);

    await queryRunner.query(`
      CREATE TABLE webhook_subscriptions (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        url text NOT NULL,
        events text[] NOT NULL,
        -- AES-256-GCM under SECRETS_KEY, bound to the subscription id
        secret_sealed bytea NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        consecutive_failures integer NOT NULL DEFAULT 0,
        failing_since timestamptz(3),
        disabled_at timestamptz(3),
        disabled_reason text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX webhook_subscriptions_listing ON webhook_subscriptions (workspace_id, created_at DESC, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        subscription_id uuid NOT NULL,
        event_id text NOT NULL,
        event_type text NOT NULL,
        -- the exact JSON sent (signed anew, with a fresh timestamp, at every attempt)
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),
        attempt_count integer NOT NULL DEFAULT 0,
        -- pending: when it is due; delivering: when the sender's lease ends
        next_attempt_at timestamptz(3),
        retry_until timestamptz(3) NOT NULL,
        claim_token uuid,
        last_attempt_at timestamptz(3),
        last_status_code integer,
        last_error text,
        last_duration_ms integer,
        delivered_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, id),
        UNIQUE (workspace_id, subscription_id, event_id),
        FOREIGN KEY (workspace_id, subscription_id) REFERENCES webhook_subscriptions (workspace_id, id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'delivering')`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (workspace_id, subscription_id, created_at DESC, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE webhook_delivery_attempts (
        workspace_id uuid NOT NULL,
        delivery_id uuid NOT NULL,
        number integer NOT NULL,
        started_at timestamptz(3) NOT NULL,
        duration_ms integer NOT NULL,
        outcome text NOT NULL,
        status_code integer,
        error text,
        response_body text,
        PRIMARY KEY (workspace_id, delivery_id, number),
        FOREIGN KEY (workspace_id, delivery_id) REFERENCES webhook_deliveries (workspace_id, id) ON DELETE CASCADE
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_delivery_attempts`);
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhook_subscriptions`);
    await queryRunner.query(`DROP TABLE notification_leads`);
    await queryRunner.query(`DROP TABLE notifications`);
    await queryRunner.query(`DROP TABLE lead_failures`);
    await queryRunner.query(`DROP TABLE notification_settings`);
    await queryRunner.query(`DROP TABLE workspaces`);
  }
}
