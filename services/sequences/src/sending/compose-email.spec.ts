import { composeEmail, formatAddress } from './compose-email';

const sender = { fromName: 'Grace at Initech', fromEmail: 'grace@initech.example', replyTo: 'sales@initech.example' };
const url = 'https://leads.example/v1/unsubscribe/ws.token';

describe('composeEmail', () => {
  const lead = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', companyName: 'Analytical & Co', customFields: {} };

  it('renders subject and text, and adds the unsubscribe link and the one-click headers (RFC 8058)', () => {
    const mail = composeEmail({ subject: 'Hello {{firstName}}', body: 'Hi {{firstName}},\n\nHow is {{companyName}}?' }, lead, sender, 'ada@example.com', url);
    expect(mail).toMatchObject({
      from: '"Grace at Initech" <grace@initech.example>',
      replyTo: 'sales@initech.example',
      to: 'ada@example.com',
      subject: 'Hello Ada',
      headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    expect(mail.text).toBe(`Hi Ada,\n\nHow is Analytical & Co?\n\n--\nTo stop receiving these emails, unsubscribe: ${url}\n`);
    expect(mail.html).toContain('<p>Hi Ada,</p>\n<p>How is Analytical &amp; Co?</p>');
    expect(mail.html).toContain(`<a href="${url}">unsubscribe</a>`);
  });

  it('HTML-escapes lead values in the HTML part, and keeps them as written in the text part', () => {
    const hostile = { ...lead, firstName: '<script>alert("x")</script>', companyName: `"><img src=x onerror=alert(1)>` };
    const mail = composeEmail({ subject: 'Hi {{firstName}}', body: 'Dear {{firstName}} of {{companyName}}' }, hostile, sender, 'ada@example.com', url);
    expect(mail.html).toContain('Dear &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; of &quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.text).toContain('Dear <script>alert("x")</script> of');
  });

  it('keeps line breaks inside a paragraph', () => {
    const mail = composeEmail({ subject: 's', body: 'one\ntwo\r\n\r\n\nthree' }, lead, sender, 'ada@example.com', url);
    expect(mail.html).toContain('<p>one<br>\ntwo</p>\n<p>three</p>');
  });

  it('cannot add a header through a value in the subject', () => {
    const mail = composeEmail({ subject: 'Hi {{firstName}}', body: 'b' }, { ...lead, firstName: 'Ada\r\nBcc: victim@example.com' }, sender, 'ada@example.com', url);
    expect(mail.subject).toBe('Hi Ada Bcc: victim@example.com');
  });

  it('sends without Reply-To when the sender has none', () => {
    expect(composeEmail({ subject: 's', body: 'b' }, lead, { ...sender, replyTo: null }, 'ada@example.com', url).replyTo).toBeUndefined();
  });
});

describe('formatAddress', () => {
  it('quotes the name so that commas and quotes stay in it', () => {
    expect(formatAddress('Doe, "Jo"', 'jo@example.com')).toBe('"Doe, \\"Jo\\"" <jo@example.com>');
    expect(formatAddress('', 'jo@example.com')).toBe('jo@example.com');
  });
});
