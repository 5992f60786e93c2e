import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { FailureStage, Topics } from '@leads/contracts';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TOPICS, webhookBody } from './webhook-payload';

describe('webhookBody', () => {
  it('wraps the event as {id, type, occurredAt, workspaceId, data} with data in the Protobuf JSON mapping', () => {
    const event = create(Topics.leadFailed.schema, {
      leadId: '0190a1b2-0000-7000-8000-000000000001',
      workspaceId: '0190a1b2-0000-7000-8000-0000000000aa',
      stage: FailureStage.SCORING,
      reason: 'The AI model is unavailable',
      errorCode: 'llm_unavailable',
      retryable: true,
      attemptCount: 3,
      occurredAt: timestampFromDate(new Date('2026-11-26T10:00:00.000Z')),
    });
    const body = JSON.parse(
      webhookBody(Topics.leadFailed, event, { id: 'event-1', time: '2026-11-26T10:00:00.000Z', workspaceId: '0190a1b2-0000-7000-8000-0000000000aa' }),
    );
    expect(body).toEqual({
      id: 'event-1',
      type: 'lead.failed',
      occurredAt: '2026-11-26T10:00:00.000Z',
      workspaceId: '0190a1b2-0000-7000-8000-0000000000aa',
      data: {
        leadId: '0190a1b2-0000-7000-8000-000000000001',
        workspaceId: '0190a1b2-0000-7000-8000-0000000000aa',
        stage: 'FAILURE_STAGE_SCORING',
        reason: 'The AI model is unavailable',
        errorCode: 'llm_unavailable',
        retryable: true,
        attemptCount: 3,
        analysisId: '',
        occurredAt: '2026-11-26T10:00:00Z',
      },
    });
  });
});

describe('the webhook event types', () => {
  it('are the lead topics, each subscribed to', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual(['lead.created', 'lead.enriched', 'lead.scored', 'lead.failed', 'lead.stage-changed', 'lead.analysis-requested']);
    expect(WEBHOOK_TOPICS.map((topic) => topic.name).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
  });
});
