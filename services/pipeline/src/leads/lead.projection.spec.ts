import { create } from '@bufbuild/protobuf';
import { EmailClass, LeadChannel, LeadProfileSchema, LeadSourceSchema, MxStatus, EnrichmentSchema } from '@leads/contracts';
import { enrichmentOf, profileOf, projectLead, type EnrichmentJson, type LeadFact, type LeadProfileData, type ProjectedLead } from './lead.projection';

const t = (second: number) => new Date(Date.UTC(2026, 10, 26, 9, 0, second));

/** A row as first inserted for a lead: nothing known yet, created when first seen. */
const blank = (firstSeen: Date): ProjectedLead => ({
  email: null,
  firstName: null,
  lastName: null,
  phone: null,
  companyName: null,
  jobTitle: null,
  website: null,
  country: null,
  region: null,
  city: null,
  source: null,
  customFields: {},
  profileAt: null,
  profileFromIntake: false,
  processingStatus: 'received',
  statusAt: null,
  failure: null,
  enrichment: null,
  enrichmentAt: null,
  score: null,
  qualification: null,
  qualificationReason: null,
  scoringModel: null,
  scoredAt: null,
  createdAt: firstSeen,
});

const profile = (firstName: string): LeadProfileData => ({
  email: 'ada@example.com',
  firstName,
  lastName: 'Lovelace',
  phone: null,
  companyName: 'Analytical Engines',
  jobTitle: 'Mathematician',
  website: null,
  country: 'GB',
  region: null,
  city: 'London',
  source: 'api',
  customFields: { plan: 'pro' },
});
const enrichment = (domain: string): EnrichmentJson => ({ email: null, emailClass: 'business', geolocation: null, company: { name: domain, domain, confidence: 1 } });

const created = (at: Date, firstName = 'Ada'): LeadFact => ({ type: 'created', occurredAt: at, profile: profile(firstName) });
const enriched = (at: Date, domain = 'example.com', firstName = 'Ada'): LeadFact => ({
  type: 'enriched',
  occurredAt: at,
  profile: profile(firstName),
  enrichment: enrichment(domain),
});
const scored = (at: Date, score = 80): LeadFact => ({
  type: 'scored',
  occurredAt: at,
  profile: profile('Ada'),
  enrichment: enrichment('example.com'),
  score: { score, qualification: 'hot', reason: 'fits', model: 'gpt-test', companyName: 'Initech' },
});
const failed = (at: Date): LeadFact => ({
  type: 'failed',
  occurredAt: at,
  failure: { stage: 'scoring', reason: 'the model timed out', errorCode: 'llm_timeout', retryable: true, attemptCount: 3, analysisId: null, failedAt: at.toISOString() },
});

const project = (facts: LeadFact[]) => facts.reduce(projectLead, blank(facts[0].occurredAt));

describe('lead projection', () => {
  it("takes the company the model recognised when the lead named none, and keeps the lead's own", () => {
    const unnamed: LeadFact = { ...created(t(0)), profile: { ...profile('Ada'), companyName: null } } as LeadFact;
    expect(project([unnamed, scored(t(1))]).companyName).toBe('Initech');
    expect(project([created(t(0)), scored(t(1))]).companyName).toBe('Analytical Engines');
  });

  it('in order: created → enriched → scored', () => {
    const lead = project([created(t(0)), enriched(t(1)), scored(t(2))]);
    expect(lead).toMatchObject({
      firstName: 'Ada',
      source: 'api',
      processingStatus: 'scored',
      score: 80,
      qualification: 'hot',
      qualificationReason: 'fits',
      scoringModel: 'gpt-test',
      enrichment: enrichment('example.com'),
      createdAt: t(0),
      failure: null,
    });
  });

  it('reaches the same lead whatever the arrival order', () => {
    const facts = [created(t(0)), enriched(t(1)), scored(t(2))];
    const orders = [
      [0, 1, 2],
      [2, 0, 1],
      [2, 1, 0],
      [1, 2, 0],
      [0, 2, 1],
      [1, 0, 2],
    ];
    const results = orders.map((order) => project(order.map((index) => facts[index])));
    for (const result of results) {
      expect(result).toEqual(results[0]);
      expect(result).toMatchObject({ processingStatus: 'scored', createdAt: t(0), firstName: 'Ada', profileFromIntake: true });
    }
  });

  it('never takes the status back when an older event arrives late', () => {
    expect(project([scored(t(2)), enriched(t(1))]).processingStatus).toBe('scored');
    expect(project([enriched(t(1)), created(t(0))]).processingStatus).toBe('enriched');
    expect(project([failed(t(3)), scored(t(2))]).processingStatus).toBe('failed');
  });

  it('lets a newer event move the status on, even "back" to received for a newer submission', () => {
    const lead = project([created(t(0)), enriched(t(1)), scored(t(2)), created(t(5), 'Augusta')]);
    expect(lead).toMatchObject({ processingStatus: 'received', firstName: 'Augusta', score: 80 });
  });

  it('shows the failure while failed is the newest status, and clears it when a newer analysis succeeds', () => {
    const failedLead = project([created(t(0)), enriched(t(1)), failed(t(2))]);
    expect(failedLead.processingStatus).toBe('failed');
    expect(failedLead.failure).toMatchObject({ stage: 'scoring', errorCode: 'llm_timeout', retryable: true });
    const retried = projectLead(failedLead, scored(t(9)));
    expect(retried).toMatchObject({ processingStatus: 'scored', failure: null, score: 80 });
  });

  it('prefers the further status when two events carry the same time', () => {
    expect(project([enriched(t(1)), created(t(1))]).processingStatus).toBe('enriched');
    expect(project([created(t(1)), enriched(t(1))]).processingStatus).toBe('enriched');
  });

  it('keeps the intake profile over the copies carried by later events', () => {
    const lead = project([created(t(0), 'Ada'), enriched(t(1), 'example.com', 'Stale copy')]);
    expect(lead.firstName).toBe('Ada');
  });

  it('uses the profile of the first event seen until lead.created arrives', () => {
    const early = project([enriched(t(1), 'example.com', 'From enrichment')]);
    expect(early).toMatchObject({ firstName: 'From enrichment', profileFromIntake: false, createdAt: t(1) });
    const later = projectLead(early, created(t(0), 'From intake'));
    expect(later).toMatchObject({ firstName: 'From intake', profileFromIntake: true, createdAt: t(0) });
  });

  it('keeps the newest enrichment and score', () => {
    const lead = project([scored(t(5), 90), enriched(t(1), 'old.example'), scored(t(3), 10)]);
    expect(lead.score).toBe(90);
    expect(lead.enrichment?.company?.domain).toBe('example.com');
  });

  it('creates a lead from lead.failed alone, with no profile', () => {
    const lead = project([failed(t(4))]);
    expect(lead).toMatchObject({ email: null, processingStatus: 'failed', createdAt: t(4) });
  });
});

describe('protobuf → read model', () => {
  it('maps a profile, with empty strings as null and the channel in lower case', () => {
    const data = profileOf(
      create(LeadProfileSchema, { email: 'ada@example.com', firstName: 'Ada', jobTitle: 'CTO', city: 'Paris', customFields: { Employer: 'ACME', seats: 3 } }),
      create(LeadSourceSchema, { channel: LeadChannel.CSV_IMPORT }),
    );
    expect(data).toEqual({
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: null,
      phone: null,
      companyName: null,
      jobTitle: 'CTO',
      website: null,
      country: null,
      region: null,
      city: 'Paris',
      source: 'csv_import',
      customFields: { Employer: 'ACME', seats: 3 },
    });
    expect(profileOf(undefined, undefined)).toBeNull();
    expect(profileOf(create(LeadProfileSchema, {}), create(LeadSourceSchema, { channel: 42 as LeadChannel }))?.source).toBeNull();
  });

  it('maps enrichment enums to lower-case names and absent parts to null', () => {
    const data = enrichmentOf(
      create(EnrichmentSchema, {
        email: { syntaxValid: true, domain: 'example.com', mxStatus: MxStatus.VALID, mxHosts: ['mx.example.com'] },
        emailClass: EmailClass.BUSINESS,
      }),
    );
    expect(data).toEqual({
      email: { syntaxValid: true, domain: 'example.com', mxStatus: 'valid', mxHosts: ['mx.example.com'] },
      emailClass: 'business',
      geolocation: null,
      company: null,
    });
  });
});
