import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Multipart } from '@fastify/multipart';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { currentTraceHeaders } from '@leads/messaging';
import { ProblemException, SERVICE_CONFIG, invalidRequest, zodFieldErrors, type FieldError, type RequestScope } from '@leads/service';
import type { FastifyRequest } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import type { IngestConfig } from '../ingest.config';
import { LIMITS } from '../intake/submission.schema';
import { PipelineExistence } from '../leads/pipeline-existence';
import { CsvFileError, CsvInspector, type CsvInspection, type CsvLimits } from './csv-format';
import { ImportJobsWorker } from './import-jobs.worker';
import { MAX_RECORD_CHARS, columnTargets, mappingSchema, type Mapping } from './imports.schemas';

const FIELD_PARTS = new Set(['mapping', 'pipelineId']);

type MultipartRequest = FastifyRequest & {
  isMultipart(): boolean;
  parts(options?: object): AsyncIterableIterator<Multipart>;
};

interface Upload {
  inspection?: CsvInspection;
  fileName?: string;
  fields: Map<string, unknown>;
}

const payloadTooLarge = (reason: string, field = 'file') =>
  new ProblemException(HttpStatus.PAYLOAD_TOO_LARGE, 'payload-too-large', `The ${field} is too large.`, [{ field, reason }]);

/**
 * `POST /v1/imports`: streams the uploaded CSV to disk through the checks of CsvInspector
 * (never holding the file in memory), validates the mapping and pipeline, and queues the job.
 * Whatever is refused leaves nothing behind: no file, no job.
 */
@Injectable()
export class UploadImportUseCase {
  private readonly limits: CsvLimits;

  constructor(
    private readonly dataSource: DataSource,
    private readonly pipelines: PipelineExistence,
    private readonly worker: ImportJobsWorker,
    @Inject(SERVICE_CONFIG) private readonly config: IngestConfig,
  ) {
    this.limits = {
      maxBytes: config.IMPORT_MAX_BYTES,
      maxRows: config.IMPORT_MAX_ROWS,
      maxColumns: LIMITS.fields,
      maxColumnName: LIMITS.keyLength,
      maxRecordChars: MAX_RECORD_CHARS,
    };
  }

  async execute(scope: RequestScope, request: FastifyRequest): Promise<{ id: string }> {
    const multipart = request as MultipartRequest;
    if (typeof multipart.isMultipart !== 'function' || !multipart.isMultipart()) {
      throw new ProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'unsupported-media-type', 'Send the file as multipart/form-data.', [
        { field: 'file', reason: 'required: a multipart/form-data part named "file"' },
      ]);
    }
    const id = uuidv7();
    await mkdir(this.config.IMPORTS_DIR, { recursive: true });
    const filePath = path.join(this.config.IMPORTS_DIR, `${id}.csv`);
    try {
      const upload = await this.receive(multipart, filePath);
      const { mapping, pipelineId } = this.fields(upload);
      if (!upload.inspection) throw invalidRequest([{ field: 'file', reason: 'required: a multipart/form-data part named "file"' }]);
      const { header, rows, bytes, encoding, delimiter } = upload.inspection;
      const { targets, errors } = columnTargets(header, mapping);
      if (errors.length > 0) throw invalidRequest(errors);
      if (pipelineId) await this.pipelines.assertExists(scope, pipelineId, 'pipelineId');
      await this.dataSource.query(
        `INSERT INTO imports (id, workspace_id, status, file_name, file_path, file_bytes, encoding, delimiter, header, targets, mapping,
                              pipeline_id, actor_kind, actor_id, trace_headers, rows_total)
         VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          id,
          scope.workspaceId,
          upload.fileName ?? 'upload.csv',
          filePath,
          bytes,
          encoding,
          delimiter,
          JSON.stringify(header),
          JSON.stringify(targets),
          mapping ? JSON.stringify(mapping) : null,
          pipelineId ?? null,
          scope.actor.kind,
          scope.actor.id,
          currentTraceHeaders(),
          rows,
        ],
      );
    } catch (error) {
      // Refused mid-upload: the rest of the body is read and dropped, or the next request on this
      // keep-alive connection would wait behind it.
      if (!request.raw.readableEnded) request.raw.resume();
      await rm(filePath, { force: true });
      throw error;
    }
    this.worker.wake();
    return { id };
  }

  private async receive(request: MultipartRequest, filePath: string): Promise<Upload> {
    const upload: Upload = { fields: new Map() };
    const parts = request.parts({
      limits: { fileSize: this.limits.maxBytes, files: 1, fields: FIELD_PARTS.size, fieldSize: 256 * 1024, parts: FIELD_PARTS.size + 1 },
    });
    try {
      for await (const part of parts) {
        if (part.type === 'field') {
          if (!FIELD_PARTS.has(part.fieldname)) {
            throw invalidRequest([{ field: part.fieldname, reason: 'unknown field: expected file, mapping and pipelineId' }]);
          }
          if (part.valueTruncated) throw payloadTooLarge('longer than 256 KiB', part.fieldname);
          upload.fields.set(part.fieldname, part.value);
          continue;
        }
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw invalidRequest([{ field: part.fieldname, reason: 'unknown file field: the CSV goes in "file"' }]);
        }
        upload.fileName = cleanFileName(part.filename);
        upload.inspection = await this.store(part.file, filePath);
      }
    } catch (error) {
      throw this.problem(error);
    }
    return upload;
  }

  /** Streams the file through the checks to disk; a file over the size limit is cut off at once. */
  private async store(file: Readable & { truncated?: boolean }, filePath: string): Promise<CsvInspection> {
    const inspector = new CsvInspector(this.limits);
    const tooLarge = new CsvFileError(413, `is larger than ${this.limits.maxBytes} bytes`);
    file.on('limit', () => file.destroy(tooLarge));
    await pipeline(file, inspector, createWriteStream(filePath, { flags: 'wx' }));
    if (file.truncated) throw tooLarge;
    return inspector.result();
  }

  private fields(upload: Upload): { mapping?: Mapping; pipelineId?: string } {
    const errors: FieldError[] = [];
    let mapping: Mapping | undefined;
    const rawMapping = upload.fields.get('mapping');
    if (rawMapping !== undefined && rawMapping !== '') {
      let value: unknown = rawMapping;
      if (typeof rawMapping === 'string') {
        try {
          value = JSON.parse(rawMapping);
        } catch {
          errors.push({ field: 'mapping', reason: 'must be a JSON object {"<csv column>": "<field name>" | "ignore"}' });
        }
      }
      if (errors.length === 0) {
        const parsed = mappingSchema.safeParse(value);
        if (parsed.success) mapping = parsed.data;
        else errors.push(...zodFieldErrors(parsed.error).map((error) => ({ ...error, field: error.field === '(body)' ? 'mapping' : `mapping.${error.field}` })));
      }
    }
    const rawPipeline = upload.fields.get('pipelineId');
    const pipelineId = rawPipeline === undefined || rawPipeline === '' ? undefined : z.uuid().safeParse(rawPipeline);
    if (pipelineId && !pipelineId.success) errors.push({ field: 'pipelineId', reason: 'must be a pipeline id' });
    if (errors.length > 0) throw invalidRequest(errors);
    return { mapping, pipelineId: pipelineId?.data };
  }

  /** Upload failures as problem details naming the part at fault. */
  private problem(error: unknown): unknown {
    if (error instanceof CsvFileError) {
      return error.status === 413
        ? payloadTooLarge(error.reason)
        : invalidRequest([{ field: 'file', reason: error.reason }], 'The file cannot be imported.');
    }
    const fastifyError = error as { statusCode?: number; code?: string; message?: string };
    if (fastifyError?.statusCode === 413) {
      return payloadTooLarge(fastifyError.code === 'FST_REQ_FILE_TOO_LARGE' ? `is larger than ${this.limits.maxBytes} bytes` : 'too many parts: send file, mapping and pipelineId once each', 'file');
    }
    if (fastifyError?.code === 'FST_INVALID_JSON_FIELD_ERROR') return invalidRequest([{ field: 'mapping', reason: 'is not valid JSON' }]);
    return error;
  }
}

/** The name shown for the upload: the base name, without control characters, bounded. */
function cleanFileName(name: string | undefined): string {
  const base = path.basename((name ?? '').replaceAll('\\', '/'));
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean || 'upload.csv';
}
