import type { OutgoingMail } from '@leads/mail';
import { renderTemplate, type TemplateVariables } from '../sequences/email-template';
import type { Sender } from '../sender/sender-identity';

export interface StepContent {
  readonly subject: string;
  readonly body: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

/** Plain text as HTML: everything escaped (so every lead value is), blank lines between paragraphs, line breaks kept. */
function htmlParagraphs(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n(?:[ \t]*\n)+/)
    .filter((paragraph) => paragraph.trim() !== '')
    .map((paragraph) => `<p>${escapeHtml(paragraph).replaceAll('\n', '<br>\n')}</p>`)
    .join('\n');
}

/** `Name <address>`, the name quoted so that commas, quotes or angle brackets in it stay part of the name. */
export function formatAddress(name: string, address: string): string {
  return name ? `"${name.replace(/["\\]/g, (character) => `\\${character}`)}" <${address}>` : address;
}

/**
 * One step's email to one lead. The body is plain text: the text part is the rendered template,
 * the HTML part the same text HTML-escaped, so no lead value can inject markup. Both end with the
 * unsubscribe link, which also goes in `List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 8058
 * one-click: mail clients POST to the link).
 */
export function composeEmail(step: StepContent, variables: TemplateVariables, sender: Sender, to: string, unsubscribeUrl: string): OutgoingMail {
  // A header value: a newline in a lead's value must not start another header.
  const subject = renderTemplate(step.subject, variables).replace(/[\r\n]+/g, ' ').trim();
  const text = renderTemplate(step.body, variables);
  return {
    from: formatAddress(sender.fromName, sender.fromEmail),
    replyTo: sender.replyTo ?? undefined,
    to,
    subject,
    text: `${text}\n\n--\nTo stop receiving these emails, unsubscribe: ${unsubscribeUrl}\n`,
    html:
      `<!doctype html>\n<html><body>\n${htmlParagraphs(text)}\n` +
      `<p style="font-size:12px;color:#6b7280">To stop receiving these emails, <a href="${escapeHtml(unsubscribeUrl)}">unsubscribe</a>.</p>\n` +
      `</body></html>\n`,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
