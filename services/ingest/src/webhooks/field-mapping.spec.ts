import { recogniseFields } from '../intake/field-recognition';
import { applyFieldMapping } from './field-mapping';

describe('webhook field mapping', () => {
  it('renames mapped fields and keeps the others', () => {
    expect(applyFieldMapping({ contact_mail: 'a@b.co', plan: 'pro' }, { contact_mail: 'email' })).toEqual({ plan: 'pro', email: 'a@b.co' });
  });

  it('lets recognition see the mapped names', () => {
    const fields = applyFieldMapping({ correo: 'Ann@Example.com', nombre: 'Ann', org: 'Initech' }, { correo: 'email', nombre: 'firstName' });
    expect(recogniseFields(fields)).toEqual({
      profile: { email: 'ann@example.com', firstName: 'Ann' },
      utm: {},
      customFields: { org: 'Initech' },
    });
  });

  it('reads dotted paths into nested JSON, and array indexes', () => {
    const fields = { contact: { email: 'a@b.co', name: { first: 'Ann' } }, answers: [{ text: 'Yes' }] };
    expect(applyFieldMapping(fields, { 'contact.email': 'email', 'contact.name.first': 'firstName', 'answers.0.text': 'consent' })).toEqual({
      ...fields,
      email: 'a@b.co',
      firstName: 'Ann',
      consent: 'Yes',
    });
  });

  it('prefers a top-level field whose name contains a dot', () => {
    expect(applyFieldMapping({ 'contact.email': 'top@b.co', contact: { email: 'nested@b.co' } }, { 'contact.email': 'email' })).toEqual({
      contact: { email: 'nested@b.co' },
      email: 'top@b.co',
    });
  });

  it('ignores mappings of absent fields and paths through non-objects', () => {
    expect(applyFieldMapping({ email: 'a@b.co', n: 1 }, { missing: 'phone', 'n.x': 'city', 'email.length': 'x', 'toString.x': 'y' })).toEqual({
      email: 'a@b.co',
      n: 1,
    });
  });

  it('lets a mapped field win over a field of the same name', () => {
    expect(applyFieldMapping({ email: 'old@b.co', work_email: 'new@b.co' }, { work_email: 'email' })).toEqual({ email: 'new@b.co' });
  });
});
