import type { TopicDefinition } from '@leads/contracts';
import type { Admin } from 'kafkajs';

const DEAD_LETTER_PARTITIONS = 3;

export function deadLetterTopic(consumerGroup: string): string {
  return `${consumerGroup}.dlq`;
}

/** Creates the missing topics (the broker does not auto-create them); existing ones are left alone. */
export async function ensureTopics(
  admin: Admin,
  topics: readonly TopicDefinition[],
  deadLetterTopics: readonly string[] = [],
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [
    ...topics.map((topic) => ({ topic: topic.name, numPartitions: topic.partitions })),
    ...deadLetterTopics.map((topic) => ({ topic, numPartitions: DEAD_LETTER_PARTITIONS })),
  ].filter(({ topic }) => !existing.has(topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
}
