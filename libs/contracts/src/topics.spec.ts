import { allTopics, findTopic, Topics } from './topics';

describe('topic registry', () => {
  it('declares the documented topics, keys, event types, payloads and partitions', () => {
    const table = allTopics.map((t) => [t.name, t.key, t.eventType, t.schema.typeName, t.dataSchema, t.partitions]);
    expect(table).toEqual([
      ['lead.created', 'lead id', 'io.500leads.lead.created.v1', 'leads.v1.LeadCreated', 'buf:leads.v1.LeadCreated', 12],
      ['lead.enriched', 'lead id', 'io.500leads.lead.enriched.v1', 'leads.v1.LeadEnriched', 'buf:leads.v1.LeadEnriched', 12],
      ['lead.scored', 'lead id', 'io.500leads.lead.scored.v1', 'leads.v1.LeadScored', 'buf:leads.v1.LeadScored', 12],
      ['lead.failed', 'lead id', 'io.500leads.lead.failed.v1', 'leads.v1.LeadFailed', 'buf:leads.v1.LeadFailed', 12],
      [
        'lead.stage-changed',
        'lead id',
        'io.500leads.lead.stage-changed.v1',
        'leads.v1.LeadStageChanged',
        'buf:leads.v1.LeadStageChanged',
        12,
      ],
      [
        'lead.analysis-requested',
        'lead id',
        'io.500leads.lead.analysis-requested.v1',
        'leads.v1.LeadAnalysisRequested',
        'buf:leads.v1.LeadAnalysisRequested',
        12,
      ],
      [
        'workspace.created',
        'workspace id',
        'io.500leads.workspace.created.v1',
        'leads.v1.WorkspaceCreated',
        'buf:leads.v1.WorkspaceCreated',
        3,
      ],
    ]);
  });

  it('exposes every topic both by property and in allTopics', () => {
    expect(new Set(allTopics)).toEqual(new Set(Object.values(Topics)));
    expect(Topics.leadStageChanged.name).toBe('lead.stage-changed');
  });

  it('finds registered topics by name and nothing else', () => {
    expect(findTopic('lead.scored')).toBe(Topics.leadScored);
    expect(findTopic('workspace.created')).toBe(Topics.workspaceCreated);
    expect(findTopic('lead.deleted')).toBeUndefined();
    expect(findTopic('LEAD.CREATED')).toBeUndefined();
  });

  it('gives every payload the id its key is made of, the workspace id and occurred_at', () => {
    for (const topic of allTopics) {
      const keyField = topic.key === 'lead id' ? 'lead_id' : 'workspace_id';
      const fields = topic.schema.fields.map((f) => f.name);
      expect({ topic: topic.name, fields }).toEqual({
        topic: topic.name,
        fields: expect.arrayContaining([keyField, 'workspace_id', 'occurred_at']),
      });
    }
  });

  it('is immutable', () => {
    expect(Object.isFrozen(Topics.leadCreated)).toBe(true);
    expect(Object.isFrozen(allTopics)).toBe(true);
  });
});
