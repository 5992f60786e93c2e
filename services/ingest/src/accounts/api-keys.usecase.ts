import { Injectable } from '@nestjs/common';
import { notFound, type RequestScope } from '@leads/service';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { ApiKeyCache } from '../auth/api-key-cache';
import { newApiKey } from '../auth/credentials';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const columns = `id, name, prefix, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** API keys of a workspace: listed by prefix, the full key shown once at creation, revocable. */
@Injectable()
export class ApiKeysUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: ApiKeyCache,
  ) {}

  list(scope: RequestScope): Promise<ApiKeyView[]> {
    return this.dataSource.query(`SELECT ${columns} FROM api_keys WHERE workspace_id = $1 ORDER BY created_at`, [scope.workspaceId]);
  }

  async create(scope: RequestScope, name: string): Promise<ApiKeyView & { key: string }> {
    const apiKey = newApiKey();
    const [row] = await this.dataSource.query(
      `INSERT INTO api_keys (id, workspace_id, name, prefix, secret_hash, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
      [uuidv7(), scope.workspaceId, name, apiKey.prefix, apiKey.hash, scope.actor.kind === 'user' ? scope.actor.id : null],
    );
    return { ...row, key: apiKey.key };
  }

  async revoke(scope: RequestScope, id: string): Promise<void> {
    const [, revoked] = await this.dataSource.query(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND workspace_id = $2`,
      [id, scope.workspaceId],
    );
    if (revoked === 0) throw notFound('API key');
    this.cache.forget(id);
  }
}
