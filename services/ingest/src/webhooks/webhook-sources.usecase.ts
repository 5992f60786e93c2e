import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, SecretBox, notFound, type RequestScope } from '@leads/service';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import { sha256 } from '../auth/credentials';
import type { IngestConfig } from '../ingest.config';
import type { FieldMapping } from './field-mapping';
import type { CreateWebhookSource } from './webhooks.schemas';

export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;

export interface WebhookSourceView {
  id: string;
  name: string;
  url: string;
  fieldMapping: FieldMapping;
  createdAt: string;
}

export interface CreatedWebhookSource extends WebhookSourceView {
  token: string;
  /** Shown only in this response: we keep it encrypted. */
  secret: string;
}

/** A source as the intake endpoint needs it: its currently valid secrets, decrypted. */
export interface VerifiableSource {
  id: string;
  workspaceId: string;
  name: string;
  fieldMapping: FieldMapping;
  secrets: string[];
}

interface SourceRow {
  id: string;
  workspace_id: string;
  name: string;
  token_sealed: Buffer;
  field_mapping: FieldMapping;
  created_at: Date;
}

/** 192 bits: a token names a source in its public URL, looked up by its SHA-256. */
export const newToken = () => randomBytes(24).toString('base64url');
export const isTokenShaped = (token: string) => /^[A-Za-z0-9_-]{32}$/.test(token);
const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

const tokenContext = (sourceId: string) => `webhook-source-token:${sourceId}`;
const secretContext = (sourceId: string, secretId: string) => `webhook-source-secret:${sourceId}:${secretId}`;

/**
 * Webhook sources of a workspace. The URL token is stored as a SHA-256 (for the lookup) and
 * sealed (to show the URL again); signing secrets are sealed with SECRETS_KEY, since
 * verifying an HMAC needs them, and are shown only when created.
 */
@Injectable()
export class WebhookSourcesUseCase {
  private readonly publicUrl: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    @Inject(SERVICE_CONFIG) config: IngestConfig,
  ) {
    this.publicUrl = config.PUBLIC_URL.replace(/\/+$/, '');
  }

  async create(scope: RequestScope, input: CreateWebhookSource): Promise<CreatedWebhookSource> {
    const id = uuidv7();
    const token = newToken();
    const fieldMapping = input.fieldMapping ?? {};
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query(
        `INSERT INTO webhook_sources (id, workspace_id, name, token_hash, token_sealed, field_mapping)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING created_at`,
        [id, scope.workspaceId, input.name, sha256(token), this.box.seal(token, tokenContext(id)), fieldMapping],
      );
      const secret = await this.addSecret(manager, id);
      return { id, name: input.name, token, secret, url: this.hookUrl(token), fieldMapping, createdAt: row.created_at.toISOString() };
    });
  }

  async list(scope: RequestScope): Promise<WebhookSourceView[]> {
    const rows: SourceRow[] = await this.dataSource.query(
      `SELECT id, name, token_sealed, field_mapping, created_at FROM webhook_sources WHERE workspace_id = $1 ORDER BY created_at, id`,
      [scope.workspaceId],
    );
    return rows.map((row) => this.view(row));
  }

  async get(scope: RequestScope, id: string): Promise<WebhookSourceView> {
    const [row]: SourceRow[] = await this.dataSource.query(
      `SELECT id, name, token_sealed, field_mapping, created_at FROM webhook_sources WHERE id = $1 AND workspace_id = $2`,
      [id, scope.workspaceId],
    );
    if (!row) throw notFound('Webhook source');
    return this.view(row);
  }

  async remove(scope: RequestScope, id: string): Promise<void> {
    const [, deleted] = await this.dataSource.query(`DELETE FROM webhook_sources WHERE id = $1 AND workspace_id = $2`, [id, scope.workspaceId]);
    if (deleted === 0) throw notFound('Webhook source');
  }

  /**
   * A new secret; the secrets valid until now stay valid for the grace period (24 h by
   * default, never longer than they already had), so senders can switch without losing a request.
   */
  async rotateSecret(scope: RequestScope, id: string, graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS) {
    return this.dataSource.transaction(async (manager) => {
      const [source] = await manager.query(`SELECT id FROM webhook_sources WHERE id = $1 AND workspace_id = $2 FOR UPDATE`, [
        id,
        scope.workspaceId,
      ]);
      if (!source) throw notFound('Webhook source');
      const [{ until }] = await manager.query(`SELECT now() + make_interval(secs => $1) AS until`, [graceSeconds]);
      await manager.query(
        `UPDATE webhook_source_secrets SET expires_at = least(coalesce(expires_at, 'infinity'), $2)
         WHERE source_id = $1 AND (expires_at IS NULL OR expires_at > now())`,
        [id, until],
      );
      await manager.query(`DELETE FROM webhook_source_secrets WHERE source_id = $1 AND expires_at <= now()`, [id]);
      const secret = await this.addSecret(manager, id);
      return { secret, previousSecretValidUntil: (until as Date).toISOString() };
    });
  }

  /** The source a public token names, with its valid secrets; undefined for an unknown token. */
  async findByToken(token: string): Promise<VerifiableSource | undefined> {
    if (!isTokenShaped(token)) return undefined;
    const [source] = await this.dataSource.query(
      `SELECT id, workspace_id, name, field_mapping FROM webhook_sources WHERE token_hash = $1`,
      [sha256(token)],
    );
    if (!source) return undefined;
    const secrets: { id: string; secret_sealed: Buffer }[] = await this.dataSource.query(
      `SELECT id, secret_sealed FROM webhook_source_secrets WHERE source_id = $1 AND (expires_at IS NULL OR expires_at > now())`,
      [source.id],
    );
    return {
      id: source.id,
      workspaceId: source.workspace_id,
      name: source.name,
      fieldMapping: source.field_mapping,
      secrets: secrets.map((row) => this.box.open(row.secret_sealed, secretContext(source.id, row.id))),
    };
  }

  private async addSecret(manager: EntityManager, sourceId: string): Promise<string> {
    const secretId = uuidv7();
    const secret = newSigningSecret();
    await manager.query(`INSERT INTO webhook_source_secrets (id, source_id, secret_sealed) VALUES ($1, $2, $3)`, [
      secretId,
      sourceId,
      this.box.seal(secret, secretContext(sourceId, secretId)),
    ]);
    return secret;
  }

  private view(row: SourceRow): WebhookSourceView {
    const token = this.box.open(row.token_sealed, tokenContext(row.id));
    return { id: row.id, name: row.name, url: this.hookUrl(token), fieldMapping: row.field_mapping, createdAt: row.created_at.toISOString() };
  }

  private hookUrl(token: string): string {
    return `${this.publicUrl}/v1/hooks/${token}`;
  }
}
