import { Injectable } from '@nestjs/common';
import { unauthorized, type RequestScope } from '@leads/service';
import { DataSource, type EntityManager } from 'typeorm';
import { hashPassword, newSecret, sha256, verifyPassword } from '../auth/credentials';
import type { LogIn } from './accounts.schemas';

export const SESSION_TTL_SECONDS = 14 * 24 * 3600;

/** Console sessions: a random token in an HttpOnly cookie, only its hash in the database. */
@Injectable()
export class SessionStore {
  /** Verified against when the email is unknown, so both failures take the same time. */
  private readonly decoyHash = hashPassword(newSecret());

  constructor(private readonly dataSource: DataSource) {}

  async create(manager: EntityManager, userId: string, workspaceId: string): Promise<string> {
    const token = newSecret();
    await manager.query(
      `INSERT INTO sessions (token_hash, user_id, workspace_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [sha256(token), userId, workspaceId, SESSION_TTL_SECONDS],
    );
    return token;
  }

  async logIn(input: LogIn) {
    const [user] = await this.dataSource.query(
      `SELECT u.id, u.email, u.password_hash, w.id AS workspace_id, w.name AS workspace_name
       FROM users u JOIN workspaces w ON w.id = u.workspace_id WHERE u.email = $1`,
      [input.email],
    );
    const valid = await verifyPassword(input.password, user?.password_hash ?? (await this.decoyHash));
    if (!user || !valid) throw unauthorized('The email or password is wrong.');
    const token = await this.dataSource.transaction((manager) => this.create(manager, user.id, user.workspace_id));
    return {
      token,
      user: { id: user.id, email: user.email },
      workspace: { id: user.workspace_id, name: user.workspace_name },
    };
  }

  /** Who a request acts as: the workspace, and the user (session cookie) or the API key. */
  async whoAmI(scope: RequestScope) {
    const [row] = await this.dataSource.query(
      `SELECT w.id, w.name, u.id AS user_id, u.email, k.id AS key_id, k.name AS key_name, k.prefix
       FROM workspaces w
       LEFT JOIN users u ON $2 = 'user' AND u.id = $3::uuid AND u.workspace_id = w.id
       LEFT JOIN api_keys k ON $2 = 'api_key' AND k.id = $3::uuid AND k.workspace_id = w.id
       WHERE w.id = $1`,
      [scope.workspaceId, scope.actor.kind, scope.actor.id],
    );
    if (!row) throw unauthorized('The workspace no longer exists.');
    return {
      workspace: { id: row.id, name: row.name },
      user: row.user_id ? { id: row.user_id, email: row.email } : null,
      apiKey: row.key_id ? { id: row.key_id, name: row.key_name, prefix: row.prefix } : null,
    };
  }

  async logOut(token: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM sessions WHERE token_hash = $1`, [sha256(token)]);
  }
}
