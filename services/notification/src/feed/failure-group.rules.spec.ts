import { EMPTY_GROUP, firstPerLead, joinGroup } from './failure-group.rules';
import { FAILED_LEADS_SAMPLE_SIZE, type FailedLead } from './notification.entity';

const lead = (index: number, errorCode = 'llm_unavailable'): FailedLead => ({
  leadId: `lead-${index}`,
  stage: 'scoring',
  reason: 'The AI model is unavailable',
  errorCode,
  failedAt: new Date(1_767_000_000_000 + index).toISOString(),
});

describe('joinGroup', () => {
  it('counts new leads by error code and keeps them in the sample', () => {
    const data = joinGroup(EMPTY_GROUP, [lead(1), lead(2, 'llm_timeout'), lead(3)]);
    expect(data.errorCodes).toEqual({ llm_unavailable: 2, llm_timeout: 1 });
    expect(data.sample.map((item) => item.leadId)).toEqual(['lead-1', 'lead-2', 'lead-3']);
  });

  it('bounds the sample to the first leads, and goes on counting', () => {
    let data = EMPTY_GROUP;
    for (let batch = 0; batch < 5; batch += 1) data = joinGroup(data, Array.from({ length: 100 }, (_, index) => lead(batch * 100 + index)));
    expect(data.sample).toHaveLength(FAILED_LEADS_SAMPLE_SIZE);
    expect(data.sample[0].leadId).toBe('lead-0');
    expect(data.errorCodes).toEqual({ llm_unavailable: 500 });
  });

  it('does not change the data it is given', () => {
    const before = joinGroup(EMPTY_GROUP, [lead(1)]);
    joinGroup(before, [lead(2)]);
    expect(before).toEqual({ sample: [lead(1)], errorCodes: { llm_unavailable: 1 } });
  });
});

describe('firstPerLead', () => {
  it('keeps the first failure of each lead, in order', () => {
    const failures = [lead(1), lead(2), { ...lead(1), errorCode: 'llm_timeout' }, lead(3)];
    expect(firstPerLead(failures).map((item) => `${item.leadId}:${item.errorCode}`)).toEqual(['lead-1:llm_unavailable', 'lead-2:llm_unavailable', 'lead-3:llm_unavailable']);
  });
});
