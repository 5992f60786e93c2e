import type {
  ApiKey,
  Board,
  BoardColumn,
  BulkResult,
  Enrollment,
  Form,
  Funnel,
  ImportJob,
  Lead,
  LeadFilters,
  LeadSource,
  Notification,
  Page,
  Pipeline,
  ProblemDetails,
  Sequence,
  SequenceCriteria,
  SequenceStatus,
  SequenceStep,
  Session,
  StageInput,
  Timeline,
  WebhookDelivery,
  WebhookSource,
  WebhookSubscription,
} from './types';

/** An error answer of the API, with its problem details (RFC 9457), or a network failure shaped like one. */
export class ApiError extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail ?? problem.title);
  }

  get status(): number {
    return this.problem.status;
  }
}

type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  form?: FormData;
}

const unauthorizedListeners = new Set<() => void>();

/** Called whenever the API answers 401: the session is gone, the console shows the login page. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') params.set(key, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function problemOf(response: Response): Promise<ProblemDetails> {
  const fallback: ProblemDetails = { type: 'about:blank', title: response.statusText || 'Error', status: response.status };
  try {
    const body = (await response.json()) as Partial<ProblemDetails>;
    return typeof body?.title === 'string' ? { ...fallback, ...body } : { ...fallback, detail: JSON.stringify(body) };
  } catch {
    return fallback;
  }
}

/** One call to the public API with the session cookie; JSON in and out, problem details on error. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method,
      credentials: 'same-origin',
      headers: options.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
  } catch (error) {
    throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0, detail: `The server could not be reached (${String(error)}).` });
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && !path.startsWith('/v1/sessions') && !path.startsWith('/v1/signup')) {
      unauthorizedListeners.forEach((listener) => listener());
    }
    throw new ApiError(problem);
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

const id = encodeURIComponent;

export const api = {
  signUp: (body: { workspaceName: string; email: string; password: string }) => request<Session & { apiKey: string }>('POST', '/v1/signup', { body }),
  logIn: (body: { email: string; password: string }) => request<Session>('POST', '/v1/sessions', { body }),
  logOut: () => request<void>('DELETE', '/v1/sessions'),
  whoAmI: () => request<{ workspace: Session['workspace']; user: Session['user'] | null }>('GET', '/v1/session'),

  apiKeys: {
    list: () => request<ApiKey[]>('GET', '/v1/api-keys'),
    create: (name: string) => request<ApiKey & { key: string }>('POST', '/v1/api-keys', { body: { name } }),
    revoke: (keyId: string) => request<void>('DELETE', `/v1/api-keys/${id(keyId)}`),
  },

  leads: {
    list: (query: LeadFilters & { pipelineId?: string; stageId?: string; cursor?: string; limit?: number }) =>
      request<Page<Lead>>('GET', '/v1/leads', { query: { ...query } }),
    get: (leadId: string) => request<Lead>('GET', `/v1/leads/${id(leadId)}`),
    timeline: (leadId: string) => request<Timeline>('GET', `/v1/leads/${id(leadId)}/timeline`),
    move: (leadId: string, move: { stageId?: string; pipelineId?: string; beforeLeadId?: string; channel: 'kanban' | 'detail_dropdown' }) =>
      request<Lead>('PATCH', `/v1/leads/${id(leadId)}`, { body: move }),
    bulkMove: (body: { leadIds: string[]; stageId?: string; pipelineId?: string }) => request<BulkResult>('POST', '/v1/leads/bulk', { body }),
    retryAnalysis: (leadId: string) => request<{ leadId: string; requested: number }>('POST', `/v1/leads/${id(leadId)}/retry-analysis`, { body: {} }),
    retryMany: (leadIds: string[]) =>
      request<{ requested: number; results: Array<{ leadId: string; status: 'requested' | 'not_found' }> }>('POST', '/v1/leads/retry-analysis', { body: { leadIds } }),
    retryFailed: () => request<{ requested: number }>('POST', '/v1/leads/retry-failed', { body: {} }),
  },

  pipelines: {
    list: () => request<{ items: Pipeline[] }>('GET', '/v1/pipelines'),
    get: (pipelineId: string) => request<Pipeline>('GET', `/v1/pipelines/${id(pipelineId)}`),
    create: (body: { name: string; stages: StageInput[] }) => request<Pipeline>('POST', '/v1/pipelines', { body }),
    update: (pipelineId: string, body: { name?: string; stages?: StageInput[]; moveLeadsTo?: Record<string, string>; version?: number }) =>
      request<Pipeline>('PATCH', `/v1/pipelines/${id(pipelineId)}`, { body }),
    remove: (pipelineId: string, targetPipelineId?: string) =>
      request<void>('DELETE', `/v1/pipelines/${id(pipelineId)}`, { query: { targetPipelineId } }),
    board: (pipelineId: string, filters: LeadFilters, limit: number) =>
      request<Board>('GET', `/v1/pipelines/${id(pipelineId)}/board`, { query: { ...filters, limit } }),
    column: (pipelineId: string, stageId: string, filters: LeadFilters, cursor: string, limit: number) =>
      request<BoardColumn>('GET', `/v1/pipelines/${id(pipelineId)}/board/stages/${id(stageId)}`, { query: { ...filters, cursor, limit } }),
    funnel: (pipelineId: string, query: { from?: string; to?: string; source?: LeadSource }) =>
      request<Funnel>('GET', `/v1/pipelines/${id(pipelineId)}/funnel`, { query }),
  },

  webhookSources: {
    list: () => request<WebhookSource[]>('GET', '/v1/webhook-sources'),
    create: (body: { name: string; fieldMapping?: Record<string, string> }) =>
      request<WebhookSource & { secret: string; token: string }>('POST', '/v1/webhook-sources', { body }),
    remove: (sourceId: string) => request<void>('DELETE', `/v1/webhook-sources/${id(sourceId)}`),
    rotateSecret: (sourceId: string) =>
      request<{ secret: string; previousSecretValidUntil: string }>('POST', `/v1/webhook-sources/${id(sourceId)}/rotate-secret`, { body: {} }),
  },

  forms: {
    list: () => request<Form[]>('GET', '/v1/forms'),
    create: (body: { name: string; allowedOrigins: string[]; redirectUrl?: string }) => request<Form>('POST', '/v1/forms', { body }),
    remove: (formId: string) => request<void>('DELETE', `/v1/forms/${id(formId)}`),
    snippet: (formId: string) => request<string>('GET', `/v1/forms/${id(formId)}/snippet`),
  },

  imports: {
    list: () => request<Page<ImportJob>>('GET', '/v1/imports', { query: { limit: 20 } }),
    get: (importId: string) => request<ImportJob>('GET', `/v1/imports/${id(importId)}`),
    upload: (file: File, mapping: Record<string, string>, pipelineId?: string) => {
      const form = new FormData();
      if (Object.keys(mapping).length > 0) form.set('mapping', JSON.stringify(mapping));
      if (pipelineId) form.set('pipelineId', pipelineId);
      // The file goes last: the gateway streams it and reads the fields sent before it.
      form.set('file', file);
      return request<{ id: string }>('POST', '/v1/imports', { form });
    },
    cancel: (importId: string) => request<ImportJob>('POST', `/v1/imports/${id(importId)}/cancel`),
    errorsUrl: (importId: string) => `/v1/imports/${id(importId)}/errors.csv`,
  },

  sequences: {
    list: () => request<Page<Sequence>>('GET', '/v1/sequences', { query: { limit: 100 } }),
    get: (sequenceId: string) => request<Sequence>('GET', `/v1/sequences/${id(sequenceId)}`),
    create: (body: { name: string; status: SequenceStatus; criteria: SequenceCriteria; steps: SequenceStep[] }) =>
      request<Sequence>('POST', '/v1/sequences', { body }),
    update: (sequenceId: string, body: Partial<Pick<Sequence, 'name' | 'status' | 'criteria' | 'steps' | 'version'>>) =>
      request<Sequence>('PATCH', `/v1/sequences/${id(sequenceId)}`, { body }),
    remove: (sequenceId: string) => request<void>('DELETE', `/v1/sequences/${id(sequenceId)}`),
    enrollments: (sequenceId: string) => request<Page<Enrollment>>('GET', `/v1/sequences/${id(sequenceId)}/enrollments`, { query: { limit: 100 } }),
  },

  notifications: {
    list: () => request<Page<Notification> & { unread: number }>('GET', '/v1/notifications', { query: { limit: 20 } }),
    read: (notificationId: string) => request<Notification>('POST', `/v1/notifications/${id(notificationId)}/read`),
    readAll: () => request<{ marked: number }>('POST', '/v1/notifications/read-all'),
  },

  webhookSubscriptions: {
    list: () => request<{ items: WebhookSubscription[] }>('GET', '/v1/webhook-subscriptions'),
    create: (body: { url: string; events: string[] }) => request<WebhookSubscription & { secret: string }>('POST', '/v1/webhook-subscriptions', { body }),
    remove: (subscriptionId: string) => request<void>('DELETE', `/v1/webhook-subscriptions/${id(subscriptionId)}`),
    enable: (subscriptionId: string) => request<WebhookSubscription>('POST', `/v1/webhook-subscriptions/${id(subscriptionId)}/enable`),
    deliveries: (subscriptionId: string) =>
      request<Page<WebhookDelivery>>('GET', `/v1/webhook-subscriptions/${id(subscriptionId)}/deliveries`, { query: { limit: 50 } }),
    redeliver: (deliveryId: string) => request<WebhookDelivery>('POST', `/v1/webhook-deliveries/${id(deliveryId)}/redeliver`),
  },
};
