import nodemailer, { type Transporter } from 'nodemailer';
import { z } from 'zod';

/** SMTP_URL (required: `smtp://user:pass@host:port` or `smtps://…`), MAIL_FROM (the default sender). */
export const mailSettings = {
  /** The SMTP server mail leaves through. `make up` starts a local mail catcher when it is unset. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }),
  /** The sender when a workspace has set none: `Name <address>`. */
  MAIL_FROM: z.string().min(3).default('500 Leads <no-reply@500leads.local>'),
};

export interface MailConfig {
  readonly SMTP_URL: string;
  readonly MAIL_FROM: string;
}

export interface OutgoingMail {
  /** `Name <address>`; MAIL_FROM when absent. */
  readonly from?: string;
  readonly replyTo?: string;
  readonly to: string | readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the SMTP server answered: the addresses it took and refused, and its reply line. */
export interface SentMail {
  readonly messageId: string;
  readonly accepted: string[];
  readonly rejected: string[];
  readonly response: string;
}

/** Bounds one SMTP conversation: a stalled server fails the send instead of holding a worker. */
const SMTP_TIMEOUT_MS = 15_000;

/** Sends mail through the SMTP server of SMTP_URL over pooled connections. */
export class Mailer {
  private readonly transport: Transporter;

  constructor(private readonly config: MailConfig) {
    this.transport = nodemailer.createTransport({
      url: config.SMTP_URL,
      pool: true,
      maxConnections: 4,
      // The pool would resend a message whose connection dropped mid-delivery, which the server
      // may have accepted already: callers retry durably and must know what happened instead.
      maxRequeues: 0,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    });
  }

  /** Sends one message; rejects when the server refuses it or cannot be reached. */
  async send(mail: OutgoingMail): Promise<SentMail> {
    const info = await this.transport.sendMail({
      from: mail.from ?? this.config.MAIL_FROM,
      replyTo: mail.replyTo,
      to: typeof mail.to === 'string' ? mail.to : [...mail.to],
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: mail.headers ? { ...mail.headers } : undefined,
    });
    return {
      messageId: String(info.messageId),
      accepted: (info.accepted as unknown[]).map(String),
      rejected: (info.rejected as unknown[]).map(String),
      response: String(info.response),
    };
  }

  close(): void {
    this.transport.close();
  }
}
