import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { TopicDefinition } from '@leads/contracts';
import { EventPattern } from '@nestjs/microservices';
import type { EventContext } from './event-context';
import type { EventPatternExtras } from './kafka-transport.strategy';

/**
 * `@EventPattern(topic.name)` with the payload typed from the topic registry:
 *
 *   @OnEvent(Topics.leadCreated)
 *   async onLeadCreated(@Payload() event: LeadCreated, @Ctx() context: EventContext) { … }
 */
export function OnEvent<Desc extends DescMessage>(topic: TopicDefinition<Desc>, extras: EventPatternExtras = {}) {
  const decorate = EventPattern(topic.name, { ...extras }) as MethodDecorator;
  return <Result>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<(event: MessageShape<Desc>, context: EventContext) => Result>,
  ): void => {
    decorate(target, key, descriptor);
  };
}
