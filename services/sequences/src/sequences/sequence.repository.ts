import type { PagePosition } from '../shared/request.schema';
import { SEQUENCE_COLUMNS, type SequenceRow, type SequenceStatus } from './sequence.entity';
import { queryRows, type Queryable } from '@leads/persistence';

// Every query is scoped by workspace_id, the first column of every key.

export async function findSequence(db: Queryable, workspaceId: string, id: string, lock: '' | 'FOR UPDATE' = ''): Promise<SequenceRow | undefined> {
  const [row] = await queryRows<SequenceRow>(db, `SELECT ${SEQUENCE_COLUMNS} FROM sequences WHERE workspace_id = $1 AND id = $2 ${lock}`, [workspaceId, id]);
  return row;
}

/** The workspace's sequences, newest first, one page (`limit + 1` rows: the extra one says there is more). */
export function listSequences(db: Queryable, workspaceId: string, filter: { status?: SequenceStatus; after?: PagePosition; limit: number }): Promise<SequenceRow[]> {
  return queryRows<SequenceRow>(
    db,
    `SELECT ${SEQUENCE_COLUMNS} FROM sequences
     WHERE workspace_id = $1 AND ($2::text IS NULL OR status = $2)
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [workspaceId, filter.status ?? null, filter.after?.at ?? null, filter.after?.id ?? null, filter.limit + 1],
  );
}

/** Deletes a sequence with its enrolments and their send records; false when there is no such sequence. */
export async function deleteSequence(db: Queryable, workspaceId: string, id: string): Promise<boolean> {
  const deleted = await queryRows<{ id: string }>(db, `DELETE FROM sequences WHERE workspace_id = $1 AND id = $2 RETURNING id`, [workspaceId, id]);
  return deleted.length > 0;
}
