import type { NotificationRow } from './notification.entity';
import { PublicLinks, errorCodeSummary, notificationEmail, toNotificationJson } from './notification.render';

const links = new PublicLinks('https://api.500leads.example/');
const at = new Date('2026-11-26T10:00:00.000Z');

const group = (count: number, sampleSize = Math.min(count, 10)): NotificationRow => ({
  workspace_id: 'w-1',
  id: 'n-1',
  kind: 'leads_failed',
  count,
  data: {
    sample: Array.from({ length: sampleSize }, (_, index) => ({
      leadId: `lead-${index}`,
      stage: 'scoring',
      reason: 'The AI model is unavailable (HTTP 503)',
      errorCode: 'llm_unavailable',
      failedAt: at.toISOString(),
    })),
    errorCodes: { llm_unavailable: count },
  },
  group_open: false,
  read_at: null,
  email_status: 'sent',
  emailed_at: at,
  created_at: at,
  updated_at: at,
});

describe('a group of failed leads', () => {
  it('shows its count, why, and how to retry, in the feed', () => {
    const json = toNotificationJson(group(50), links);
    expect(json).toMatchObject({
      id: 'n-1',
      kind: 'leads_failed',
      title: '50 leads could not be processed',
      count: 50,
      readAt: null,
      open: false,
      email: { status: 'sent', sentAt: at.toISOString() },
    });
    expect(json.body).toContain('50 leads failed (llm_unavailable: 50)');
    expect(json.body).toContain('POST https://api.500leads.example/v1/leads/retry-failed');
    expect(json.details).toMatchObject({ retryAllUrl: 'https://api.500leads.example/v1/leads/retry-failed', errorCodes: { llm_unavailable: 50 } });
    expect((json.details as any).leads[0]).toMatchObject({ leadId: 'lead-0', retryUrl: 'https://api.500leads.example/v1/leads/lead-0/retry-analysis' });
  });

  it('says one lead in the singular', () => {
    expect(toNotificationJson(group(1), links).title).toBe('1 lead could not be processed');
  });

  it('emails the final count, the workspace, the first leads with their retry links and how many more', () => {
    const email = notificationEmail(group(50), 'Acme', links);
    expect(email.subject).toBe('[500 Leads] (Acme) 50 leads could not be processed');
    expect(email.text).toContain('50 leads failed');
    expect(email.text).toContain('- lead-0: scoring failed, llm_unavailable: The AI model is unavailable (HTTP 503)');
    expect(email.text).toContain('retry: POST https://api.500leads.example/v1/leads/lead-9/retry-analysis');
    expect(email.text).toContain('…and 40 more leads.');
    expect(email.text).toContain('Retry them all: POST https://api.500leads.example/v1/leads/retry-failed');
  });
});

describe('a disabled webhook', () => {
  it('says which, why, and how to enable it again', () => {
    const row: NotificationRow = {
      ...group(1),
      kind: 'webhook_disabled',
      data: { subscriptionId: 's-1', url: 'https://hooks.example.com/in', consecutiveFailures: 20, failingSince: at.toISOString(), lastError: 'the endpoint answered HTTP 500' },
    };
    const json = toNotificationJson(row, links);
    expect(json.title).toBe('Webhook disabled: https://hooks.example.com/in');
    expect(json.body).toContain('failed 20 times in a row');
    expect(json.body).toContain('POST https://api.500leads.example/v1/webhook-subscriptions/s-1/enable');
    expect(json.details).toMatchObject({ enableUrl: 'https://api.500leads.example/v1/webhook-subscriptions/s-1/enable' });
    expect(notificationEmail(row, null, links).subject).toBe('[500 Leads] Webhook disabled: https://hooks.example.com/in');
  });
});

describe('errorCodeSummary', () => {
  it('lists the most frequent codes first, at most five', () => {
    expect(errorCodeSummary({ a: 1, b: 5, c: 3 })).toBe('b: 5, c: 3, a: 1');
    expect(errorCodeSummary({ a: 1, b: 1, c: 1, d: 1, e: 1, f: 1 })).toBe('a: 1, b: 1, c: 1, d: 1, e: 1, …');
    expect(errorCodeSummary({ '': 2 })).toBe('unknown: 2');
  });
});
