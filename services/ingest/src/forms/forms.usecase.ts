import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, notFound, type RequestScope } from '@leads/service';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import type { IngestConfig } from '../ingest.config';
import { formSnippet } from './form-snippet';
import type { CreateForm } from './forms.schemas';

export interface FormView {
  id: string;
  name: string;
  formKey: string;
  url: string;
  allowedOrigins: string[];
  redirectUrl: string | null;
  createdAt: string;
}

/** A form as the public capture endpoint needs it. */
export interface CaptureForm {
  id: string;
  workspaceId: string;
  name: string;
  allowedOrigins: string[];
  redirectUrl: string | null;
}

interface FormRow {
  id: string;
  workspace_id: string;
  name: string;
  form_key: string;
  allowed_origins: string[];
  redirect_url: string | null;
  created_at: Date;
}

/** Public, embedded in pages: random so that it cannot be guessed, but not a secret. */
const newFormKey = () => `frm_${randomBytes(16).toString('base64url')}`;
const isFormKeyShaped = (key: string) => /^frm_[A-Za-z0-9_-]{22}$/.test(key);
const columns = 'id, workspace_id, name, form_key, allowed_origins, redirect_url, created_at';

@Injectable()
export class FormsUseCase {
  private readonly publicUrl: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: IngestConfig,
  ) {
    this.publicUrl = config.PUBLIC_URL.replace(/\/+$/, '');
  }

  async create(scope: RequestScope, input: CreateForm): Promise<FormView> {
    const [row]: FormRow[] = await this.dataSource.query(
      `INSERT INTO forms (id, workspace_id, name, form_key, allowed_origins, redirect_url)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
      [uuidv7(), scope.workspaceId, input.name, newFormKey(), input.allowedOrigins, input.redirectUrl ?? null],
    );
    return this.view(row);
  }

  async list(scope: RequestScope): Promise<FormView[]> {
    const rows: FormRow[] = await this.dataSource.query(`SELECT ${columns} FROM forms WHERE workspace_id = $1 ORDER BY created_at, id`, [
      scope.workspaceId,
    ]);
    return rows.map((row) => this.view(row));
  }

  async get(scope: RequestScope, id: string): Promise<FormView> {
    const [row]: FormRow[] = await this.dataSource.query(`SELECT ${columns} FROM forms WHERE id = $1 AND workspace_id = $2`, [
      id,
      scope.workspaceId,
    ]);
    if (!row) throw notFound('Form');
    return this.view(row);
  }

  async remove(scope: RequestScope, id: string): Promise<void> {
    const [, deleted] = await this.dataSource.query(`DELETE FROM forms WHERE id = $1 AND workspace_id = $2`, [id, scope.workspaceId]);
    if (deleted === 0) throw notFound('Form');
  }

  async snippet(scope: RequestScope, id: string): Promise<string> {
    const form = await this.get(scope, id);
    return formSnippet({ name: form.name, captureUrl: form.url });
  }

  async findByKey(formKey: string): Promise<CaptureForm | undefined> {
    if (!isFormKeyShaped(formKey)) return undefined;
    const [row]: FormRow[] = await this.dataSource.query(`SELECT ${columns} FROM forms WHERE form_key = $1`, [formKey]);
    return row && { id: row.id, workspaceId: row.workspace_id, name: row.name, allowedOrigins: row.allowed_origins, redirectUrl: row.redirect_url };
  }

  private view(row: FormRow): FormView {
    return {
      id: row.id,
      name: row.name,
      formKey: row.form_key,
      url: `${this.publicUrl}/v1/forms/${row.form_key}`,
      allowedOrigins: row.allowed_origins,
      redirectUrl: row.redirect_url,
      createdAt: row.created_at.toISOString(),
    };
  }
}
