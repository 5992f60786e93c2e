import { zodFieldErrors } from '@leads/service';
import { createSubscriptionBody } from './webhook-subscription.schema';

const fieldsOf = (allowPrivate: boolean, body: unknown) => {
  const result = createSubscriptionBody(allowPrivate).safeParse(body);
  return result.success ? [] : zodFieldErrors(result.error).map((error) => error.field);
};

describe('createSubscriptionBody', () => {
  it('takes an http(s) URL and known event types', () => {
    expect(createSubscriptionBody(false).parse({ url: 'https://hooks.example.com/500leads?x=1', events: ['lead.failed', 'lead.scored'] })).toEqual({
      url: 'https://hooks.example.com/500leads?x=1',
      events: ['lead.failed', 'lead.scored'],
    });
  });

  it.each([
    ['http://127.0.0.1:8080/hook'],
    ['http://[::1]/hook'],
    ['http://10.1.2.3/hook'],
    ['http://169.254.169.254/latest/meta-data'],
    ['http://2130706433/hook'],
  ])('refuses the non-public address of %s, unless private targets are allowed', (url) => {
    expect(fieldsOf(false, { url, events: ['lead.created'] })).toEqual(['url']);
    expect(fieldsOf(true, { url, events: ['lead.created'] })).toEqual([]);
  });

  it('names each bad field', () => {
    expect(fieldsOf(false, { url: 'mailto:ops@example.com', events: ['lead.created', 'lead.deleted'] })).toEqual(['url', 'events.1']);
    expect(fieldsOf(false, { url: `https://example.com/${'x'.repeat(2048)}`, events: ['lead.created'] })).toEqual(['url']);
    expect(fieldsOf(false, { url: 'https://example.com/#top', events: ['workspace.created'] })).toEqual(['url', 'events.0']);
    expect(fieldsOf(false, {})).toEqual(['url', 'events']);
  });
});
