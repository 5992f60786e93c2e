import { confirmPage, unknownLinkPage, unsubscribedPage } from './unsubscribe-page';

describe('unsubscribe pages', () => {
  const recipient = { email: 'a***@initech.com', sender: 'Grace <at> "Initech" & Co', unsubscribed: false };

  it('asks to confirm with a form that posts the one-click body, every value escaped', () => {
    const html = confirmPage(recipient);
    expect(html).toContain('<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(html).toContain('Stop the emails from Grace &lt;at&gt; &quot;Initech&quot; &amp; Co to a***@initech.com?');
    expect(html).not.toContain('<at>');
  });

  it('says so when the address is already unsubscribed, and after unsubscribing', () => {
    expect(confirmPage({ ...recipient, unsubscribed: true })).toContain('You are unsubscribed');
    expect(confirmPage({ ...recipient, unsubscribed: true })).not.toContain('<form');
    expect(unsubscribedPage(recipient)).toContain('a***@initech.com will receive no more emails from Grace &lt;at&gt;');
    expect(unknownLinkPage()).toContain('not valid');
  });
});
