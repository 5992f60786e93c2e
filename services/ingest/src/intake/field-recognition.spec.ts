import { canonicalKey, recogniseFields } from './field-recognition';

describe('field recognition', () => {
  it.each([
    ['email', 'email'],
    ['e-mail', 'email'],
    ['Email Address', 'email'],
    ['EMAIL_ADDRESS', 'email'],
    ['first_name', 'firstName'],
    ['firstName', 'firstName'],
    ['fname', 'firstName'],
    ['Last Name', 'lastName'],
    ['surname', 'lastName'],
    ['phone', 'phone'],
    ['tel', 'phone'],
    ['Phone Number', 'phone'],
    ['companyName', 'companyName'],
    ['Job Title', 'jobTitle'],
  ])('recognises %j as %s', (key, field) => {
    expect(recogniseFields({ [key]: 'value' }).profile).toEqual({ [field]: 'value' });
  });

  it.each(['organization', 'employer', 'business_name', 'Company Name', 'company', 'Budget (USD)', 'notes'])(
    'keeps %j unchanged in customFields',
    (key) => {
      const { profile, customFields } = recogniseFields({ email: 'a@b.co', [key]: 'Initech' });
      expect(customFields).toEqual({ [key]: 'Initech' });
      expect(profile).toEqual({ email: 'a@b.co' });
    },
  );

  it('trims and lower-cases the email, the dedupe key', () => {
    expect(recogniseFields({ 'E-Mail': '  Ann@Example.COM ' }).profile.email).toBe('ann@example.com');
  });

  it('splits a single name field when first and last are not given', () => {
    expect(recogniseFields({ name: 'Ada King Lovelace' }).profile).toEqual({ firstName: 'Ada', lastName: 'King Lovelace' });
    expect(recogniseFields({ name: 'Ada Lovelace', first_name: 'Augusta' }).profile).toEqual({ firstName: 'Augusta' });
  });

  it('takes UTM parameters out of the fields', () => {
    expect(recogniseFields({ utm_source: 'google', 'utm-campaign': 'spring', email: 'a@b.co' })).toEqual({
      profile: { email: 'a@b.co' },
      utm: { source: 'google', campaign: 'spring' },
      customFields: {},
    });
  });

  it('keeps structured values of a standard-looking key as a custom field', () => {
    expect(recogniseFields({ phone: { home: '1', work: '2' } }).customFields).toEqual({ phone: { home: '1', work: '2' } });
  });

  it('canonicalises keys by case and punctuation only', () => {
    expect(canonicalKey('First-Name')).toBe('firstname');
    expect(canonicalKey('e_mail')).toBe('email');
  });
});
