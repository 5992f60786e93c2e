import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message the test SMTP server accepted, parsed. */
export interface ReceivedMail {
  /** The envelope sender (MAIL FROM). */
  readonly envelopeFrom: string;
  /** The envelope recipients (RCPT TO), lower-cased. */
  readonly envelopeTo: readonly string[];
  /** The From header as written (`Name <address>`). */
  readonly from: string;
  /** The To header's addresses, lower-cased. */
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  /** The HTML part; empty when the message has none. */
  readonly html: string;
  /** Every header, names lower-cased, values as sent (unfolded). */
  readonly headers: Readonly<Record<string, string>>;
  readonly receivedAt: Date;
}

export interface SmtpServer {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  readonly url: string;
  /** Every accepted message, oldest first. */
  readonly messages: readonly ReceivedMail[];
  /** Accepted messages addressed (envelope) to `address`. */
  messagesTo(address: string): ReceivedMail[];
  /** From now on, refuse every message with this SMTP reply (e.g. 550), or accept again with `undefined`. */
  refuseWith(code: number | undefined): void;
  stop(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

/**
 * A real SMTP server on a free port of 127.0.0.1 (smtp-server, no TLS, any or no login) that
 * keeps what it is sent, parsed (mailparser), for tests to read.
 */
export async function startSmtpServer(): Promise<SmtpServer> {
  const messages: ReceivedMail[] = [];
  let refusal: number | undefined;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'test' }),
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (refusal !== undefined) {
            callback(Object.assign(new Error('refused by the test SMTP server'), { responseCode: refusal }));
            return;
          }
          const headers: Record<string, string> = {};
          for (const line of parsed.headerLines) headers[line.key.toLowerCase()] = line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ').trim();
          messages.push({
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
            from: headers.from ?? '',
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            headers,
            receivedAt: new Date(),
          });
          callback();
        })
        .catch((error: unknown) => callback(error as Error));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('the test SMTP server has no port'));
    });
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    messagesTo: (address) => messages.filter((message) => message.envelopeTo.includes(address.toLowerCase())),
    refuseWith: (code) => {
      refusal = code;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((object) => object.value.map((entry) => (entry.address ?? '').toLowerCase()));
}
