/** The small pages the public unsubscribe link shows; every value HTML-escaped. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (character) => ESCAPES[character]);

function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#111827}button{font-size:1rem;padding:.5rem 1rem;cursor:pointer}</style>
</head>
<body>
<h1>${escape(title)}</h1>
${content}
</body>
</html>
`;
}

/** GET: asks to confirm (a link scanner's GET changes nothing); the button posts the RFC 8058 one-click body. */
export function confirmPage(recipient: { email: string; sender: string; unsubscribed: boolean }): string {
  if (recipient.unsubscribed) return unsubscribedPage(recipient);
  return layout(
    'Unsubscribe',
    `<p>Stop the emails from ${escape(recipient.sender)} to ${escape(recipient.email)}?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
  );
}

export function unsubscribedPage(recipient: { email: string; sender: string }): string {
  return layout('You are unsubscribed', `<p>${escape(recipient.email)} will receive no more emails from ${escape(recipient.sender)}.</p>`);
}

export const unknownLinkPage = () => layout('Link not valid', '<p>This unsubscribe link is not valid. Check that it was copied whole.</p>');

export const unavailablePage = () => layout('Try again later', '<p>We could not handle your request just now. Please try again in a few minutes.</p>');
