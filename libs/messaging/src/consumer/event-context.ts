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
 *
 * The transaction may be shared with the events before and after this one on the same
 * partition. If a handler throws, that transaction is rolled back and the handlers before it run
 * again: a handler's run may be discarded and repeated (as after a crash before the commit), so
 * what it does outside `manager` must bear running twice; use `afterCommit` for what must follow
 * the commit. Use `manager` for every statement (a second connection from the pool could wait
 * for one the consumer holds), and do not catch and ignore a failed statement: the transaction is
 * then aborted, and the transport treats the event as failed.
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
