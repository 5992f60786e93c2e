import { parseTemplate, renderTemplate, templateProblems, type TemplateVariables } from './email-template';

const ada: TemplateVariables = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@initech.com',
  companyName: 'Initech',
  customFields: { plan: 'enterprise', seats: 12, trial: false, 'job title': 'CTO', nothing: null, list: ['a'] },
};

describe('step templates', () => {
  it('renders the standard variables, with or without spaces inside the braces', () => {
    expect(renderTemplate('Hi {{firstName}} {{ lastName }} of {{companyName}} <{{email}}>', ada)).toBe('Hi Ada Lovelace of Initech <ada@initech.com>');
  });

  it('renders custom fields by name or under customFields., scalars as written and anything else empty', () => {
    expect(renderTemplate('{{plan}} {{customFields.seats}} {{trial}} [{{customFields.job title}}] [{{nothing}}] [{{list}}]', ada)).toBe(
      'enterprise 12 false [CTO] [] []',
    );
  });

  it('renders unknown and empty variables as empty strings', () => {
    const bare: TemplateVariables = { firstName: null, lastName: null, email: 'x@y.z', companyName: null, customFields: {} };
    expect(renderTemplate('Hi {{firstName}},{{ fristName }}{{customFields.plan}}!', bare)).toBe('Hi ,!');
  });

  it('does not read inherited properties as custom fields', () => {
    expect(renderTemplate('[{{constructor}}][{{customFields.toString}}]', ada)).toBe('[][]');
  });

  it('leaves single braces and text without tags alone', () => {
    expect(renderTemplate('a { b } c }} d', ada)).toBe('a { b } c }} d');
    expect(parseTemplate('')).toEqual([]);
  });

  it.each([
    ['Hi {{firstName', '{{ at character 4 is not closed with }}'],
    ['{{ }}', 'is not a variable'],
    ['{{#if firstName}}x{{/if}}', 'is not a variable'],
    ['{{{firstName}}}', 'is not a variable'],
    ['{{first name}}', 'is not a variable'],
    ['{{customFields.}}', 'is not a variable'],
    ['{{firstName | upper}}', 'is not a variable'],
  ])('refuses %j', (template, problem) => {
    const problems = templateProblems(template);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('accepts every documented form', () => {
    expect(templateProblems('{{firstName}} {{lastName}} {{email}} {{companyName}} {{customFields.any name: at all}} {{plan_tier-2}} {{société}}')).toEqual([]);
  });
});
