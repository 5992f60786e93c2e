import type { DecodedEvent } from '@leads/contracts';
import { BaseRpcContext } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';

export interface Delivery {
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * What an `@EventPattern` handler gets with `@Ctx()`: the transaction its effects must use
 * (the inbox row that makes the delivery idempotent is in it), the event's CloudEvents
 * attributes and where it came from.
 */
export class EventContext extends BaseRpcContext<[DecodedEvent, Delivery]> {
  private readonly committedHooks: Array<() => void> = [];

  constructor(
    readonly manager: EntityManager,
    readonly event: DecodedEvent,
    readonly delivery: Delivery,
  ) {
    super([event, delivery]);
  }

  get eventId(): string {
    return this.event.attributes.id;
  }

  /** Runs `hook` once the handler's transaction has committed (never on rollback). */
  afterCommit(hook: () => void): void {
    this.committedHooks.push(hook);
  }

  /** @internal called by the transport after commit. */
  runAfterCommitHooks(): void {
    for (const hook of this.committedHooks) hook();
  }
}

/** Thrown by a handler for an event that can never succeed: it goes to the DLQ without retries. */
export class NonRetryableEventError extends Error {
  override name = 'NonRetryableEventError';
}
