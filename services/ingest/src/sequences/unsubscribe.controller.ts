import { Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { LOGGER } from '@leads/observability';
import type { RequestScope } from '@leads/service';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Downstream } from '../gateway/downstream';
import { ForwardedProblem } from '../gateway/internal-client';
import { confirmPage, unavailablePage, unknownLinkPage, unsubscribedPage } from './unsubscribe-page';

/** A token starts with its workspace's id (see the sequences service): the call is scoped to it. */
const TOKEN_WORKSPACE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9_-]+$/i;

interface Recipient {
  email: string;
  sender: string;
  unsubscribed: boolean;
}

/**
 * The unsubscribe link of every sequence email, public and without login (the unguessable token
 * is the credential). GET shows a confirmation page; POST unsubscribes: the page's button, and the
 * one-click POST mail clients send from the `List-Unsubscribe-Post` header (RFC 8058).
 */
@ApiTags('Unsubscribe')
@Controller('v1/unsubscribe')
export class UnsubscribeController {
  constructor(
    private readonly downstream: Downstream,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get(':token')
  @ApiOperation({ summary: 'The confirmation page of an unsubscribe link (HTML); changes nothing.' })
  @ApiParam({ name: 'token', description: 'From the link in the email.' })
  @ApiProduces('text/html')
  async show(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    await this.answer(reply, token, 'GET', confirmPage);
  }

  @Post(':token')
  @ApiOperation({
    summary: 'Unsubscribe (RFC 8058 one-click, body `List-Unsubscribe=One-Click`): the address gets no more sequence emails from this workspace.',
  })
  @ApiParam({ name: 'token', description: 'From the link in the email.' })
  @ApiProduces('text/html')
  async unsubscribe(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    await this.answer(reply, token, 'POST', unsubscribedPage);
  }

  private async answer(reply: FastifyReply, token: string, method: 'GET' | 'POST', page: (recipient: Recipient) => string): Promise<void> {
    const workspaceId = TOKEN_WORKSPACE.exec(token)?.[1];
    if (!workspaceId) return this.html(reply, 404, unknownLinkPage());
    const scope: RequestScope = { workspaceId: workspaceId.toLowerCase(), actor: { kind: 'system', id: 'unsubscribe' } };
    try {
      const recipient = await this.downstream.sequences<Recipient>(scope, { method, path: `/v1/unsubscribe/${token}` });
      await this.html(reply, 200, page(recipient));
    } catch (error) {
      if (error instanceof ForwardedProblem && error.getStatus() === 404) return this.html(reply, 404, unknownLinkPage());
      this.logger.error({ err: error }, 'unsubscribe link failed');
      await this.html(reply, 503, unavailablePage());
    }
  }

  private async html(reply: FastifyReply, status: number, html: string): Promise<void> {
    await reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      // The token is in the URL: it must not leak to other sites.
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
      .send(html);
  }
}
