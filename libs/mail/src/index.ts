export { Mailer, mailSettings, type MailConfig, type OutgoingMail, type SentMail } from './mailer';
