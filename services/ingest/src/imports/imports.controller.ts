import { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe, Scope, ZodValidationPipe, type RequestScope } from '@leads/service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { ApiJsonResponse, problemSchema } from '../gateway/openapi';
import { listImportsSchema } from './imports.schemas';
import { ImportsStore, type ImportError } from './imports.store';
import { UploadImportUseCase } from './upload-import.usecase';

@ApiTags('CSV imports')
@ApiBearerAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1/imports')
export class ImportsController {
  constructor(
    private readonly upload: UploadImportUseCase,
    private readonly imports: ImportsStore,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    description:
      'A CSV file (UTF-8 with or without a BOM, or UTF-16 with a BOM; delimiter `,` `;` tab or `|`, detected; a header row) of up to ' +
      '50 MB and 200,000 rows. Columns are mapped to lead fields by their names (`email`, `First Name`, `tel`, …; other columns ' +
      'are kept as custom fields); `mapping` overrides that per column. The file is checked as it is received, then imported ' +
      'by an asynchronous job: follow it with `GET /v1/imports/{id}`.',
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        mapping: {
          type: 'string',
          description: 'JSON `{"<csv column>": "<field name>" | "ignore"}`, e.g. `{"Mail": "email", "Org": "companyName", "Notes": "ignore"}`',
        },
        pipelineId: { type: 'string', format: 'uuid', description: 'The pipeline the imported leads enter (default: the workspace default).' },
      },
    },
  })
  @ApiJsonResponse(202, 'Queued: `{id}`.')
  @ApiJsonResponse(400, 'The file cannot be read (encoding, no header row, no email column, malformed CSV, too many rows), or a bad mapping/pipelineId.', problemSchema)
  @ApiJsonResponse(413, 'The file is larger than 50 MB.', problemSchema)
  create(@Scope() scope: RequestScope, @Req() request: FastifyRequest) {
    return this.upload.execute(scope, request);
  }

  @Get()
  @ApiJsonResponse(200, '`{items, nextCursor}`: the workspace\'s imports, newest first.')
  list(@Scope() scope: RequestScope, @Query(new ZodValidationPipe(listImportsSchema)) query: z.infer<typeof listImportsSchema>) {
    return this.imports.list(scope, query.limit, query.cursor);
  }

  @Get(':id')
  @ApiJsonResponse(
    200,
    '`{id, status (queued|running|completed|failed|cancelled), fileName, rowsTotal, rowsRead, created, updated, failed, columns, ' +
      'errors: [{row, field, message}] (the first 100; the header is row 1), failure, createdAt, startedAt, finishedAt}`.',
  )
  get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Import')) id: string) {
    return this.imports.get(scope, id);
  }

  @Get(':id/errors.csv')
  @ApiProduces('text/csv')
  @ApiJsonResponse(200, 'Every row that was not imported, as CSV: `row,field,message`.')
  async errors(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Import')) id: string, @Res() reply: FastifyReply) {
    await this.imports.assertExists(scope, id);
    const pages = this.imports.errors(id);
    const lines = async function* () {
      yield 'row,field,message\r\n';
      for await (const page of pages) yield page.map(csvLine).join('');
    };
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="import-${id}-errors.csv"`)
      .send(Readable.from(lines()));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiJsonResponse(200, 'Cancelled: a running job stops before its next batch; the rows already written stay. Answers the import.')
  @ApiJsonResponse(409, 'The import has already completed or failed.', problemSchema)
  cancel(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Import')) id: string) {
    return this.imports.cancel(scope, id);
  }
}

function csvLine(error: ImportError): string {
  return `${error.row},${csvCell(error.field)},${csvCell(error.message)}\r\n`;
}

/** Quoted when needed; a leading = + - @ is defused so a spreadsheet does not run it as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
