import { zodFieldErrors } from '@leads/service';
import { createSequenceBody, MAX_STEPS, updateSequenceBody } from './sequence.schema';

const valid = {
  name: 'Hot leads follow-up',
  status: 'active',
  criteria: { qualifications: ['hot'] },
  steps: [{ delaySeconds: 0, subject: 'Hi {{firstName}}', body: 'Hello {{firstName}} of {{companyName}}' }],
};

const fieldsOf = (schema: typeof createSequenceBody | typeof updateSequenceBody, body: unknown) => {
  const result = schema.safeParse(body);
  return result.success ? [] : zodFieldErrors(result.error).map((error) => error.field);
};

describe('sequence bodies', () => {
  it('accepts a minimal sequence and fills the optional criteria', () => {
    expect(createSequenceBody.parse(valid).criteria).toEqual({ qualifications: ['hot'], pipelineIds: [], sources: [], minScore: null });
  });

  it.each([
    ['a template with unknown syntax', { steps: [valid.steps[0], { delaySeconds: 60, subject: 's', body: 'Hi {{#if x}}' }] }, 'steps.1.body'],
    ['an unclosed tag in a subject', { steps: [{ ...valid.steps[0], subject: 'Hi {{firstName' }] }, 'steps.0.subject'],
    ['a subject on two lines', { steps: [{ ...valid.steps[0], subject: 'Hi\nthere' }] }, 'steps.0.subject'],
    ['a negative delay', { steps: [{ ...valid.steps[0], delaySeconds: -1 }] }, 'steps.0.delaySeconds'],
    ['a fractional delay', { steps: [{ ...valid.steps[0], delaySeconds: 1.5 }] }, 'steps.0.delaySeconds'],
    ['no steps', { steps: [] }, 'steps'],
    ['too many steps', { steps: Array.from({ length: MAX_STEPS + 1 }, () => valid.steps[0]) }, 'steps'],
    ['a body too long', { steps: [{ ...valid.steps[0], body: 'x'.repeat(20_001) }] }, 'steps.0.body'],
    ['cold leads', { criteria: { qualifications: ['cold'] } }, 'criteria.qualifications.0'],
    ['no qualification', { criteria: { qualifications: [] } }, 'criteria.qualifications'],
    ['a repeated qualification', { criteria: { qualifications: ['hot', 'hot'] } }, 'criteria.qualifications'],
    ['a pipeline id that is not a UUID', { criteria: { qualifications: ['hot'], pipelineIds: ['nope'] } }, 'criteria.pipelineIds.0'],
    ['an unknown source', { criteria: { qualifications: ['hot'], sources: ['fax'] } }, 'criteria.sources.0'],
    ['a score above 100', { criteria: { qualifications: ['hot'], minScore: 101 } }, 'criteria.minScore'],
    ['an archived new sequence', { status: 'archived' }, 'status'],
    ['an empty name', { name: '  ' }, 'name'],
    ['an unknown key', { extra: true }, '(body)'],
  ])('refuses %s, naming the field', (_, change, field) => {
    expect(fieldsOf(createSequenceBody, { ...valid, ...change })).toEqual([field]);
  });

  it('accepts a partial update, and refuses a bad template in it', () => {
    expect(fieldsOf(updateSequenceBody, { status: 'archived' })).toEqual([]);
    expect(fieldsOf(updateSequenceBody, { steps: [{ delaySeconds: 0, subject: 's', body: '{{ first name }}' }] })).toEqual(['steps.0.body']);
  });
});
