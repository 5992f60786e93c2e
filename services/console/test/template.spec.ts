import { SAMPLE_LEAD, delaySeconds, renderTemplate, splitDelay } from '../src/sequences/template';

describe('sequence templates in the console preview', () => {
  it('renders standard fields and custom fields, unknown ones empty', () => {
    const lead = { ...SAMPLE_LEAD, customFields: { plan: 'enterprise', seats: 12, 'team-size': null } };
    expect(renderTemplate('Hi {{firstName}} {{ lastName }} of {{companyName}}', lead)).toBe('Hi Ada Lovelace of Analytical Engines');
    expect(renderTemplate('{{customFields.plan}}/{{plan}}/{{seats}}/{{team-size}}/{{nothing}}', lead)).toBe('enterprise/enterprise/12//');
  });

  it('shows a delay in the largest unit that divides it', () => {
    expect(splitDelay(0)).toEqual({ amount: 0, unit: 'minutes' });
    expect(splitDelay(172800)).toEqual({ amount: 2, unit: 'days' });
    expect(splitDelay(5400)).toEqual({ amount: 90, unit: 'minutes' });
    expect(delaySeconds(3, 'hours')).toBe(10800);
  });
});
