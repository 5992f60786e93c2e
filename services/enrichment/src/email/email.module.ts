import { Module } from '@nestjs/common';
import { DomainCacheRepository } from './domain-cache.repository';
import { domainListsProvider } from './domain-lists.provider';
import { MailDnsClient } from './mail-dns.client';
import { VerifyEmail } from './verify-email.usecase';

/** Email verification (syntax, MX), classification and company inference, with the domain cache. */
@Module({
  providers: [domainListsProvider, MailDnsClient, DomainCacheRepository, VerifyEmail],
  exports: [VerifyEmail],
})
export class EmailModule {}
