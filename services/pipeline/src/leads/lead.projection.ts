import type { JsonObject } from '@bufbuild/protobuf';
import {
  EmailClass,
  FailureStage,
  GeolocationMethod,
  LeadChannel,
  MxStatus,
  Qualification,
  type Enrichment,
  type LeadFailed,
  type LeadProfile,
  type LeadScored,
  type LeadSource,
} from '@leads/contracts';
import type { LeadSourceName, ProcessingStatus, QualificationName } from './lead.entity';

/*
 * The leads read model is a projection of lead.created, lead.enriched, lead.scored and
 * lead.failed. Those topics are not ordered with each other, so any of them may be the first
 * one seen for a lead, and an older event may arrive after a newer one. Each part of the lead
 * remembers when (occurredAt) it was last set and only a newer event replaces it:
 *
 * - profile (contact fields, source, custom fields): the intake's profile (lead.created) is
 *   authoritative; the copies carried by lead.enriched and lead.scored only stand in until it
 *   arrives;
 * - processing status: the newest event wins (on a tie, the further status), so a late
 *   lead.enriched never takes a scored lead back to enriched, while a newer submission of the
 *   same lead (lead.created, outcome MERGED) rightly starts it again at received;
 * - failure: shown while the newest status is `failed`;
 * - enrichment (lead.enriched, lead.scored) and score (lead.scored): the newest wins.
 */

export interface LeadProfileData {
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly phone: string | null;
  readonly companyName: string | null;
  readonly jobTitle: string | null;
  readonly website: string | null;
  readonly country: string | null;
  readonly region: string | null;
  readonly city: string | null;
  readonly source: LeadSourceName | null;
  readonly customFields: JsonObject;
}

export interface EnrichmentJson {
  readonly email: { syntaxValid: boolean; domain: string | null; mxStatus: string | null; mxHosts: string[] } | null;
  readonly emailClass: string | null;
  readonly geolocation: {
    countryCode: string | null;
    region: string | null;
    city: string | null;
    latitude: number | null;
    longitude: number | null;
    method: string | null;
    provider: string | null;
    attribution: string | null;
  } | null;
  readonly company: { name: string | null; domain: string | null; confidence: number } | null;
}

export interface ScoreData {
  readonly score: number;
  readonly qualification: QualificationName | null;
  readonly reason: string | null;
  readonly model: string | null;
  /** The company the model recognised, whatever field it was under. */
  readonly companyName: string | null;
}

export interface FailureJson {
  readonly stage: 'enrichment' | 'scoring' | null;
  readonly reason: string;
  readonly errorCode: string | null;
  readonly retryable: boolean;
  readonly attemptCount: number;
  readonly analysisId: string | null;
  readonly failedAt: string;
}

/** What one event says about a lead. */
export type LeadFact =
  | { readonly type: 'created'; readonly occurredAt: Date; readonly profile: LeadProfileData | null }
  | { readonly type: 'enriched'; readonly occurredAt: Date; readonly profile: LeadProfileData | null; readonly enrichment: EnrichmentJson | null }
  | {
      readonly type: 'scored';
      readonly occurredAt: Date;
      readonly profile: LeadProfileData | null;
      readonly enrichment: EnrichmentJson | null;
      readonly score: ScoreData;
    }
  | { readonly type: 'failed'; readonly occurredAt: Date; readonly failure: FailureJson };

/** The projected part of a lead, with the time each part was last set. */
export interface ProjectedLead extends LeadProfileData {
  readonly profileAt: Date | null;
  readonly profileFromIntake: boolean;
  readonly processingStatus: ProcessingStatus;
  readonly statusAt: Date | null;
  readonly failure: FailureJson | null;
  readonly enrichment: EnrichmentJson | null;
  readonly enrichmentAt: Date | null;
  readonly score: number | null;
  readonly qualification: QualificationName | null;
  readonly qualificationReason: string | null;
  readonly scoringModel: string | null;
  readonly scoredAt: Date | null;
  /** When the lead was submitted: the earliest lead.created (until then, the first event seen). */
  readonly createdAt: Date;
}

const statusOf: Record<LeadFact['type'], ProcessingStatus> = { created: 'received', enriched: 'enriched', scored: 'scored', failed: 'failed' };
const statusRank: Record<ProcessingStatus, number> = { received: 0, enriched: 1, scored: 2, failed: 2 };

const notOlder = (at: Date, than: Date | null) => than === null || at.getTime() >= than.getTime();

export function projectLead(lead: ProjectedLead, fact: LeadFact): ProjectedLead {
  const at = fact.occurredAt;
  let next: ProjectedLead = { ...lead };
  if (fact.type === 'created' && at < lead.createdAt) next = { ...next, createdAt: at };

  const fromIntake = fact.type === 'created';
  const profile = fact.type === 'failed' ? null : fact.profile;
  const takesProfile = fromIntake ? !lead.profileFromIntake || notOlder(at, lead.profileAt) : !lead.profileFromIntake && notOlder(at, lead.profileAt);
  if (profile && takesProfile) next = { ...next, ...profile, profileAt: at, profileFromIntake: lead.profileFromIntake || fromIntake };

  const status = statusOf[fact.type];
  const statusAdvances =
    lead.statusAt === null ||
    at.getTime() > lead.statusAt.getTime() ||
    (at.getTime() === lead.statusAt.getTime() && statusRank[status] >= statusRank[lead.processingStatus]);
  if (statusAdvances) next = { ...next, processingStatus: status, statusAt: at, failure: fact.type === 'failed' ? fact.failure : null };

  if ((fact.type === 'enriched' || fact.type === 'scored') && fact.enrichment && notOlder(at, lead.enrichmentAt)) {
    next = { ...next, enrichment: fact.enrichment, enrichmentAt: at };
  }
  if (fact.type === 'scored' && notOlder(at, lead.scoredAt)) {
    next = {
      ...next,
      score: fact.score.score,
      qualification: fact.score.qualification,
      qualificationReason: fact.score.reason,
      scoringModel: fact.score.model,
      // A company the lead named itself stays; otherwise the one the model found.
      companyName: next.companyName ?? fact.score.companyName,
      scoredAt: at,
    };
  }
  return next;
}

// From the protobuf events. Empty strings and UNSPECIFIED enums mean "unknown": null.

const text = (value: string | undefined): string | null => (value ? value : null);

/** `LeadChannel.CSV_IMPORT` → `'csv_import'`; UNSPECIFIED or a value this build does not know → null. */
export function enumName<Name extends string>(values: Record<number, string>, value: number): Name | null {
  const name = values[value];
  return name && name !== 'UNSPECIFIED' ? (name.toLowerCase() as Name) : null;
}

export function profileOf(profile: LeadProfile | undefined, source: LeadSource | undefined): LeadProfileData | null {
  if (!profile) return null;
  return {
    email: text(profile.email),
    firstName: text(profile.firstName),
    lastName: text(profile.lastName),
    phone: text(profile.phone),
    companyName: text(profile.companyName),
    jobTitle: text(profile.jobTitle),
    website: text(profile.website),
    country: text(profile.country),
    region: text(profile.region),
    city: text(profile.city),
    source: source ? enumName<LeadSourceName>(LeadChannel, source.channel) : null,
    customFields: profile.customFields ?? {},
  };
}

export function enrichmentOf(enrichment: Enrichment | undefined): EnrichmentJson | null {
  if (!enrichment) return null;
  const { email, geolocation, company } = enrichment;
  return {
    email: email
      ? { syntaxValid: email.syntaxValid, domain: text(email.domain), mxStatus: enumName(MxStatus, email.mxStatus), mxHosts: [...email.mxHosts] }
      : null,
    emailClass: enumName(EmailClass, enrichment.emailClass),
    geolocation: geolocation
      ? {
          countryCode: text(geolocation.countryCode),
          region: text(geolocation.region),
          city: text(geolocation.city),
          latitude: geolocation.latitude ?? null,
          longitude: geolocation.longitude ?? null,
          method: enumName(GeolocationMethod, geolocation.method),
          provider: text(geolocation.provider),
          attribution: text(geolocation.attribution),
        }
      : null,
    company: company ? { name: text(company.name), domain: text(company.domain), confidence: company.confidence } : null,
  };
}

export function scoreOf(event: LeadScored): ScoreData {
  return {
    score: event.score,
    qualification: enumName<QualificationName>(Qualification, event.qualification),
    reason: text(event.reason),
    model: text(event.model),
    companyName: event.companyName ? event.companyName : null,
  };
}

export function failureOf(event: LeadFailed, occurredAt: Date): FailureJson {
  return {
    stage: enumName<'enrichment' | 'scoring'>(FailureStage, event.stage),
    reason: event.reason,
    errorCode: text(event.errorCode),
    retryable: event.retryable,
    attemptCount: event.attemptCount,
    analysisId: text(event.analysisId),
    failedAt: occurredAt.toISOString(),
  };
}
