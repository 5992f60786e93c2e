import { createHmac } from 'node:crypto';
import { computeSignature, parseSignatureHeader, signatureHeader, verifySignature } from './webhook-signature';

const NOW = 1_767_000_000;
const body = Buffer.from('{"email":"ann@example.com"}');
const secret = 'whsec_current';
const previous = 'whsec_previous';

describe('webhook signatures', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256, hex', () => {
    const expected = createHmac('sha256', secret).update(`${NOW}.${body.toString()}`).digest('hex');
    expect(computeSignature(secret, NOW, body)).toBe(expected);
    expect(signatureHeader(secret, body, NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('accepts a good signature', () => {
    expect(verifySignature(signatureHeader(secret, body, NOW), body, [secret], { now: NOW })).toEqual({ valid: true });
  });

  it('accepts a timestamp up to 5 minutes off, both ways, and refuses beyond', () => {
    for (const offset of [-300, 300]) {
      expect(verifySignature(signatureHeader(secret, body, NOW + offset), body, [secret], { now: NOW }).valid).toBe(true);
    }
    for (const offset of [-301, 301, -360]) {
      expect(verifySignature(signatureHeader(secret, body, NOW + offset), body, [secret], { now: NOW })).toEqual({
        valid: false,
        reason: 'expired',
      });
    }
  });

  it('honours a custom tolerance', () => {
    const header = signatureHeader(secret, body, NOW - 20);
    expect(verifySignature(header, body, [secret], { now: NOW, toleranceSeconds: 10 }).valid).toBe(false);
    expect(verifySignature(header, body, [secret], { now: NOW, toleranceSeconds: 30 }).valid).toBe(true);
  });

  it('refuses a wrong secret, a changed body and a changed timestamp', () => {
    expect(verifySignature(signatureHeader('whsec_wrong', body, NOW), body, [secret], { now: NOW })).toEqual({
      valid: false,
      reason: 'mismatch',
    });
    expect(verifySignature(signatureHeader(secret, body, NOW), Buffer.from('{"email":"eve@example.com"}'), [secret], { now: NOW }).valid).toBe(
      false,
    );
    const replayed = signatureHeader(secret, body, NOW).replace(`t=${NOW}`, `t=${NOW + 1}`);
    expect(verifySignature(replayed, body, [secret], { now: NOW }).valid).toBe(false);
  });

  it('accepts several v1 entries when any one matches, in any order', () => {
    const good = computeSignature(secret, NOW, body);
    const bad = computeSignature('whsec_other', NOW, body);
    expect(verifySignature(`t=${NOW},v1=${bad},v1=${good}`, body, [secret], { now: NOW }).valid).toBe(true);
    expect(verifySignature(`v1=${good}, t=${NOW}, v1=${bad}`, body, [secret], { now: NOW }).valid).toBe(true);
    expect(verifySignature(`t=${NOW},v1=${bad},v1=${bad}`, body, [secret], { now: NOW }).valid).toBe(false);
  });

  it('during rotation accepts any currently valid secret, and a sender signing with both', () => {
    const valid = [secret, previous];
    expect(verifySignature(signatureHeader(previous, body, NOW), body, valid, { now: NOW }).valid).toBe(true);
    expect(verifySignature(signatureHeader(secret, body, NOW), body, valid, { now: NOW }).valid).toBe(true);
    expect(verifySignature(signatureHeader([previous, secret], body, NOW), body, valid, { now: NOW }).valid).toBe(true);
    // Once the previous secret has expired, only the current one is passed in.
    expect(verifySignature(signatureHeader(previous, body, NOW), body, [secret], { now: NOW }).valid).toBe(false);
    expect(verifySignature(signatureHeader(secret, body, NOW), body, [], { now: NOW }).valid).toBe(false);
  });

  it('ignores entries of other schemes', () => {
    const header = `t=${NOW},v0=abc,v1=${computeSignature(secret, NOW, body)}`;
    expect(verifySignature(header, body, [secret], { now: NOW }).valid).toBe(true);
  });

  it('says missing for an absent or blank header', () => {
    expect(verifySignature(undefined, body, [secret], { now: NOW })).toEqual({ valid: false, reason: 'missing' });
    expect(verifySignature('  ', body, [secret], { now: NOW })).toEqual({ valid: false, reason: 'missing' });
  });

  it.each([
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['no v1', `t=${NOW}`],
    ['two timestamps', `t=${NOW},t=${NOW},v1=${'a'.repeat(64)}`],
    ['a non-numeric timestamp', `t=soon,v1=${'a'.repeat(64)}`],
    ['a millisecond-looking negative timestamp', `t=-1,v1=${'a'.repeat(64)}`],
    ['a short signature', `t=${NOW},v1=abcdef`],
    ['a non-hex signature', `t=${NOW},v1=${'z'.repeat(64)}`],
    ['an item without "="', `t=${NOW},v1`],
    ['a bare signature', 'a'.repeat(64)],
    ['too many signatures', `t=${NOW},${Array.from({ length: 9 }, () => `v1=${'a'.repeat(64)}`).join(',')}`],
    ['an oversized header', `t=${NOW},v1=${'a'.repeat(64)},x=${'y'.repeat(3000)}`],
  ])('says malformed for %s', (_, header) => {
    expect(verifySignature(header, body, [secret], { now: NOW })).toEqual({ valid: false, reason: 'malformed' });
  });

  it('parses the header into a timestamp and signature bytes', () => {
    const parsed = parseSignatureHeader(`t=${NOW},v1=${'ab'.repeat(32)}`);
    expect(parsed?.timestamp).toBe(NOW);
    expect(parsed?.signatures.map((signature) => signature.length)).toEqual([32]);
  });
});
