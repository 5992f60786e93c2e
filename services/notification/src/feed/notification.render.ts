import type { FailedLead, LeadsFailedData, NotificationRow, WebhookDisabledData } from './notification.entity';

/** The public API's URLs a notification points to (the gateway's, from PUBLIC_URL). */
export class PublicLinks {
  private readonly base: string;

  constructor(publicUrl: string) {
    this.base = publicUrl.replace(/\/+$/, '');
  }

  /** `POST`: every failed lead of the workspace is analysed again. */
  retryFailedLeads = () => `${this.base}/v1/leads/retry-failed`;
  /** `POST`: that lead is analysed again. */
  retryLead = (leadId: string) => `${this.base}/v1/leads/${leadId}/retry-analysis`;
  lead = (leadId: string) => `${this.base}/v1/leads/${leadId}`;
  /** `POST`: a disabled subscription delivers again. */
  enableSubscription = (subscriptionId: string) => `${this.base}/v1/webhook-subscriptions/${subscriptionId}/enable`;
  deliveries = (subscriptionId: string) => `${this.base}/v1/webhook-subscriptions/${subscriptionId}/deliveries`;
}

export interface NotificationJson {
  readonly id: string;
  readonly kind: NotificationRow['kind'];
  readonly title: string;
  readonly body: string;
  /** How many things it is about: the failed leads of a group (each once), else 1. */
  readonly count: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly readAt: string | null;
  /** A group of failures still taking in new ones (its email goes once it closes). */
  readonly open: boolean;
  readonly email: { readonly status: NotificationRow['email_status']; readonly sentAt: string | null };
  readonly details: LeadsFailedDetails | WebhookDisabledDetails;
}

export interface LeadsFailedDetails {
  readonly leads: Array<FailedLead & { readonly retryUrl: string }>;
  readonly errorCodes: Record<string, number>;
  readonly retryAllUrl: string;
}

export interface WebhookDisabledDetails extends WebhookDisabledData {
  readonly enableUrl: string;
  readonly deliveriesUrl: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** `llm_unavailable: 48, llm_timeout: 2`: the most frequent first, at most five. */
export function errorCodeSummary(errorCodes: Record<string, number>): string {
  const entries = Object.entries(errorCodes).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const shown = entries.slice(0, 5).map(([code, count]) => `${code || 'unknown'}: ${count}`);
  return entries.length > 5 ? `${shown.join(', ')}, …` : shown.join(', ');
}

function leadsFailedText(count: number, data: LeadsFailedData, links: PublicLinks) {
  const title = `${plural(count, 'lead', 'leads')} could not be processed`;
  const body =
    `${plural(count, 'lead', 'leads')} failed (${errorCodeSummary(data.errorCodes)}). Nothing is lost: ` +
    `${count === 1 ? 'it is' : 'they are'} kept and marked failed. Once the cause is fixed, retry them all with ` +
    `POST ${links.retryFailedLeads()}, or one lead with POST ${links.retryLead('{leadId}')}.`;
  return { title, body };
}

function webhookDisabledText(data: WebhookDisabledData, links: PublicLinks) {
  const title = `Webhook disabled: ${data.url}`;
  const body =
    `Deliveries to ${data.url} failed ${data.consecutiveFailures} times in a row since ${data.failingSince}` +
    `${data.lastError ? ` (last: ${data.lastError})` : ''}, so the subscription was disabled and receives no events. ` +
    `Fix the endpoint, then enable it again with POST ${links.enableSubscription(data.subscriptionId)} ` +
    `and redeliver what failed (${links.deliveries(data.subscriptionId)}).`;
  return { title, body };
}

export function toNotificationJson(row: NotificationRow, links: PublicLinks): NotificationJson {
  const common = {
    id: row.id,
    kind: row.kind,
    count: row.count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    readAt: row.read_at?.toISOString() ?? null,
    open: row.group_open,
    email: { status: row.email_status, sentAt: row.emailed_at?.toISOString() ?? null },
  };
  if (row.kind === 'leads_failed') {
    const data = row.data as LeadsFailedData;
    return {
      ...common,
      ...leadsFailedText(row.count, data, links),
      details: {
        leads: data.sample.map((lead) => ({ ...lead, retryUrl: links.retryLead(lead.leadId) })),
        errorCodes: data.errorCodes,
        retryAllUrl: links.retryFailedLeads(),
      },
    };
  }
  const data = row.data as WebhookDisabledData;
  return {
    ...common,
    ...webhookDisabledText(data, links),
    details: { ...data, enableUrl: links.enableSubscription(data.subscriptionId), deliveriesUrl: links.deliveries(data.subscriptionId) },
  };
}

/** The email of a notification: its final count, the sample, and what to do. */
export function notificationEmail(row: NotificationRow, workspaceName: string | null, links: PublicLinks): RenderedEmail {
  const workspace = workspaceName ? ` (${workspaceName})` : '';
  if (row.kind === 'leads_failed') {
    const data = row.data as LeadsFailedData;
    const { title, body } = leadsFailedText(row.count, data, links);
    const lines = data.sample.map(
      (lead) => `- ${lead.leadId}: ${lead.stage} failed, ${lead.errorCode || 'unknown'}: ${lead.reason}\n  retry: POST ${links.retryLead(lead.leadId)}`,
    );
    const more = row.count > data.sample.length ? [`…and ${plural(row.count - data.sample.length, 'more lead', 'more leads')}.`] : [];
    return {
      subject: `[500 Leads]${workspace} ${title}`,
      text: [body, '', `Failed leads${data.sample.length < row.count ? ' (the first ones)' : ''}:`, ...lines, ...more, '', `Retry them all: POST ${links.retryFailedLeads()}`, ''].join('\n'),
    };
  }
  const { title, body } = webhookDisabledText(row.data as WebhookDisabledData, links);
  return { subject: `[500 Leads]${workspace} ${title}`, text: `${body}\n` };
}
