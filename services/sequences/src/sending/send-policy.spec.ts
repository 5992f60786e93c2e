import { backoffMs, shouldRetry, smtpFailure } from './send-policy';

describe('send policy', () => {
  it('backs off exponentially, capped, half fixed and half random', () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(backoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
  });

  it('retries transient failures while attempts are left, never permanent ones', () => {
    const refused = smtpFailure(Object.assign(new Error('Message failed: 550 refused'), { responseCode: 550, permanent: true, response: '550 refused' }));
    const busy = smtpFailure(Object.assign(new Error('Message failed: 421 busy'), { responseCode: 421, permanent: false, response: '421 busy' }));
    const down = smtpFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ESOCKET' }));
    expect(refused).toEqual({ permanent: true, reason: 'Message failed: 550 refused', response: '550 refused' });
    expect(down).toEqual({ permanent: false, reason: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:1', response: null });
    expect(shouldRetry(refused, 1, 5)).toBe(false);
    expect(shouldRetry(busy, 4, 5)).toBe(true);
    expect(shouldRetry(busy, 5, 5)).toBe(false);
    expect(shouldRetry(down, 1, 5)).toBe(true);
  });
});
