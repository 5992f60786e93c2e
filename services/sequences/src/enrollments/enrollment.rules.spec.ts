import type { Criteria } from '../sequences/sequence.entity';
import { decideEnrollment, isEnrollable, undeliverableReason, type LeadFacts } from './enrollment.rules';

const hotLead: LeadFacts = {
  id: 'lead-1',
  email: 'ada@initech.com',
  qualification: 'hot',
  score: 90,
  source: 'api',
  emailClass: 'business',
  pipelineId: 'pipeline-1',
  stageKind: 'open',
  awaitingPlacement: false,
};
const anyHotOrWarm: Criteria = { qualifications: ['hot', 'warm'], pipelineIds: [], sources: [], minScore: null };

describe('isEnrollable', () => {
  it('takes hot and warm leads with a deliverable address that are neither won nor lost', () => {
    expect(isEnrollable(hotLead)).toBe(true);
    expect(isEnrollable({ ...hotLead, qualification: 'warm', emailClass: 'personal', pipelineId: null, stageKind: null })).toBe(true);
    expect(isEnrollable({ ...hotLead, emailClass: null })).toBe(true);
  });

  it.each([
    ['cold', { qualification: 'cold' }],
    ['not scored', { qualification: null }],
    ['without email', { email: null }],
    ['invalid email', { emailClass: 'invalid' }],
    ['disposable email', { emailClass: 'disposable' }],
    ['won', { stageKind: 'win' }],
    ['lost', { stageKind: 'lost' }],
  ] as const)('refuses a lead that is %s', (_, change) => {
    expect(isEnrollable({ ...hotLead, ...change })).toBe(false);
  });

  it('names why an address is undeliverable', () => {
    expect(undeliverableReason('invalid')).toBe('email_invalid');
    expect(undeliverableReason('disposable')).toBe('email_disposable');
    expect(undeliverableReason('personal')).toBeUndefined();
  });
});

describe('decideEnrollment', () => {
  it('enrols on qualification alone when nothing else is asked', () => {
    expect(decideEnrollment(anyHotOrWarm, hotLead)).toBe('enrol');
    expect(decideEnrollment({ ...anyHotOrWarm, qualifications: ['warm'] }, hotLead)).toBe('skip');
  });

  it('applies the minimum score, inclusive', () => {
    expect(decideEnrollment({ ...anyHotOrWarm, minScore: 90 }, hotLead)).toBe('enrol');
    expect(decideEnrollment({ ...anyHotOrWarm, minScore: 91 }, hotLead)).toBe('skip');
  });

  it('applies the sources', () => {
    expect(decideEnrollment({ ...anyHotOrWarm, sources: ['form', 'api'] }, hotLead)).toBe('enrol');
    expect(decideEnrollment({ ...anyHotOrWarm, sources: ['form'] }, hotLead)).toBe('skip');
    expect(decideEnrollment({ ...anyHotOrWarm, sources: ['form'] }, { ...hotLead, source: null })).toBe('skip');
  });

  it('applies the pipelines, and waits for the placement when it is not known yet', () => {
    expect(decideEnrollment({ ...anyHotOrWarm, pipelineIds: ['pipeline-1'] }, hotLead)).toBe('enrol');
    expect(decideEnrollment({ ...anyHotOrWarm, pipelineIds: ['pipeline-2'] }, hotLead)).toBe('skip');
    expect(decideEnrollment({ ...anyHotOrWarm, pipelineIds: ['pipeline-2'] }, { ...hotLead, pipelineId: null })).toBe('await_placement');
  });

  it('does not wait for a placement when another criterion already rules the lead out', () => {
    expect(decideEnrollment({ ...anyHotOrWarm, pipelineIds: ['pipeline-1'], minScore: 95 }, { ...hotLead, pipelineId: null })).toBe('skip');
  });
});
