import type { TopicDefinition } from '@leads/contracts';
import type { Admin } from 'kafkajs';
import { setTimeout as delay } from 'node:timers/promises';

const DEAD_LETTER_PARTITIONS = 3;
const ATTEMPTS = 8;

export function deadLetterTopic(consumerGroup: string): string {
  return `${consumerGroup}.dlq`;
}

/**
 * Creates the missing topics (the broker does not auto-create them) and waits until every
 * partition has a leader. Several services may start at once and race to create the same
 * topics: losing that race, or reading metadata before it has spread, is retried.
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly TopicDefinition[],
  deadLetterTopics: readonly string[] = [],
): Promise<void> {
  const wanted = [
    ...topics.map((topic) => ({ topic: topic.name, numPartitions: topic.partitions })),
    ...deadLetterTopics.map((topic) => ({ topic, numPartitions: DEAD_LETTER_PARTITIONS })),
  ];
  for (let attempt = 1; ; attempt += 1) {
    try {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter(({ topic }) => !existing.has(topic));
      if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: false });
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: wanted.map(({ topic }) => topic) });
      const leaderless = metadata.filter((topic) => topic.partitions.some((partition) => partition.leader < 0));
      if (leaderless.length === 0) return;
      throw new Error(`no leader yet for ${leaderless.map((topic) => topic.name).join(', ')}`);
    } catch (error) {
      if (attempt >= ATTEMPTS) throw error;
      await delay(100 * 2 ** attempt);
    }
  }
}
