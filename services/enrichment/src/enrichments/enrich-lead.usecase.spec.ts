import { create } from '@bufbuild/protobuf';
import { EmailClass, EnrichmentSchema, GeolocationMethod, MxStatus } from '@leads/contracts';
import { enrichmentMessage } from './enrich-lead.usecase';

describe('enrichmentMessage', () => {
  it('maps a full result onto the Enrichment message', () => {
    const message = create(
      EnrichmentSchema,
      enrichmentMessage({
        email: { syntaxValid: true, domain: 'initech.com', mxStatus: 'valid', mxHosts: ['mx1.initech.com'], emailClass: 'business', company: null },
        geolocation: { countryCode: 'US', region: 'Texas', city: 'Austin', latitude: 30.27, longitude: -97.74, provider: 'dbip-city-lite 2026-06', attribution: 'IP geolocation by DB-IP' },
        company: { name: 'Initech', domain: 'initech.com', confidence: 0.6 },
      }),
    );
    expect(message).toMatchObject({
      email: { syntaxValid: true, domain: 'initech.com', mxStatus: MxStatus.VALID, mxHosts: ['mx1.initech.com'] },
      emailClass: EmailClass.BUSINESS,
      geolocation: { countryCode: 'US', region: 'Texas', city: 'Austin', latitude: 30.27, longitude: -97.74, method: GeolocationMethod.IP_ADDRESS },
      company: { name: 'Initech', domain: 'initech.com', confidence: 0.6 },
    });
  });

  it('leaves out what could not be determined: no location, no company, no coordinates', () => {
    const message = create(
      EnrichmentSchema,
      enrichmentMessage({
        email: { syntaxValid: false, domain: '', mxStatus: 'unknown', mxHosts: [], emailClass: 'invalid', company: null },
        geolocation: null,
        company: null,
      }),
    );
    expect(message.email).toMatchObject({ syntaxValid: false, domain: '', mxStatus: MxStatus.UNKNOWN });
    expect(message.emailClass).toBe(EmailClass.INVALID);
    expect(message.geolocation).toBeUndefined();
    expect(message.company).toBeUndefined();

    const located = create(
      EnrichmentSchema,
      enrichmentMessage({
        email: { syntaxValid: true, domain: 'gmail.com', mxStatus: 'valid', mxHosts: [], emailClass: 'personal', company: null },
        geolocation: { countryCode: 'FR', region: '', city: '', latitude: null, longitude: null, provider: 'p', attribution: 'a' },
        company: null,
      }),
    );
    expect(located.geolocation?.latitude).toBeUndefined();
    expect(located.geolocation?.longitude).toBeUndefined();
  });
});
