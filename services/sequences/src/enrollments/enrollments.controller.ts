import { InternalAuthGuard, ParseIdPipe, type RequestScope, Scope, ZodValidationPipe, notFound, uuid } from '@leads/service';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { findSequence } from '../sequences/sequence.repository';
import { page, pageQuery } from '../shared/request.schema';
import { ENROLLMENT_STATUSES, toEnrollmentJson, toSendJson } from './enrollment.entity';
import { listEnrollments, listSends } from './enrollment.repository';

const enrollmentsQuery = pageQuery.extend({ status: z.enum(ENROLLMENT_STATUSES).optional(), leadId: uuid.optional() });
const sendsQuery = pageQuery.extend({ leadId: uuid.optional() });

/** A sequence's enrolments and the record of every email it sent, oldest first, a page at a time. */
@Controller('v1/sequences/:id')
@UseGuards(InternalAuthGuard)
export class EnrollmentsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('enrollments')
  async enrollments(
    @Scope() scope: RequestScope,
    @Param('id', new ParseIdPipe('Sequence')) id: string,
    @Query(new ZodValidationPipe(enrollmentsQuery)) query: z.infer<typeof enrollmentsQuery>,
  ) {
    await this.assertSequence(scope, id);
    const rows = await listEnrollments(this.dataSource, scope.workspaceId, id, { status: query.status, leadId: query.leadId, after: query.cursor, limit: query.limit });
    return page(rows, query.limit, toEnrollmentJson, (row) => ({ at: row.enrolled_at.toISOString(), id: row.id }));
  }

  @Get('sends')
  async sends(
    @Scope() scope: RequestScope,
    @Param('id', new ParseIdPipe('Sequence')) id: string,
    @Query(new ZodValidationPipe(sendsQuery)) query: z.infer<typeof sendsQuery>,
  ) {
    await this.assertSequence(scope, id);
    const rows = await listSends(this.dataSource, scope.workspaceId, id, { leadId: query.leadId, after: query.cursor, limit: query.limit });
    return page(rows, query.limit, toSendJson, (row) => ({ at: row.created_at.toISOString(), id: row.id }));
  }

  private async assertSequence(scope: RequestScope, id: string): Promise<void> {
    if (!(await findSequence(this.dataSource, scope.workspaceId, id))) throw notFound('Sequence');
  }
}
