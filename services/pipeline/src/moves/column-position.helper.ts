import { invalidField } from '../shared/request.schema';
import { queryRows, type Queryable } from '@leads/persistence';

/*
 * Cards of a board column are ordered by (position, created_at, id). Positions are doubles:
 * a card dropped between two others takes the midpoint, so a move rewrites one row. When two
 * neighbours leave no room in between, the column is renumbered once.
 */

/** A position strictly between `previous` (none: the top) and `next`, or null when there is no room. */
export function positionBetween(previous: number | null, next: number): number | null {
  if (previous === null) return next - 1;
  const middle = previous + (next - previous) / 2;
  return middle > previous && middle < next ? middle : null;
}

/** The positions of `count` cards appended at the end of a column. */
export async function endOfColumn(db: Queryable, workspaceId: string, stageId: string, count = 1): Promise<number[]> {
  const [{ last }] = await queryRows<{ last: number }>(
    db,
    `SELECT coalesce(max(position), 0) AS last FROM leads WHERE workspace_id = $1 AND stage_id = $2`,
    [workspaceId, stageId],
  );
  return Array.from({ length: count }, (_, index) => last + index + 1);
}

/** The position right before card `beforeLeadId` of a column, for the lead being moved there. */
export async function positionBefore(db: Queryable, workspaceId: string, stageId: string, beforeLeadId: string, movingLeadId: string): Promise<number> {
  if (beforeLeadId === movingLeadId) throw invalidField('beforeLeadId', 'cannot be the lead being moved');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const [anchor] = await queryRows<{ position: number; previous: number | null }>(
      db,
      `SELECT anchor.position,
              (SELECT other.position FROM leads other
               WHERE other.workspace_id = $1 AND other.stage_id = $2 AND other.id <> $4
                 AND (other.position, other.created_at, other.id) < (anchor.position, anchor.created_at, anchor.id)
               ORDER BY other.position DESC, other.created_at DESC, other.id DESC LIMIT 1) AS previous
       FROM leads anchor WHERE anchor.workspace_id = $1 AND anchor.stage_id = $2 AND anchor.id = $3`,
      [workspaceId, stageId, beforeLeadId, movingLeadId],
    );
    if (!anchor) throw invalidField('beforeLeadId', 'is not a lead of the target stage');
    const position = positionBetween(anchor.previous, anchor.position);
    if (position !== null) return position;
    await renumberColumn(db, workspaceId, stageId);
  }
  throw new Error(`no room before lead ${beforeLeadId} even after renumbering stage ${stageId}`);
}

/** Spreads a column's positions to 1, 2, 3, … in its current order. Not a change a client sees: versions stay. */
async function renumberColumn(db: Queryable, workspaceId: string, stageId: string): Promise<void> {
  await db.query(
    `UPDATE leads SET position = ordered.n
     FROM (SELECT id, row_number() OVER (ORDER BY position, created_at, id) AS n
           FROM leads WHERE workspace_id = $1 AND stage_id = $2) AS ordered
     WHERE leads.workspace_id = $1 AND leads.id = ordered.id`,
    [workspaceId, stageId],
  );
}
