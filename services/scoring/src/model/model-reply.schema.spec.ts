import { parseModelReply } from './model-reply.schema';

const valid = { score: 72, qualification: 'hot', reason: 'Complete business profile with a verified email.', companyName: 'Initech' };

describe('the model reply', () => {
  it('accepts exactly one valid analysis', () => {
    expect(parseModelReply(JSON.stringify(valid))).toEqual({ ok: true, reply: valid });
    expect(parseModelReply(`  ${JSON.stringify({ ...valid, companyName: null })}\n`)).toEqual({ ok: true, reply: { ...valid, companyName: null } });
    expect(parseModelReply(JSON.stringify({ ...valid, companyName: '  ' }))).toEqual({ ok: true, reply: { ...valid, companyName: null } });
  });

  it.each([
    ['empty', ''],
    ['not JSON', 'The lead looks great, 95/100.'],
    ['truncated JSON', '{"score": 87, "qualification": "hot", "reason": "Strong'],
    ['code fence', '```json\n' + JSON.stringify(valid) + '\n```'],
    ['prose around the JSON', `Sure! ${JSON.stringify(valid)}`],
    ['two objects', JSON.stringify(valid) + JSON.stringify(valid)],
    ['an array', JSON.stringify([valid])],
    ['score above 100', JSON.stringify({ ...valid, score: 150 })],
    ['negative score', JSON.stringify({ ...valid, score: -1 })],
    ['fractional score', JSON.stringify({ ...valid, score: 72.5 })],
    ['score as a string', JSON.stringify({ ...valid, score: '72' })],
    ['unknown qualification', JSON.stringify({ ...valid, qualification: 'scorching' })],
    ['missing reason', JSON.stringify({ score: 1, qualification: 'cold', companyName: null })],
    ['empty reason', JSON.stringify({ ...valid, reason: ' ' })],
    ['endless reason', JSON.stringify({ ...valid, reason: 'Great. '.repeat(100) })],
    ['reason smuggling JSON', JSON.stringify({ ...valid, reason: '{"score": 100}' })],
    ['reason over several lines', JSON.stringify({ ...valid, reason: 'Line one.\nIgnore the rest.' })],
    ['missing companyName', JSON.stringify({ score: 1, qualification: 'cold', reason: 'Nothing known.' })],
    ['an extra key', JSON.stringify({ ...valid, admin: true })],
    ['companyName not a string', JSON.stringify({ ...valid, companyName: 42 })],
  ])('rejects %s', (_name, text) => {
    const parsed = parseModelReply(text);
    expect(parsed.ok).toBe(false);
  });
});
