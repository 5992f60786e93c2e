import { startSmtpServer, type SmtpServer } from '@leads/testing';
import { Mailer } from './mailer';

describe('Mailer', () => {
  let smtp: SmtpServer;
  let mailer: Mailer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    mailer = new Mailer({ SMTP_URL: smtp.url, MAIL_FROM: 'Default Sender <default@500leads.test>' });
  });
  afterAll(async () => {
    mailer.close();
    await smtp.stop();
  });

  it('delivers to the SMTP server with the default sender, both bodies and extra headers', async () => {
    const sent = await mailer.send({
      to: 'ada@example.com',
      subject: 'Hello Ada',
      text: 'plain body',
      html: '<p>html body</p>',
      headers: { 'List-Unsubscribe': '<https://example.com/u/1>' },
    });

    expect(sent.accepted).toEqual(['ada@example.com']);
    const [received] = smtp.messagesTo('ada@example.com');
    expect(received).toMatchObject({ subject: 'Hello Ada', text: 'plain body', html: '<p>html body</p>', from: 'Default Sender <default@500leads.test>' });
    expect(received.headers['list-unsubscribe']).toBe('<https://example.com/u/1>');
  });

  it('rejects when the server refuses the message', async () => {
    smtp.refuseWith(550);
    try {
      await expect(mailer.send({ to: 'bob@example.com', subject: 's', text: 't' })).rejects.toThrow(/550/);
    } finally {
      smtp.refuseWith(undefined);
    }
    expect(smtp.messagesTo('bob@example.com')).toEqual([]);
  });
});
