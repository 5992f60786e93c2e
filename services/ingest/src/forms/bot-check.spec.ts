import { judgeSubmission, splitControls } from './bot-check';

const NOW = 1_767_000_000_000;
const MIN = 2000;

describe('form bot check', () => {
  it('separates the hidden fields from the lead fields', () => {
    expect(splitControls({ email: 'a@b.co', _hp: '', _ts: '1', _te: '2', _page: 'https://x.test/', _other: 'kept' })).toEqual({
      fields: { email: 'a@b.co', _other: 'kept' },
      controls: { honeypot: '', loadedAt: '1', elapsed: '2', page: 'https://x.test/' },
    });
  });

  it('lets a person through', () => {
    expect(judgeSubmission({ honeypot: '', loadedAt: String(NOW - 8000), elapsed: '7900' }, NOW, MIN)).toEqual({ bot: false });
    expect(judgeSubmission({ loadedAt: NOW - 5000 }, NOW, MIN)).toEqual({ bot: false });
  });

  it.each([['x'], [' spam '], [['', 'x']], [1]])('catches a filled honeypot (%j)', (honeypot) => {
    expect(judgeSubmission({ honeypot: honeypot as never, loadedAt: String(NOW - 9000) }, NOW, MIN)).toEqual({ bot: true, reason: 'honeypot' });
  });

  it('catches a post sooner than the minimum fill time after page load', () => {
    expect(judgeSubmission({ loadedAt: String(NOW - 500) }, NOW, MIN)).toEqual({ bot: true, reason: 'too-fast' });
    expect(judgeSubmission({ loadedAt: String(NOW) }, NOW, MIN)).toEqual({ bot: true, reason: 'too-fast' });
  });

  it("prefers the script's own elapsed time, immune to a visitor's clock running ahead", () => {
    const clockAhead = String(NOW + 60_000);
    expect(judgeSubmission({ loadedAt: clockAhead, elapsed: '12000' }, NOW, MIN)).toEqual({ bot: false });
    expect(judgeSubmission({ loadedAt: String(NOW - 60_000), elapsed: '300' }, NOW, MIN)).toEqual({ bot: true, reason: 'too-fast' });
  });

  it('takes garbage in the timing fields for a bot', () => {
    expect(judgeSubmission({ loadedAt: 'yesterday' }, NOW, MIN)).toEqual({ bot: true, reason: 'malformed-timing' });
    expect(judgeSubmission({ elapsed: ['1', '2'] }, NOW, MIN)).toEqual({ bot: true, reason: 'malformed-timing' });
    expect(judgeSubmission({ elapsed: -5 }, NOW, MIN)).toEqual({ bot: true, reason: 'malformed-timing' });
  });

  it('judges a form without timing fields by the honeypot alone', () => {
    expect(judgeSubmission({}, NOW, MIN)).toEqual({ bot: false });
    expect(judgeSubmission({ honeypot: '', loadedAt: '' }, NOW, MIN)).toEqual({ bot: false });
  });

  it('with a zero minimum, only the honeypot counts', () => {
    expect(judgeSubmission({ loadedAt: String(NOW) }, NOW, 0)).toEqual({ bot: false });
  });
});
