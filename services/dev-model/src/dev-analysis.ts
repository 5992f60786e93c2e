/**
 * The dev model's "analysis": deterministic, computed from the lead data in the request, never
 * from instructions. The score counts how complete the profile is; the company is looked for
 * under any company-like field name. It exists so that local runs and tests have a model; its
 * replies carry a `dev-model-…` name, and its reason says what it is.
 */

export interface DevAnalysis {
  score: number;
  qualification: 'hot' | 'warm' | 'cold';
  reason: string;
  companyName: string | null;
}

type Json = Record<string, unknown>;

/** Normalised field names (lower case, letters and digits only) that name a company. */
const COMPANY_KEYS = new Set([
  'company',
  'companyname',
  'organization',
  'organisation',
  'organizationname',
  'organisationname',
  'org',
  'employer',
  'employername',
  'business',
  'businessname',
  'firm',
  'enterprise',
  'account',
  'accountname',
  'entreprise',
  'societe',
  'société',
  'empresa',
  'firma',
  'unternehmen',
]);

const normalise = (key: string) => key.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const filled = (value: unknown) => (typeof value === 'string' ? value.trim() !== '' : value !== null && value !== undefined && value !== false);
/** A field name or value quoted on one line: the reason must stay one or two plain sentences. */
const quoted = (raw: string, max = 40) => {
  const text = raw.replace(/\s+/g, ' ').trim();
  return `"${text.length > max ? `${text.slice(0, max - 1)}…` : text}"`;
};

/** The JSON between `BEGIN LEAD DATA <id>` and `END LEAD DATA <id>` (the scoring prompt's delimiters), if any. */
export function findLeadData(text: string): Json | undefined {
  const begin = /^BEGIN LEAD DATA (\S+)[ \t]*$/m.exec(text);
  if (!begin) return undefined;
  const start = begin.index + begin[0].length;
  const end = text.indexOf(`\nEND LEAD DATA ${begin[1]}`, start);
  if (end < 0) return undefined;
  try {
    const data: unknown = JSON.parse(text.slice(start, end));
    return isObject(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** The company and where it was found: the standard field, then any company-like custom field, then enrichment. */
export function findCompany(data: Json): { name: string; from: string } | null {
  const profile = isObject(data.profile) ? data.profile : data;
  if (typeof profile.companyName === 'string' && profile.companyName.trim()) return { name: profile.companyName.trim(), from: 'companyName' };
  const customFields = isObject(data.customFields) ? data.customFields : isObject(profile.customFields) ? profile.customFields : {};
  for (const source of [customFields, profile]) {
    for (const [key, value] of Object.entries(source)) {
      if (COMPANY_KEYS.has(normalise(key)) && typeof value === 'string' && value.trim()) return { name: value.trim(), from: key };
    }
  }
  const enrichment = isObject(data.enrichment) ? data.enrichment : {};
  const inferred = isObject(enrichment.companyFromEmailDomain) ? enrichment.companyFromEmailDomain : isObject(enrichment.company) ? enrichment.company : {};
  if (typeof inferred.name === 'string' && inferred.name.trim()) return { name: inferred.name.trim(), from: 'the email domain' };
  return null;
}

export function analyseLead(data: Json | undefined): DevAnalysis {
  if (!data) {
    return { score: 0, qualification: 'cold', reason: 'Dev model: the request held no delimited lead data, so nothing could be assessed.', companyName: null };
  }
  const profile = isObject(data.profile) ? data.profile : data;
  const enrichment = isObject(data.enrichment) ? data.enrichment : {};
  const company = findCompany(data);
  const items: Array<[string, number, boolean]> = [
    ['email', 10, filled(profile.email)],
    ['first name', 8, filled(profile.firstName)],
    ['last name', 8, filled(profile.lastName)],
    ['phone', 10, filled(profile.phone)],
    ['company', 14, company !== null],
    ['job title', 10, filled(profile.jobTitle)],
    ['website', 8, filled(profile.website)],
    ['location', 7, filled(profile.country) || filled(profile.city) || filled(profile.region)],
  ];
  const emailClass = typeof enrichment.emailClass === 'string' ? enrichment.emailClass : null;
  const email = isObject(enrichment.email) ? enrichment.email : {};
  const mxValid = email.mxStatus === 'valid';
  const located = isObject(enrichment.geolocation) && filled(enrichment.geolocation.countryCode);
  const score = Math.min(
    100,
    items.reduce((sum, [, points, present]) => sum + (present ? points : 0), 0) +
      (emailClass === 'business' ? 15 : emailClass === 'personal' ? 5 : 0) +
      (mxValid ? 5 : 0) +
      (located ? 5 : 0),
  );
  const qualification = score >= 70 ? 'hot' : score >= 40 ? 'warm' : 'cold';
  const present = items.filter(([, , isPresent]) => isPresent).length;
  const emailText = emailClass ? `${emailClass === 'invalid' ? 'an invalid' : `a ${emailClass}`} email${mxValid ? ' with MX' : ''}` : 'an unverified email';
  const companyText = company ? ` Company ${quoted(company.name, 60)} from ${company.from === 'the email domain' ? company.from : `field ${quoted(company.from)}`}.` : ' No company named.';
  const reason = `Dev model score from data completeness: ${present} of ${items.length} profile items and ${emailText}.${companyText}`;
  return { score, qualification, reason, companyName: company?.name ?? null };
}
