import { InternalAuthGuard, ParseIdPipe, SERVICE_CONFIG, Scope, ZodValidationPipe, notFound, type RequestScope } from '@leads/service';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { NotificationConfig } from '../notification.config';
import { toPage } from '../shared/request.schema';
import { PublicLinks, toNotificationJson, type NotificationJson } from './notification.render';
import { feedQuery, type FeedQueryInput } from './notifications.schema';
import { NotificationsStore } from './notifications.store';

export interface FeedPage {
  items: NotificationJson[];
  unread: number;
  nextCursor: string | null;
}

/** The workspace's in-app notifications. */
@Controller('v1/notifications')
@UseGuards(InternalAuthGuard)
export class NotificationsController {
  private readonly links: PublicLinks;

  constructor(
    private readonly store: NotificationsStore,
    @Inject(SERVICE_CONFIG) config: NotificationConfig,
  ) {
    this.links = new PublicLinks(config.PUBLIC_URL);
  }

  @Get()
  async list(@Scope() scope: RequestScope, @Query(new ZodValidationPipe(feedQuery)) query: FeedQueryInput): Promise<FeedPage> {
    const { rows, unread } = await this.store.list(scope.workspaceId, { limit: query.limit, cursor: query.cursor, unreadOnly: query.unread });
    const { items, nextCursor } = toPage(
      rows.map((row) => toNotificationJson(row, this.links)),
      query.limit,
    );
    return { items, unread, nextCursor };
  }

  @Post('read-all')
  @HttpCode(200)
  async readAll(@Scope() scope: RequestScope): Promise<{ marked: number }> {
    return { marked: await this.store.markAllRead(scope.workspaceId) };
  }

  @Post(':id/read')
  @HttpCode(200)
  async read(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Notification')) id: string): Promise<NotificationJson> {
    const row = await this.store.markRead(scope.workspaceId, id);
    if (!row) throw notFound('Notification');
    return toNotificationJson(row, this.links);
  }
}
