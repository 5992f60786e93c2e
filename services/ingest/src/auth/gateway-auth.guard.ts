import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { unauthorized, type RequestScope } from '@leads/service';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { ApiKeyCache, type KnownApiKey } from './api-key-cache';
import { apiKeyPrefix, sameHash, sha256 } from './credentials';

export const SESSION_COOKIE = 'leads_session';
/** last_used_at is written at most this often per key, keeping writes off the hot path. */
const LAST_USED_RESOLUTION_MS = 60_000;

type ScopedRequest = FastifyRequest & { scope?: RequestScope; cookies?: Record<string, string | undefined> };

/**
 * Public API authentication: `Authorization: Bearer <api key>` for clients, the session cookie
 * for the console. The workspace it resolves scopes everything the request touches.
 */
@Injectable()
export class GatewayAuthGuard implements CanActivate {
  /** When this replica last wrote each key's last_used_at. */
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeyCache,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ScopedRequest>();
    const authorization = request.headers.authorization;
    if (authorization) {
      request.scope = await this.byApiKey(authorization);
      return true;
    }
    const session = request.cookies?.[SESSION_COOKIE];
    if (session) {
      request.scope = await this.bySession(session);
      return true;
    }
    throw unauthorized('Send an API key as `Authorization: Bearer <key>`, or log in.');
  }

  private async byApiKey(authorization: string): Promise<RequestScope> {
    const key = /^Bearer (\S+)$/.exec(authorization)?.[1] ?? '';
    const prefix = apiKeyPrefix(key);
    if (!prefix) throw unauthorized('The API key is malformed.');
    const known = this.apiKeys.get(prefix) ?? (await this.lookUp(prefix));
    if (!known || !sameHash(known.secretHash, sha256(key))) throw unauthorized('The API key is unknown or revoked.');
    await this.noteUse(known.id);
    return { workspaceId: known.workspaceId, actor: { kind: 'api_key', id: known.id } };
  }

  private async lookUp(prefix: string): Promise<KnownApiKey | undefined> {
    const [row] = await this.dataSource.query(`SELECT id, workspace_id, secret_hash FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`, [prefix]);
    if (!row) return undefined;
    const known = { id: row.id, workspaceId: row.workspace_id, secretHash: row.secret_hash };
    this.apiKeys.remember(prefix, known);
    return known;
  }

  private async noteUse(keyId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(keyId) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(keyId, now);
    await this.dataSource.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [keyId]);
  }

  private async bySession(token: string): Promise<RequestScope> {
    const [row] = await this.dataSource.query(
      `SELECT user_id, workspace_id FROM sessions WHERE token_hash = $1 AND expires_at > now()`,
      [sha256(token)],
    );
    if (!row) throw unauthorized('The session has expired: log in again.');
    return { workspaceId: row.workspace_id, actor: { kind: 'user', id: row.user_id } };
  }
}
