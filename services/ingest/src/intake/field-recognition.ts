/**
 * Recognises the standard lead fields under their common spellings (`Email Address`, `e-mail`,
 * `first_name`, `fname`, `tel`, …). Every other field is kept, unchanged and under its own name,
 * in customFields: the company in particular may hide under any name (`organization`,
 * `employer`, `Company Name`), and recognising it is the scoring model's job.
 */
export interface StandardProfile {
  email: string;
  firstName: string;
  lastName: string;
  phone: string;
  companyName: string;
  jobTitle: string;
  website: string;
  country: string;
  region: string;
  city: string;
}

export type StandardField = keyof StandardProfile;
export type UtmField = 'source' | 'medium' | 'campaign' | 'term' | 'content';
export type CustomValue = string | number | boolean | null | CustomValue[] | { [key: string]: CustomValue };

export interface RecognisedFields {
  profile: Partial<StandardProfile>;
  /** From a single "name" field, split when first/last are not given separately. */
  utm: Partial<Record<UtmField, string>>;
  customFields: Record<string, CustomValue>;
}

const SPELLINGS: Record<StandardField | 'fullName', string[]> = {
  email: ['email', 'emailaddress', 'mail', 'workemail', 'businessemail', 'contactemail', 'youremail'],
  firstName: ['firstname', 'fname', 'first', 'givenname', 'forename'],
  lastName: ['lastname', 'lname', 'last', 'surname', 'familyname'],
  fullName: ['name', 'fullname', 'contactname', 'yourname'],
  phone: ['phone', 'tel', 'telephone', 'phonenumber', 'mobile', 'mobilephone', 'mobilenumber', 'cell'],
  companyName: [],
  jobTitle: ['jobtitle', 'title', 'position', 'role'],
  website: ['website', 'url', 'site', 'homepage'],
  country: ['country'],
  region: ['region', 'state', 'province'],
  city: ['city', 'town'],
};

const BY_SPELLING = new Map<string, StandardField | 'fullName'>(
  Object.entries(SPELLINGS).flatMap(([field, spellings]) => spellings.map((spelling) => [spelling, field as StandardField | 'fullName'])),
);

/** The API's own field name only: other company spellings stay custom fields (see above). */
const EXACT: Record<string, StandardField | 'fullName'> = { companyName: 'companyName' };

const UTM = /^utm[_-]?(source|medium|campaign|term|content)$/i;

/** `Email Address` → `emailaddress`, `e-mail` → `email`, `first_name` → `firstname`. */
export function canonicalKey(key: string): string {
  return key.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]/g, '');
}

function text(value: CustomValue): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

/** Sorts a flat submission into standard fields, UTM parameters and custom fields. */
export function recogniseFields(fields: Record<string, CustomValue>): RecognisedFields {
  const profile: Partial<StandardProfile> = {};
  const utm: Partial<Record<UtmField, string>> = {};
  const customFields: Record<string, CustomValue> = {};
  let fullName = '';
  for (const [key, value] of Object.entries(fields)) {
    const utmMatch = UTM.exec(key);
    if (utmMatch) {
      utm[utmMatch[1].toLowerCase() as UtmField] = text(value);
      continue;
    }
    const field = EXACT[key] ?? BY_SPELLING.get(canonicalKey(key));
    if (field && typeof value !== 'object') {
      if (field === 'fullName') fullName = text(value);
      else if (!profile[field]) profile[field] = text(value);
      continue;
    }
    customFields[key] = value;
  }
  if (fullName && !profile.firstName && !profile.lastName) {
    const [first, ...rest] = fullName.split(/\s+/);
    profile.firstName = first;
    if (rest.length) profile.lastName = rest.join(' ');
  }
  if (profile.email !== undefined) profile.email = normaliseEmail(profile.email);
  return { profile, utm, customFields };
}

/** The dedupe key: trimmed, lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
