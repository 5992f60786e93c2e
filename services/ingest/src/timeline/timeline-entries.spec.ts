import { mergeTimeline, type Analysis, type TimelineSources } from './timeline-entries';

const at = (second: number) => new Date(Date.UTC(2026, 10, 26, 9, 0, second)).toISOString();

const analysis = (id: string, overrides: Partial<Analysis>): Analysis => ({
  id,
  trigger: 'enriched',
  requestedBy: null,
  status: 'scored',
  score: 80,
  qualification: 'hot',
  reason: 'fits',
  model: 'gpt-test',
  errorCode: null,
  createdAt: at(2),
  finishedAt: at(4),
  attempts: [],
  ...overrides,
});

const attempt = (number: number, second: number, outcome = 'success') => ({
  number,
  model: 'gpt-test',
  startedAt: at(second),
  latencyMs: 100,
  totalTokens: 50,
  outcome,
  httpStatus: outcome === 'success' ? null : 503,
  error: outcome === 'success' ? null : 'down',
  traceId: null,
});

const none: TimelineSources = { submissions: [], enrichment: null, analyses: [], moves: [], sequences: null };

describe('mergeTimeline', () => {
  it('orders every source by time, whatever order the sources answered in', () => {
    const entries = mergeTimeline({
      ...none,
      sequences: {
        enrollments: [{ id: 'e1', sequenceId: 's1', sequenceName: 'Welcome', status: 'stopped', stopReason: 'won', enrolledAt: at(5), finishedAt: at(9) }],
        sends: [{ id: 'm1', sequenceId: 's1', sequenceName: 'Welcome', step: 1, subject: 'Hi', status: 'sent', error: null, createdAt: at(6), sentAt: at(7) }],
      },
      moves: [
        { id: '2', fromPipelineId: 'p', fromStageName: 'New', toPipelineId: 'p', toStageName: 'Converted', actor: { kind: 'user', id: 'u' }, channel: 'kanban', movedAt: at(8) },
        { id: '1', fromPipelineId: null, fromStageName: null, toPipelineId: 'p', toStageName: 'New', actor: { kind: 'system', id: '' }, channel: 'system', movedAt: at(1) },
      ],
      analyses: [analysis('a1', { attempts: [attempt(1, 3)] })],
      submissions: [{ id: 'sub', channel: 'form', sourceId: 'f', fields: { email: 'a@b.c' }, utm: {}, referrer: null, createdAt: at(0) }],
    });
    expect(entries.map((entry) => entry.type)).toEqual(['submitted', 'placed', 'analysis-attempt', 'scored', 'enrolled', 'email', 'stage-moved', 'sequence-stopped']);
    expect(entries.find((entry) => entry.type === 'sequence-stopped')).toMatchObject({ sequenceName: 'Welcome', stopReason: 'won' });
  });

  it('shows each attempt of a retried analysis, who asked for it, and a result only for finished analyses', () => {
    const entries = mergeTimeline({
      ...none,
      analyses: [
        analysis('failed', { status: 'failed', score: null, qualification: null, errorCode: 'llm_unavailable', attempts: [attempt(1, 2, 'unavailable'), attempt(2, 3, 'unavailable')] }),
        analysis('retry', { trigger: 'requested', requestedBy: { kind: 'user', id: 'u' }, createdAt: at(10), finishedAt: at(12), attempts: [attempt(1, 11)] }),
        analysis('replaced', { status: 'superseded', finishedAt: null, createdAt: at(13), attempts: [] }),
      ],
    });
    expect(entries.map((entry) => [entry.type, entry.analysisId])).toEqual([
      ['analysis-attempt', 'failed'],
      ['analysis-attempt', 'failed'],
      ['analysis-failed', 'failed'],
      ['analysis-requested', 'retry'],
      ['analysis-attempt', 'retry'],
      ['scored', 'retry'],
    ]);
    expect(entries[2]).toMatchObject({ errorCode: 'llm_unavailable', attempts: 2 });
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(entries.length);
  });

  it('keeps the order a lead lives things in when they share an instant', () => {
    const entries = mergeTimeline({
      ...none,
      moves: [{ id: '1', fromPipelineId: null, fromStageName: null, toPipelineId: 'p', toStageName: 'New', actor: { kind: 'system', id: '' }, channel: 'system', movedAt: at(0) }],
      submissions: [{ id: 'sub', channel: 'api', sourceId: null, fields: {}, utm: {}, referrer: null, createdAt: at(0) }],
    });
    expect(entries.map((entry) => entry.type)).toEqual(['submitted', 'placed']);
  });
});
