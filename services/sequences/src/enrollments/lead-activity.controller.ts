import { queryRows } from '@leads/persistence';
import { InternalAuthGuard, ParseIdPipe, Scope, type RequestScope } from '@leads/service';
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { toEnrollmentJson, toSendJson } from './enrollment.entity';
import { listEnrollments, listSends } from './enrollment.repository';

/** The most a lead's activity lists of each kind (a lead is in few sequences; each has few steps). */
const MAX_ITEMS = 200;

/**
 * A lead's part in every sequence: its enrolments and each email sent to it, oldest first, with
 * the sequence's name. What the lead's timeline shows of sequences. Past MAX_ITEMS of a kind, the
 * oldest are left out (`truncated`), as the timeline's other sources do.
 */
@Controller('v1/leads/:id/sequence-activity')
@UseGuards(InternalAuthGuard)
export class LeadActivityController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async activity(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Lead')) leadId: string) {
    const [enrollments, sends] = await Promise.all([
      listEnrollments(this.dataSource, scope.workspaceId, null, { leadId, limit: MAX_ITEMS, newest: true }),
      listSends(this.dataSource, scope.workspaceId, null, { leadId, limit: MAX_ITEMS, newest: true }),
    ]);
    const names = await this.sequenceNames(scope.workspaceId, enrollments.map((enrollment) => enrollment.sequence_id));
    const named = <T extends { sequenceId: string }>(item: T) => ({ ...item, sequenceName: names.get(item.sequenceId) ?? null });
    return {
      enrollments: enrollments.slice(0, MAX_ITEMS).reverse().map(toEnrollmentJson).map(named),
      sends: sends.slice(0, MAX_ITEMS).reverse().map(toSendJson).map(named),
      truncated: enrollments.length > MAX_ITEMS || sends.length > MAX_ITEMS,
    };
  }

  private async sequenceNames(workspaceId: string, ids: string[]): Promise<Map<string, string>> {
    const rows = await queryRows<{ id: string; name: string }>(this.dataSource, `SELECT id, name FROM sequences WHERE workspace_id = $1 AND id = ANY($2::uuid[])`, [
      workspaceId,
      [...new Set(ids)],
    ]);
    return new Map(rows.map((row) => [row.id, row.name]));
  }
}
