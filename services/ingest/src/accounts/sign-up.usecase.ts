import { Injectable } from '@nestjs/common';
import { Topics } from '@leads/contracts';
import { Outbox } from '@leads/messaging';
import { conflict } from '@leads/service';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { hashPassword, newApiKey } from '../auth/credentials';
import type { SignUp } from './accounts.schemas';
import { SessionStore } from './session.store';

export interface SignedUp {
  workspace: { id: string; name: string };
  user: { id: string; email: string };
  apiKey: string;
  sessionToken: string;
}

/** A new workspace with its first user and API key; `workspace.created` leaves through the outbox. */
@Injectable()
export class SignUpUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly sessions: SessionStore,
  ) {}

  async execute(input: SignUp): Promise<SignedUp> {
    const passwordHash = await hashPassword(input.password);
    const workspaceId = uuidv7();
    const userId = uuidv7();
    const apiKey = newApiKey();
    return this.dataSource.transaction(async (manager) => {
      const [existing] = await manager.query(`SELECT 1 FROM users WHERE email = $1`, [input.email]);
      if (existing) throw conflict('email-taken', 'An account with this email already exists: log in instead.');
      await manager.query(`INSERT INTO workspaces (id, name) VALUES ($1, $2)`, [workspaceId, input.workspaceName]);
      await manager.query(`INSERT INTO users (id, workspace_id, email, password_hash) VALUES ($1, $2, $3, $4)`, [
        userId,
        workspaceId,
        input.email,
        passwordHash,
      ]);
      await manager.query(
        `INSERT INTO api_keys (id, workspace_id, name, prefix, secret_hash, created_by) VALUES ($1, $2, 'Default key', $3, $4, $5)`,
        [uuidv7(), workspaceId, apiKey.prefix, apiKey.hash, userId],
      );
      const sessionToken = await this.sessions.create(manager, userId, workspaceId);
      await this.outbox.publish(manager, {
        topic: Topics.workspaceCreated,
        key: workspaceId,
        data: { workspaceId, name: input.workspaceName, createdByUserId: userId, ownerEmail: input.email },
      });
      return {
        workspace: { id: workspaceId, name: input.workspaceName },
        user: { id: userId, email: input.email },
        apiKey: apiKey.key,
        sessionToken,
      };
    });
  }
}
