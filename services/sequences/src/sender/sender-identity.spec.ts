import { defaultSender } from './sender-identity';

describe('defaultSender', () => {
  it('reads MAIL_FROM written as Name <address>, quoted or not, or as a bare address', () => {
    expect(defaultSender('500 Leads <no-reply@500leads.local>')).toEqual({ fromName: '500 Leads', fromEmail: 'no-reply@500leads.local', replyTo: null });
    expect(defaultSender('"Sales, Initech" <sales@initech.example>')).toEqual({ fromName: 'Sales, Initech', fromEmail: 'sales@initech.example', replyTo: null });
    expect(defaultSender('sales@initech.example')).toEqual({ fromName: '', fromEmail: 'sales@initech.example', replyTo: null });
  });
});
