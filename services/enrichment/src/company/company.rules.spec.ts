import { humaniseDomainLabel, inferCompany } from './company.rules';

describe('humaniseDomainLabel', () => {
  it.each([
    ['initech', 'Initech'],
    ['acme-widgets', 'Acme Widgets'],
    ['big_co', 'Big Co'],
    ['a--b', 'A B'],
    ['3m', '3m'],
    ['xn--mnchen-3ya', 'München'],
    ['openAI', 'OpenAI'],
  ])('%s → %s', (label, name) => {
    expect(humaniseDomainLabel(label)).toBe(name);
  });
});

describe('inferCompany', () => {
  it('names the company of a business address after its registrable domain, surer when the domain has MX', () => {
    expect(inferCompany('business', 'initech.com', 'initech', 'valid')).toEqual({ name: 'Initech', domain: 'initech.com', confidence: 0.6 });
    expect(inferCompany('business', 'acme-widgets.co.uk', 'acme-widgets', 'none')).toEqual({ name: 'Acme Widgets', domain: 'acme-widgets.co.uk', confidence: 0.4 });
    expect(inferCompany('business', 'initech.com', 'initech', 'unknown')?.confidence).toBe(0.3);
  });

  it.each(['personal', 'disposable', 'invalid'] as const)('infers nothing for a %s address', (emailClass) => {
    expect(inferCompany(emailClass, 'gmail.com', 'gmail', 'valid')).toBeNull();
  });
});
